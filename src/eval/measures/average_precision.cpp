/// Average precision and its variants (trec_eval m_map.c, m_gm_map.c, m_map_cut.c,
/// m_set_map.c). Cite: Buckley and Voorhees, "Retrieval System Evaluation", in TREC:
/// Experiment and Evaluation in Information Retrieval, MIT Press 2005.
#include <algorithm>
#include <cmath>

#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

/// trec_eval's floor for geometric means (trec_eval.h MIN_GEO_MEAN).
constexpr double kMinGeoMean = 0.00001;

/// Sum over relevant retrieved documents of precision at their rank; 0 relevant -> 0.
double average_precision(const JudgedRanking& r, int level) {
    std::int64_t rel_so_far = 0;
    double sum = 0.0;
    for (std::int64_t i = 0; i < r.num_ret; ++i) {
        if (r.rels[static_cast<size_t>(i)] >= level) {
            ++rel_so_far;
            sum += static_cast<double>(rel_so_far) / static_cast<double>(i + 1);
        }
    }
    return rel_so_far > 0 ? sum / static_cast<double>(r.num_rel) : 0.0;
}

}  // namespace

void map(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
         double* out) {
    out[0] = average_precision(r, ctx.relevance_level);
}

void gm_map(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
            double* out) {
    out[0] = std::log(std::max(average_precision(r, ctx.relevance_level), kMinGeoMean));
}

void map_cut(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>& p,
             double* out) {
    if (r.num_rel == 0) {
        return;
    }
    const auto num_rel = static_cast<double>(r.num_rel);
    std::int64_t rel_so_far = 0;
    double sum = 0.0;
    size_t cut = 0;
    for (std::int64_t i = 0; i < r.num_ret && cut < p.size(); ++i) {
        if (static_cast<double>(i) == p[cut]) {
            out[cut++] = sum / num_rel;
            if (cut == p.size()) {
                break;
            }
        }
        if (r.rels[static_cast<size_t>(i)] >= ctx.relevance_level) {
            ++rel_so_far;
            sum += static_cast<double>(rel_so_far) / static_cast<double>(i + 1);
        }
    }
    for (; cut < p.size(); ++cut) {
        out[cut] = sum / num_rel;
    }
}

void set_map(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
             double* out) {
    if (r.num_ret > 0 && r.num_rel > 0) {
        const auto rr = static_cast<double>(r.num_rel_ret);
        out[0] = rr * rr / (static_cast<double>(r.num_ret) * static_cast<double>(r.num_rel));
    }
}

}  // namespace cascade::eval::measures

namespace cascade::eval::measures {

void bin_g(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
           double* out) {
    // m_binG.c: each relevant document earns 1 / log2(2 + non-relevant documents above it).
    std::int64_t rel_so_far = 0;
    double sum = 0.0;
    for (std::int64_t i = 0; i < r.num_ret; ++i) {
        if (r.rels[static_cast<size_t>(i)] >= ctx.relevance_level) {
            ++rel_so_far;
            sum += 1.0 / std::log2(static_cast<double>(3 + i - rel_so_far));
        }
    }
    if (rel_so_far > 0) {
        out[0] = sum / static_cast<double>(r.num_rel);
    }
}

}  // namespace cascade::eval::measures
