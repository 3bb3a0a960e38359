#pragma once
/// Compute functions of the individual measures, one family per .cpp file beside this one.
/// Each follows the trec_eval file named in its comment (usnistgov/trec_eval, version 10.0).

#include <vector>

#include "eval/measure.hpp"

namespace cascade::eval::measures {

#define CASCADE_MEASURE(fn)                                                                  \
    void fn(const JudgedRanking& r, const MeasureContext& ctx, const std::vector<double>& p, \
            double* out)

// counts.cpp
CASCADE_MEASURE(num_q);
CASCADE_MEASURE(num_ret);
CASCADE_MEASURE(num_rel);
CASCADE_MEASURE(num_rel_ret);
CASCADE_MEASURE(num_nonrel_judged_ret);

// average_precision.cpp
CASCADE_MEASURE(map);
CASCADE_MEASURE(gm_map);
CASCADE_MEASURE(map_cut);
CASCADE_MEASURE(set_map);
CASCADE_MEASURE(bin_g);

// precision.cpp
CASCADE_MEASURE(precision_at);
CASCADE_MEASURE(relative_precision_at);
CASCADE_MEASURE(r_precision);
CASCADE_MEASURE(r_precision_mult);
CASCADE_MEASURE(set_precision);
CASCADE_MEASURE(set_relative_precision);
CASCADE_MEASURE(r_precision_mult);
CASCADE_MEASURE(utility);

// recall.cpp
CASCADE_MEASURE(recall_at);
CASCADE_MEASURE(set_recall);
CASCADE_MEASURE(set_f);
CASCADE_MEASURE(iprec_at_recall);
CASCADE_MEASURE(eleven_point_average);

// rank.cpp
CASCADE_MEASURE(recip_rank);
CASCADE_MEASURE(success_at);

// bpref.cpp
CASCADE_MEASURE(bpref);
CASCADE_MEASURE(gm_bpref);

// ndcg.cpp
CASCADE_MEASURE(ndcg);
CASCADE_MEASURE(ndcg_cut);

#undef CASCADE_MEASURE

}  // namespace cascade::eval::measures
