#include "rerank/stage.hpp"

#include <algorithm>

#include "index/index.hpp"
#include "retrieve/retriever.hpp"

namespace cascade::rerank {

FeatureId FeatureSchema::id(std::string_view name) {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_names.size(); ++i) {
        if (m_names[i] == name) {
            return static_cast<FeatureId>(i);
        }
    }
    m_names.emplace_back(name);
    return static_cast<FeatureId>(m_names.size() - 1);
}

bool FeatureSchema::find(std::string_view name, FeatureId& id) const {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_names.size(); ++i) {
        if (m_names[i] == name) {
            id = static_cast<FeatureId>(i);
            return true;
        }
    }
    return false;
}

std::vector<std::string> FeatureSchema::names() const {
    std::lock_guard lock(m_mutex);
    return m_names;
}

void retrieve_candidates(const retrieve::Retriever& retriever, std::span<const Query> queries,
                         std::span<CandidateList> lists, std::size_t k, bool remove_query,
                         FeatureId score_id, FeatureId rank_id) {
    std::vector<std::vector<retrieve::Hit>> results = retriever.search(queries, k);
    if (remove_query)
        retrieve::remove_query_hits(retriever, queries, results);
    for (std::size_t q = 0; q < queries.size(); ++q) {
        CandidateList& list = lists[q];
        list.clear();
        list.reserve(results[q].size());
        for (std::size_t r = 0; r < results[q].size(); ++r) {
            Candidate c{results[q][r].docid, results[q][r].score, {}};
            c.set_feature(score_id, c.score);
            c.set_feature(rank_id, static_cast<float>(r + 1));
            list.push_back(std::move(c));
        }
    }
}

void sort_candidates(CandidateList& list, const index::Index& index) {
    std::sort(list.begin(), list.end(), [&](const Candidate& a, const Candidate& b) {
        const bool a_nan = std::isnan(a.score);
        const bool b_nan = std::isnan(b.score);
        if (a_nan != b_nan) {
            return b_nan;
        }
        if (!a_nan && a.score != b.score) {
            return a.score > b.score;
        }
        return index.external_id(a.docid) < index.external_id(b.docid);
    });
}

}  // namespace cascade::rerank
