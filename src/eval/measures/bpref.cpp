/// Binary preference (trec_eval m_bpref.c, m_gm_bpref.c). Cite: Buckley and Voorhees,
/// "Retrieval Evaluation with Incomplete Information", SIGIR 2004. trec_eval's form: for each
/// judged relevant document retrieved, 1 - min(n, R) / min(N, R), with n the judged
/// non-relevant documents ranked above it, R the relevant and N the judged non-relevant
/// documents of the query; summed and divided by R. Unjudged documents are skipped.
#include <algorithm>
#include <cmath>

#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

double bpref_value(const JudgedRanking& r, int level) {
    std::int64_t num_nonrel = 0;
    for (std::int64_t j = 0; j < level; ++j) {
        num_nonrel += r.count_at(j);
    }
    std::int64_t nonrel_so_far = 0;
    double bpref = 0.0;
    for (std::int64_t j = 0; j < r.num_ret; ++j) {
        const int rel = r.rels[static_cast<size_t>(j)];
        if (rel == kRelNotInPool || rel == kRelUnjudged) {
            continue;
        }
        if (rel >= 0 && rel < level) {
            ++nonrel_so_far;
        } else if (nonrel_so_far > 0) {
            bpref += 1.0 - static_cast<double>(std::min(nonrel_so_far, r.num_rel)) /
                               static_cast<double>(std::min(num_nonrel, r.num_rel));
        } else {
            bpref += 1.0;
        }
    }
    if (r.num_rel > 0) {
        bpref /= static_cast<double>(r.num_rel);
    }
    return bpref;
}

}  // namespace

void bpref(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
           double* out) {
    out[0] = bpref_value(r, ctx.relevance_level);
}

void gm_bpref(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>&,
              double* out) {
    constexpr double kMinGeoMean = 0.00001;  // trec_eval.h MIN_GEO_MEAN
    out[0] = std::log(std::max(bpref_value(r, ctx.relevance_level), kMinGeoMean));
}

}  // namespace cascade::eval::measures
