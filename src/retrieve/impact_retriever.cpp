#include "retrieve/impact_retriever.hpp"
#include "retrieve/algorithm/run_top_k.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "retrieve/impact_cursor.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {

namespace {

/// One cursor per scoring query term, in query order. The terms are looked up together
/// (FieldIndex::terms overlaps their searches; expanded queries have dozens) and each list's
/// first reads are started before any cursor is opened.
std::vector<ImpactCursor> open_cursors(const index::FieldIndex& field, const ImpactQuery& query) {
    std::vector<std::string_view> texts;
    std::vector<float> weights;
    texts.reserve(query.size());
    weights.reserve(query.size());
    for (const ImpactTerm& t : query) {
        if (t.weight > 0.0F) {
            texts.push_back(t.term);
            weights.push_back(t.weight);
        }
    }
    std::vector<std::optional<index::TermInfo>> infos(texts.size());
    field.terms(texts, infos);
    for (const std::optional<index::TermInfo>& info : infos) {
        if (info && info->doc_freq != 0) {
            field.prefetch_postings(*info);
        }
    }
    std::vector<ImpactCursor> cursors;
    cursors.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (infos[i] && infos[i]->doc_freq != 0) {
            cursors.emplace_back(field, *infos[i], weights[i]);
        }
    }
    return cursors;
}

}  // namespace

ImpactRetriever::ImpactRetriever(const index::Index& main,
                                 std::shared_ptr<const index::ImpactIndex> part,
                                 std::shared_ptr<const QueryVectorSource> queries,
                                 Algorithm algorithm)
    : m_main(&main),
      m_part(std::move(part)),
      m_queries(std::move(queries)),
      m_algorithm(algorithm) {
    CASCADE_ASSERT(m_part != nullptr && m_queries != nullptr);
    CASCADE_ASSERT(m_part->index().num_docs() == main.num_docs());
}

std::string_view ImpactRetriever::external_id(std::uint32_t docid) const {
    return m_main->external_id(docid);
}

std::string ImpactRetriever::name() const {
    return fmt::format("impact({},{},{})", m_part->meta().quantizer, algorithm_name(m_algorithm),
                       m_queries->describe());
}

std::vector<Hit> ImpactRetriever::search_vector(const ImpactQuery& query, std::size_t k,
                                                Algorithm algorithm) const {
    if (k == 0) {
        return {};
    }
    std::vector<ImpactCursor> cursors = open_cursors(m_part->field(), query);
    return run_top_k(std::span<ImpactCursor>(cursors), k, m_main->id_ranks().data(), algorithm);
}

std::vector<std::vector<Hit>> ImpactRetriever::search(std::span<const Query> queries,
                                                      std::size_t k) const {
    const std::vector<ImpactQuery> vectors = m_queries->vectors(queries);
    std::vector<std::vector<Hit>> results(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        results[i] = search_vector(vectors[i], k);
    }
    return results;
}

std::vector<float> ImpactRetriever::score(const ImpactQuery& query,
                                          std::span<const std::uint32_t> docids) const {
    std::vector<ImpactCursor> cursors = open_cursors(m_part->field(), query);
    std::vector<std::size_t> order(docids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return docids[a] < docids[b]; });
    // contributions[i * terms + t]: term t's score in document docids[i].
    const std::size_t terms = cursors.size();
    std::vector<float> contributions(docids.size() * terms, 0.0F);
    for (std::size_t t = 0; t < terms; ++t) {
        ImpactCursor& c = cursors[t];
        for (const std::size_t i : order) {
            c.next_geq(docids[i]);
            if (c.docid() == docids[i]) {
                contributions[i * terms + t] = c.score();
            }
        }
    }
    std::vector<float> out(docids.size());
    std::vector<float> scratch(terms);
    TermScoreSum sum(scratch);
    for (std::size_t i = 0; i < docids.size(); ++i) {
        for (std::size_t t = 0; t < terms; ++t) {
            sum.set(t, contributions[i * terms + t]);
        }
        out[i] = sum.take();
    }
    return out;
}

}  // namespace cascade::retrieve
