#pragma once
/// The first-stage seam: any retriever (BM25 today, dense later) takes a batch of queries and
/// returns each one's top-k, best first, with the same hit type (faiss's Index::search shape).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collection/types.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

/// A retriever over one collection. Implementations are safe to call from several threads.
class Retriever {
public:
    virtual ~Retriever() = default;

    /// For each query, its `k` best documents: score descending, ties by external id
    /// ascending. Empty (or all-stop-word) queries get no hits.
    [[nodiscard]] virtual std::vector<std::vector<Hit>> search(std::span<const Query> queries,
                                                               std::size_t k) const = 0;
    /// The collection's id of a hit's docid.
    [[nodiscard]] virtual std::string_view external_id(std::uint32_t docid) const = 0;
    /// Short description for logs and run tags, e.g. "bm25(k1=0.9,b=0.4)".
    [[nodiscard]] virtual std::string name() const = 0;
};

/// Drops hits whose external id equals the query id (Anserini's -removeQuery, used by its BEIR
/// regressions: applied after retrieval, so fewer than k hits may remain).
void remove_query_hits(const Retriever& retriever, std::span<const Query> queries,
                       std::vector<std::vector<Hit>>& results);

/// Builds the run a set of results stands for (ranks from 1, scores as floats).
[[nodiscard]] Run to_run(const Retriever& retriever, std::span<const Query> queries,
                         const std::vector<std::vector<Hit>>& results, std::string tag);

}  // namespace cascade::retrieve
