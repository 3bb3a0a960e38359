#pragma once
/// Learned-sparse retrieval over an index's impact part (index/impact_index.hpp): a document's
/// score is the sum over the query's terms of query weight x the document's impact for the
/// term, computed by any of the top-k algorithms the BM25 retriever offers, all identical to
/// exhaustive evaluation (same documents, scores and order).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/impact_index.hpp"
#include "index/index.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "retrieve/impact_queries.hpp"
#include "retrieve/retriever.hpp"

namespace cascade::retrieve {

/// Impact retrieval for one index. Holds references to the main index (external ids, ties) and
/// shares the impact part and the query-vector source. Safe to call from several threads.
class ImpactRetriever final : public Retriever {
public:
    /// `part` must belong to `main` (ImpactIndex::check_belongs_to).
    ImpactRetriever(const index::Index& main, std::shared_ptr<const index::ImpactIndex> part,
                    std::shared_ptr<const QueryVectorSource> queries, Algorithm algorithm);

    /// Each query's vector from the source, then its top k: score descending, ties by
    /// external id ascending (the BM25 path's order).
    [[nodiscard]] std::vector<std::vector<Hit>> search(std::span<const Query> queries,
                                                       std::size_t k) const override;
    [[nodiscard]] std::string_view external_id(std::uint32_t docid) const override;
    /// "impact(<quantizer>,<algorithm>,<query source>)".
    [[nodiscard]] std::string name() const override;

    /// The top k of one query vector with `algorithm`. Terms absent from the part and weights
    /// <= 0 contribute nothing; a repeated term is scored once per occurrence.
    [[nodiscard]] std::vector<Hit> search_vector(const ImpactQuery& query, std::size_t k,
                                                 Algorithm algorithm) const;
    [[nodiscard]] std::vector<Hit> search_vector(const ImpactQuery& query, std::size_t k) const {
        return search_vector(query, k, m_algorithm);
    }
    /// The score of each of `docids` (any order, repeats allowed) for `query`: exactly the score
    /// search_vector gives a document it returns, 0 for a document without any query term.
    [[nodiscard]] std::vector<float> score(const ImpactQuery& query,
                                           std::span<const std::uint32_t> docids) const;

    [[nodiscard]] const QueryVectorSource& queries() const { return *m_queries; }
    [[nodiscard]] const index::ImpactIndex& part() const { return *m_part; }
    [[nodiscard]] Algorithm algorithm() const { return m_algorithm; }

private:
    const index::Index* m_main;
    std::shared_ptr<const index::ImpactIndex> m_part;
    std::shared_ptr<const QueryVectorSource> m_queries;
    Algorithm m_algorithm;
};

}  // namespace cascade::retrieve
