#include "rerank/fusion.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "util/error.hpp"

namespace cascade::rerank {

FusionMethod parse_fusion_method(std::string_view name) {
    if (name == "rrf")
        return FusionMethod::rrf;
    if (name == "minmax")
        return FusionMethod::minmax;
    if (name == "zscore")
        return FusionMethod::zscore;
    if (name == "sum")
        return FusionMethod::sum;
    throw UsageError("unknown fusion method '" + std::string(name) +
                     "'; accepted: rrf, minmax, zscore, sum");
}

namespace {

/// The normalized score of each entry of one ranking.
std::vector<double> normalized(const CandidateList& list, FusionMethod method, double rrf_k) {
    std::vector<double> out(list.size());
    if (list.empty()) {
        return out;
    }
    double lo = list[0].score;
    double hi = list[0].score;
    double sum = 0.0;
    for (const Candidate& c : list) {
        lo = std::min<double>(lo, c.score);
        hi = std::max<double>(hi, c.score);
        sum += c.score;
    }
    const double mean = sum / static_cast<double>(list.size());
    double var = 0.0;
    for (const Candidate& c : list) {
        var += (c.score - mean) * (c.score - mean);
    }
    const double sd = std::sqrt(var / static_cast<double>(list.size()));
    for (std::size_t i = 0; i < list.size(); ++i) {
        const double s = list[i].score;
        switch (method) {
            case FusionMethod::rrf:
                out[i] = 1.0 / (rrf_k + static_cast<double>(i + 1));
                break;
            case FusionMethod::minmax:
                out[i] = hi > lo ? (s - lo) / (hi - lo) : 1.0;
                break;
            case FusionMethod::zscore:
                out[i] = sd > 0 ? (s - mean) / sd : 0.0;
                break;
            case FusionMethod::sum:
                out[i] = s;
                break;
        }
    }
    return out;
}

}  // namespace

CandidateList fuse(std::span<const CandidateList* const> rankings, std::span<const double> weights,
                   FusionMethod method, double rrf_k) {
    CASCADE_ASSERT(rankings.size() == weights.size());
    std::unordered_map<std::uint32_t, std::size_t> slot;
    std::vector<double> fused;
    CandidateList out;
    for (std::size_t r = 0; r < rankings.size(); ++r) {
        const CandidateList& list = *rankings[r];
        const std::vector<double> norm = normalized(list, method, rrf_k);
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto [it, fresh] = slot.emplace(list[i].docid, out.size());
            if (fresh) {
                out.push_back(list[i]);
                fused.push_back(0.0);
            }
            fused[it->second] += weights[r] * norm[i];
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i].score = static_cast<float>(fused[i]);
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
        return a.score != b.score ? a.score > b.score : a.docid < b.docid;
    });
    return out;
}

}  // namespace cascade::rerank
