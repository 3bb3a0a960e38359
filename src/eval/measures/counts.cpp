/// Count measures: num_q, num_ret, num_rel, num_rel_ret, num_nonrel_judged_ret
/// (trec_eval m_num_q.c, m_num_ret.c, m_num_rel.c, m_num_rel_ret.c, m_num_nonrel_judged_ret.c).
#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

void num_q(const JudgedRanking&, const MeasureContext&, const std::vector<double>&, double* out) {
    out[0] = 1.0;
}

void num_ret(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
             double* out) {
    out[0] = static_cast<double>(r.num_ret);
}

void num_rel(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
             double* out) {
    out[0] = static_cast<double>(r.num_rel);
}

void num_rel_ret(const JudgedRanking& r, const MeasureContext&, const std::vector<double>&,
                 double* out) {
    out[0] = static_cast<double>(r.num_rel_ret);
}

void num_nonrel_judged_ret(const JudgedRanking& r, const MeasureContext&,
                           const std::vector<double>&, double* out) {
    out[0] =
        static_cast<double>(r.num_ret - r.num_nonpool - r.num_unjudged_in_pool - r.num_rel_ret);
}

}  // namespace cascade::eval::measures
