#include "rerank/mmr.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.hpp"

namespace cascade::rerank {

std::vector<double> min_max_normalize(std::span<const float> scores) {
    std::vector<double> out(scores.size(), 1.0);
    if (scores.empty()) {
        return out;
    }
    const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
    if (*hi > *lo) {
        for (std::size_t i = 0; i < scores.size(); ++i) {
            out[i] = (static_cast<double>(scores[i]) - *lo) / (static_cast<double>(*hi) - *lo);
        }
    }
    return out;
}

std::vector<std::size_t> mmr_order(
    std::span<const double> relevance,
    const std::function<double(std::size_t, std::size_t)>& similarity, double lambda,
    std::size_t k) {
    const std::size_t n = relevance.size();
    k = std::min(k, n);
    std::vector<std::size_t> picked;
    picked.reserve(k);
    std::vector<bool> taken(n, false);
    // max similarity of each candidate to the picked set, updated after each pick
    std::vector<double> max_sim(n, 0.0);
    while (picked.size() < k) {
        std::size_t best = n;
        double best_value = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < n; ++i) {
            if (taken[i]) {
                continue;
            }
            const double penalty = picked.empty() ? 0.0 : max_sim[i];
            const double value = lambda * relevance[i] - (1.0 - lambda) * penalty;
            if (value > best_value) {
                best_value = value;
                best = i;
            }
        }
        CASCADE_ASSERT(best < n);
        taken[best] = true;
        picked.push_back(best);
        for (std::size_t i = 0; i < n; ++i) {
            if (!taken[i]) {
                const double s = similarity(i, best);
                max_sim[i] = picked.size() == 1 ? s : std::max(max_sim[i], s);
            }
        }
    }
    return picked;
}

double sparse_cosine(const std::vector<std::pair<std::string, float>>& a,
                     const std::vector<std::pair<std::string, float>>& b) {
    double na = 0.0;
    double nb = 0.0;
    for (const auto& [t, w] : a)
        na += static_cast<double>(w) * w;
    for (const auto& [t, w] : b)
        nb += static_cast<double>(w) * w;
    return na > 0 && nb > 0 ? sparse_dot(a, b) / std::sqrt(na * nb) : 0.0;
}

double dense_cosine(std::span<const float> a, std::span<const float> b) {
    CASCADE_ASSERT(a.size() == b.size());
    double dot = 0.0;
    double na = 0.0;
    double nb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += static_cast<double>(a[i]) * b[i];
        na += static_cast<double>(a[i]) * a[i];
        nb += static_cast<double>(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

}  // namespace cascade::rerank
