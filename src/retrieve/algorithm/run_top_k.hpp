#pragma once
/// One query's top k over a set of cursors with the chosen algorithm, ties broken by the index's
/// external-id ranks (index::Index::id_ranks): what every first-stage retriever over posting
/// cursors (BM25, impacts) does once its cursors are open.

#include <cstdint>
#include <span>
#include <vector>

#include "retrieve/algorithm/block_max_maxscore.hpp"
#include "retrieve/algorithm/block_max_wand.hpp"
#include "retrieve/algorithm/exhaustive.hpp"
#include "retrieve/algorithm/maxscore.hpp"
#include "retrieve/algorithm/wand.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

/// Ties by external id ascending, compared as bytes (Lucene's SortField STRING_VAL order),
/// through the ids' ranks: an integer comparison instead of two string loads.
struct IdRankOrder {
    const std::uint32_t* rank;
    [[nodiscard]] std::uint32_t key(std::uint32_t docid) const { return rank[docid]; }
    void prefetch(std::uint32_t docid) const { __builtin_prefetch(rank + docid); }
};

/// The best `k` hits of `cursors` by `algorithm` (every algorithm gives the same hits), best
/// first; `ranks` are the index's id ranks.
template <BlockMaxCursor Cursor>
[[nodiscard]] std::vector<Hit> run_top_k(std::span<Cursor> cursors, std::size_t k,
                                         const std::uint32_t* ranks, Algorithm algorithm) {
    TopKQueue<IdRankOrder> queue(k, IdRankOrder{ranks});
    if (algorithm != Algorithm::exhaustive) {  // exhaustive stays the unpruned reference
        prime_threshold(cursors, queue);
    }
    switch (algorithm) {
        case Algorithm::exhaustive:
            exhaustive_query(cursors, queue);
            break;
        case Algorithm::maxscore:
            maxscore_query(cursors, queue);
            break;
        case Algorithm::wand:
            wand_query(cursors, queue);
            break;
        case Algorithm::block_max_wand:
            block_max_wand_query(cursors, queue);
            break;
        case Algorithm::block_max_maxscore:
            block_max_maxscore_query(cursors, queue);
            break;
    }
    return queue.take_sorted();
}

}  // namespace cascade::retrieve
