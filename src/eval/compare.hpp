#pragma once
/// Per-query comparison of two runs with paired significance tests (`cascade compare`).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
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

/// Reads a query subset file: one query id per line, or any whitespace-separated table whose
/// first column is the query id (TREC qrels `qid 0 doc grade`, BEIR `query-id corpus-id
/// score`, a run). Blank lines, lines starting with '#' and a BEIR header (first field
/// `query-id`) are skipped; repeated ids count once. Returns the distinct ids in file order.
/// Throws IoError when unreadable, InputError when it holds no id.
[[nodiscard]] std::vector<std::string> read_query_subset(const std::string& path);

/// `comparisons` restricted to the queries in `subset` (or, with `complement`, to the compared
/// queries not in it), in the same order, with means, wins/ties/losses and both tests
/// recomputed over them. Ids of `subset` that were not compared are ignored.
[[nodiscard]] std::vector<MeasureComparison> restrict_comparison(
    const std::vector<MeasureComparison>& comparisons, std::span<const std::string> subset,
    bool complement, const CompareOptions& options);

/// format_comparison() of all compared queries (with the per-query tables unless
/// `summary_only`), then the summary table of the queries in `subset` and of the rest,
/// one after the other, each headed by its name (`label`, the subset file) and query count.
[[nodiscard]] std::string format_split_comparison(const std::vector<MeasureComparison>& comparisons,
                                                  std::span<const std::string> subset,
                                                  std::string_view label,
                                                  const CompareOptions& options, bool summary_only);

}  // namespace cascade::eval
