#pragma once
/// Maximal marginal relevance: Carbonell & Goldstein, "The Use of MMR, Diversity-Based
/// Reranking for Reordering Documents and Producing Summaries" (SIGIR 1998). Greedily picks
///   argmax_{d not in S} lambda * rel(d) - (1 - lambda) * max_{s in S} sim(d, s),
/// with rel min-max normalized to [0, 1] over the candidates (so that it is commensurable
/// with cosine similarity) and S the documents picked so far.

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cascade::rerank {

/// Min-max normalization to [0, 1]; all-equal inputs map to 1.
[[nodiscard]] std::vector<double> min_max_normalize(std::span<const float> scores);

/// The MMR order of the first `k` picks among `relevance.size()` candidates (indices into
/// it). `similarity(i, j)` is the similarity of candidates i and j. Ties of the MMR value go
/// to the lower index (the better-ranked input). O(k * n) similarity evaluations.
[[nodiscard]] std::vector<std::size_t> mmr_order(
    std::span<const double> relevance,
    const std::function<double(std::size_t, std::size_t)>& similarity, double lambda,
    std::size_t k);

/// Dot product of two sparse vectors given as (key, weight) pairs sorted by key: one merge pass.
template <class Key>
[[nodiscard]] double sparse_dot(const std::vector<std::pair<Key, float>>& a,
                                const std::vector<std::pair<Key, float>>& b) {
    double dot = 0.0;
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (i->first < j->first) {
            ++i;
        } else if (j->first < i->first) {
            ++j;
        } else {
            dot += static_cast<double>(i->second) * j->second;
            ++i;
            ++j;
        }
    }
    return dot;
}

/// Cosine similarity of two sparse vectors sorted by key; 0 when either is zero.
[[nodiscard]] double sparse_cosine(const std::vector<std::pair<std::string, float>>& a,
                                   const std::vector<std::pair<std::string, float>>& b);

/// Cosine similarity of two dense vectors of equal length; 0 when either is zero.
[[nodiscard]] double dense_cosine(std::span<const float> a, std::span<const float> b);

}  // namespace cascade::rerank
