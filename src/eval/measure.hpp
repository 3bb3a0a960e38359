#pragma once
/// The table of trec_eval measures: what each computes, how it is named, printed and averaged.

#include <string>
#include <string_view>
#include <vector>

#include "eval/judged_ranking.hpp"

namespace cascade::eval {

/// How a measure's values print: `%6.4f` floats or `%ld` counts (trec_eval meas_print_*.c).
enum class ValueKind { Float, Long };

/// How per-query values become the "all" value (trec_eval meas_avg.c and the measure files).
enum class Aggregate {
    Mean,           ///< sum / number of queries (te_calc_avg_meas_s, _a_cut)
    Sum,            ///< plain sum (num_ret, num_rel, num_rel_ret: te_calc_avg_meas_empty)
    GeometricMean,  ///< exp(mean of per-query logs) (te_calc_avg_meas_s_gm)
    QueryCount,     ///< number of queries evaluated (num_q)
};

/// What the text after `measure.` on the command line means.
enum class ParamKind {
    None,           ///< no parameters accepted
    LongCutoffs,    ///< comma separated positive integers, one value each: `P_5`
    DoubleCutoffs,  ///< comma separated numbers, one value each: `iprec_at_recall_0.10`
    DoubleList,     ///< comma separated numbers, one value named `<name>_<params>`: `set_F`
    GainPairs,      ///< `level=gain,...` pairs giving nDCG gains; one value, named `ndcg_<params>`
};

/// Settings shared by every measure of one evaluation.
struct MeasureContext {
    int relevance_level = 1;     ///< trec_eval -l: minimum grade counted relevant
    int trec_eval_version = 10;  ///< 9 or 10: where the two releases compute differently
};

/// Computes one query's values of a measure into `out` (one slot per value name, zeroed by
/// the caller; slots a measure leaves alone stay 0, as trec_eval leaves them).
using ComputeFn = void (*)(const JudgedRanking& ranking, const MeasureContext& ctx,
                           const std::vector<double>& params, double* out);

/// One entry of trec_eval's measure table (measures.c), in its printing order.
struct MeasureDef {
    std::string_view name;
    ParamKind param_kind = ParamKind::None;
    std::vector<double> default_params;
    ValueKind kind = ValueKind::Float;
    Aggregate aggregate = Aggregate::Mean;
    bool per_query = true;  ///< printed on -q lines (gm_map, num_q are summary-only)
    ComputeFn compute = nullptr;
};

/// Every measure cascade implements, in trec_eval's table order (which is the order in which
/// trec_eval prints, whatever the order of the -m options).
[[nodiscard]] const std::vector<MeasureDef>& measure_table();

/// Measure names a trec_eval nickname (`official`, `all_trec`, `set`) stands for; empty
/// when `name` is not a nickname. Names cascade does not implement are left out and listed
/// in docs/eval.md.
[[nodiscard]] std::vector<std::string_view> nickname_members(std::string_view name);

/// A measure chosen for an evaluation, with its parameters resolved and value names formed
/// the way trec_eval forms them (`P_5`, `iprec_at_recall_0.10`, `ndcg_1=2,2=4`).
struct SelectedMeasure {
    const MeasureDef* def = nullptr;
    std::vector<double> params;
    std::vector<std::string> value_names;
};

/// Resolves trec_eval `-m` arguments (`map`, `P.5,10`, `official`, `ndcg.1=3,2=9`) into
/// selected measures in table order. The first parameter list given for a measure wins, as
/// in trec_eval. Throws UsageError for unknown measures or malformed parameters. An empty
/// list selects `official`, trec_eval's default.
[[nodiscard]] std::vector<SelectedMeasure> select_measures(const std::vector<std::string>& args);

}  // namespace cascade::eval
