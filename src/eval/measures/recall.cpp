/// Recall family and interpolated precision (trec_eval m_recall.c, m_set_recall.c, m_set_F.c,
/// m_iprec_at_recall.c, m_11pt_avg.c).
#include <cmath>

#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

/// Interpolated precision at each recall fraction in `fractions` (ascending):
/// Int_Prec(X) = max Prec(Y) over ranks Y >= X, where the recall point of fraction f is
/// reached at the k-th relevant document: k = lround(f * num_rel) in trec_eval 10,
/// k = (long)(f * num_rel + 0.9) in trec_eval 9 (m_iprec_at_recall.c, m_11pt_avg.c).
void interpolated_precision(const JudgedRanking& r, const MeasureContext& ctx,
                            const std::vector<double>& fractions, double* out) {
    const int level = ctx.relevance_level;
    const auto n = static_cast<std::int64_t>(fractions.size());
    std::vector<std::int64_t> cutoffs(fractions.size());
    for (size_t i = 0; i < fractions.size(); ++i) {
        const double at = fractions[i] * static_cast<double>(r.num_rel);
        cutoffs[i] =
            ctx.trec_eval_version >= 10 ? std::lround(at) : static_cast<std::int64_t>(at + 0.9);
    }
    std::int64_t cut = n - 1;
    while (cut >= 0 && cutoffs[static_cast<size_t>(cut)] > r.num_rel_ret) {
        --cut;
    }
    double int_precis =
        r.num_ret > 0 ? static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret) : 0.0;
    std::int64_t rel_so_far = r.num_rel_ret;
    for (std::int64_t i = r.num_ret; i > 0 && rel_so_far > 0; --i) {
        const double precis = static_cast<double>(rel_so_far) / static_cast<double>(i);
        if (int_precis < precis) {
            int_precis = precis;
        }
        if (r.rels[static_cast<size_t>(i - 1)] >= level) {
            while (cut >= 0 && rel_so_far == cutoffs[static_cast<size_t>(cut)]) {
                out[cut--] = int_precis;
            }
            --rel_so_far;
        }
    }
    while (cut >= 0) {
        out[cut--] = int_precis;
    }
}

}  // namespace

void recall_at(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>& p,
               double* out) {
    if (r.num_rel == 0) {
        return;
    }
    const auto num_rel = static_cast<double>(r.num_rel);
    std::int64_t rel_so_far = 0;
    size_t cut = 0;
    for (std::int64_t i = 0; i < r.num_ret && cut < p.size(); ++i) {
        if (static_cast<double>(i) == p[cut]) {
            out[cut] = static_cast<double>(rel_so_far) / num_rel;
            if (++cut == p.size()) {
                return;
            }
        }
        if (r.rels[static_cast<size_t>(i)] >= ctx.relevance_level) {
            ++rel_so_far;
        }
    }
    for (; cut < p.size(); ++cut) {
        out[cut] = static_cast<double>(rel_so_far) / num_rel;
    }
}

void set_recall(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
                double* out) {
    if (r.num_rel > 0) {
        out[0] = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_rel);
    }
}

void set_f(const JudgedRanking& r, const MeasureContext&, const std::vector<double>& p,
           double* out) {
    if (r.num_rel_ret > 0) {
        const double precision =
            static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_ret);
        const double recall = static_cast<double>(r.num_rel_ret) / static_cast<double>(r.num_rel);
        const double x = p.at(0);
        out[0] = (x + 1.0) * precision * recall / (x * precision + recall);
    }
}

void iprec_at_recall(const JudgedRanking& r, const MeasureContext& ctx,
                     const std::vector<double>& p, double* out) {
    interpolated_precision(r, ctx, p, out);
}

void eleven_point_average(const JudgedRanking& r, const MeasureContext& ctx,
                          const std::vector<double>& p, double* out) {
    std::vector<double> values(p.size(), 0.0);
    interpolated_precision(r, ctx, p, values.data());
    double sum = 0.0;
    for (double v : values) {
        sum += v;
    }
    out[0] = p.empty() ? 0.0 : sum / static_cast<double>(p.size());
}

}  // namespace cascade::eval::measures
