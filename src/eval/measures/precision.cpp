/// Precision family (trec_eval m_P.c, m_rel_P.c, m_Rprec.c, m_set_P.c, m_set_rel_P.c).
/// Cutoffs beyond the retrieved list count the missing ranks as non-relevant.
#include <algorithm>

#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

/// Relevant documents among the first `k` ranks, for each cutoff k in `cutoffs` (ascending).
template <typename Emit>
void relevant_at_cutoffs(const JudgedRanking& r, int level, const std::vector<double>& cutoffs,
                         Emit&& emit) {
    std::int64_t rel_so_far = 0;
    size_t cut = 0;
    for (std::int64_t i = 0; i < r.num_ret && cut < cutoffs.size(); ++i) {
        if (static_cast<double>(i) == cutoffs[cut]) {
            emit(cut, rel_so_far);
            if (++cut == cutoffs.size()) {
                return;
            }
        }
        if (r.rels[static_cast<size_t>(i)] >= level) {
            ++rel_so_far;
        }
    }
    for (; cut < cutoffs.size(); ++cut) {
        emit(cut, rel_so_far);
    }
}

}  // namespace

void precision_at(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>& p,
                  double* out) {
    relevant_at_cutoffs(r, ctx.relevance_level, p, [&](size_t cut, std::int64_t rel) {
        out[cut] = static_cast<double>(rel) / p[cut];
    });
}

void relative_precision_at(const JudgedRanking& r, const MeasureContext& ctx,
                           const std::vector<double>& p, double* out) {
    if (r.num_rel == 0) {
        return;
    }
    relevant_at_cutoffs(r, ctx.relevance_level, p, [&](size_t cut, std::int64_t rel) {
        out[cut] = static_cast<double>(rel) / std::min(p[cut], static_cast<double>(r.num_rel));
    });
}

void r_precision(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
                 double* out) {
    const std::int64_t look = std::min(r.num_ret, r.num_rel);
    if (look == 0) {
        return;
    }
    std::int64_t rel_so_far = 0;
    for (std::int64_t i = 0; i < look; ++i) {
        if (r.rels[static_cast<size_t>(i)] >= ctx.relevance_level) {
            ++rel_so_far;
        }
    }
    out[0] = static_cast<double>(rel_so_far) / static_cast<double>(r.num_rel);
}

void set_precision(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
                   double* out) {
    if (r.num_ret > 0) {
        out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret);
    }
}

void set_relative_precision(const JudgedRanking& r, const MeasureContext&,
                            const std::vector<double>&, double* out) {
    const std::int64_t denom = std::min(r.num_ret, r.num_rel);
    if (denom > 0) {
        out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(denom);
    }
}

}  // namespace cascade::eval::measures

namespace cascade::eval::measures {

void r_precision_mult(const JudgedRanking& r, const MeasureContext& ctx,
                      const std::vector<double>& p, double* out) {
    // m_Rprec_mult.c: precision at rank (long)(x * R + 0.9), missing ranks non-relevant.
    for (size_t cut = 0; cut < p.size(); ++cut) {
        const auto k = static_cast<std::int64_t>(p[cut] * static_cast<double>(r.num_rel) + 0.9);
        if (k <= 0) {
            continue;
        }
        std::int64_t rel = 0;
        for (std::int64_t i = 0; i < std::min(k, r.num_ret); ++i) {
            if (r.rels[static_cast<size_t>(i)] >= ctx.relevance_level) {
                ++rel;
            }
        }
        out[cut] = static_cast<double>(rel) / static_cast<double>(k);
    }
}

void utility(const JudgedRanking& r, const MeasureContext&, const std::vector<double>& p,
             double* out) {
    // m_utility.c: p1*a + p2*b + p3*c + p4*d over the retrieved/relevant contingency table;
    // d needs the collection size (trec_eval -N, 0 by default, not supported here).
    const auto rel_ret = static_cast<double>(r.num_rel_ret);
    const auto ret = static_cast<double>(r.num_ret);
    const auto rel = static_cast<double>(r.num_rel);
    out[0] = p.at(0) * rel_ret + p.at(1) * (ret - rel_ret) + p.at(2) * (rel - rel_ret) +
             p.at(3) * (0.0 + rel_ret - ret - rel);
}

}  // namespace cascade::eval::measures
