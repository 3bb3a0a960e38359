/// Measures of the first relevant rank (trec_eval m_recip_rank.c, m_success.c).
#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

/// 0-based rank of the first relevant document, or -1.
std::int64_t first_relevant(const JudgedRanking& r, int level) {
    for (std::int64_t i = 0; i < r.num_ret; ++i) {
        if (r.rels[static_cast<size_t>(i)] >= level) {
            return i;
        }
    }
    return -1;
}

}  // namespace

void recip_rank(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
                double* out) {
    const std::int64_t i = first_relevant(r, ctx.relevance_level);
    if (i >= 0) {
        out[0] = 1.0 / static_cast<double>(i + 1);
    }
}

void success_at(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>& p,
                double* out) {
    const std::int64_t i = first_relevant(r, ctx.relevance_level);
    for (size_t cut = 0; cut < p.size(); ++cut) {
        out[cut] = i >= 0 && static_cast<double>(i) < p[cut] ? 1.0 : 0.0;
    }
}

}  // namespace cascade::eval::measures
