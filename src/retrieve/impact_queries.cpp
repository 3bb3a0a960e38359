#include "retrieve/impact_queries.hpp"

#include <cfloat>

#include <fmt/format.h>

#include "collection/sparse_vectors.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {

namespace {

/// The vector as floats; `where` names the query in the error for a weight past FLT_MAX.
ImpactQuery to_impact_query(SparseVector&& v, const std::string& where) {
    ImpactQuery q;
    q.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v.weights[i] > static_cast<double>(FLT_MAX)) {
            throw InputError(where, fmt::format("vector term '{}': weight {} is too large for a "
                                                "float score",
                                                v.terms[i], v.weights[i]));
        }
        q.push_back({std::move(v.terms[i]), static_cast<float>(v.weights[i])});
    }
    return q;
}

}  // namespace

FileQueryVectors::FileQueryVectors(std::string path) : m_path(std::move(path)) {
    for (SparseRecord& r : read_sparse_queries(m_path)) {
        ImpactQuery q = to_impact_query(std::move(r.vector), m_path + " (query " + r.id + ")");
        m_vectors.emplace(std::move(r.id), std::move(q));
    }
}

std::vector<ImpactQuery> FileQueryVectors::vectors(std::span<const Query> queries) const {
    std::vector<ImpactQuery> out;
    out.reserve(queries.size());
    for (const Query& q : queries) {
        const auto it = m_vectors.find(q.id);
        if (it == m_vectors.end()) {
            throw InputError(m_path, fmt::format("no vector for query '{}'", q.id));
        }
        out.push_back(it->second);
    }
    return out;
}

std::vector<ImpactQuery> PretokenizedQueryVectors::vectors(std::span<const Query> queries) const {
    std::vector<ImpactQuery> out;
    out.reserve(queries.size());
    for (const Query& q : queries) {
        out.push_back(to_impact_query(parse_pretokenized(q.text), "query " + q.id));
    }
    return out;
}

}  // namespace cascade::retrieve
