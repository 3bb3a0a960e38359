#include "rerank/stage.hpp"

#include <algorithm>

#include "index/index.hpp"

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
