#pragma once
/// Per-query comparison of two runs with paired significance tests (`cascade compare`).

#include <cstdint>
#include <string>
#include <vector>

#include "collection/types.hpp"
#include "eval/evaluator.hpp"
#include "eval/significance.hpp"

namespace cascade::eval {

struct CompareOptions {
    /// `-m` arguments as for evaluate(); every per-query float value they produce is compared.
    /// Empty means map, ndcg_cut.10 and recall.100.
    std::vector<std::string> measures;
    int relevance_level = 1;
    /// Compare over every qrels query (missing ones score 0 in the run lacking them); by
    /// default over the qrels queries that at least one of the runs retrieves for.
    bool all_qrels_queries = false;
    std::uint64_t trials = 100000;  ///< randomization test trials
    std::uint64_t seed = 1;
    std::string label_a = "A";
    std::string label_b = "B";
};

/// Both runs' per-query values of one measure and the tests on their differences (B - A).
struct MeasureComparison {
    std::string measure;
    std::vector<std::string> qids;
    std::vector<double> a;
    std::vector<double> b;
    std::size_t wins = 0;  ///< queries where B > A
    std::size_t ties = 0;
    std::size_t losses = 0;  ///< queries where B < A
    double mean_a = 0.0;
    double mean_b = 0.0;
    PairedTTest t_test;
    double p_randomization = 0.0;
};

/// Evaluates both runs (trec_eval semantics, queries missing from a run scored as empty
/// rankings) and compares them measure by measure.
[[nodiscard]] std::vector<MeasureComparison> compare_runs(const Qrels& qrels, const Run& a,
                                                          const Run& b,
                                                          const CompareOptions& options);

/// Aligned text: one per-query table per measure (unless `summary_only`), then one summary
/// line per measure.
[[nodiscard]] std::string format_comparison(const std::vector<MeasureComparison>& comparisons,
                                            const CompareOptions& options, bool summary_only);

}  // namespace cascade::eval
