#pragma once
/// trec_eval-identical evaluation of a run against relevance judgments.
///
/// Semantics follow trec_eval 10.0 (usnistgov/trec_eval; docs/eval.md lists every rule and
/// where it comes from): queries are the qrels queries, in qrels (strcmp) order; a run's
/// queries without judgments are ignored; a qrels query missing from the run is skipped, or
/// with `average_complete` (-c) scored as an empty ranking; documents are ranked by score,
/// ties by document id in decreasing strcmp order; grade >= relevance_level is relevant.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collection/types.hpp"
#include "eval/measure.hpp"

namespace cascade::eval {

/// The knobs of one evaluation, named after trec_eval's options.
struct EvalOptions {
    /// `-m` arguments: measures (`map`), measures with parameters (`P.5,10`), nicknames
    /// (`official`, `all_trec`, `set`). Empty means `official`, trec_eval's default.
    std::vector<std::string> measures;
    int relevance_level = 1;               ///< -l: minimum grade that counts as relevant
    bool average_complete = false;         ///< -c: average over every qrels query
    std::int64_t max_docs_per_query = -1;  ///< -M: only the top N of each ranking (-1: all)
    std::string run_label = "run";         ///< names the run in error messages (its path)
    /// Which trec_eval release to reproduce where they differ: 10 (default) or 9. Version 9
    /// rounds recall points of iprec_at_recall/11pt_avg as (long)(x + 0.9) instead of
    /// lround(x), and under -c neither evaluates nor prints the qrels queries missing from
    /// the run (they only enlarge the divisor); version 10 scores them as empty rankings.
    int trec_eval_version = 10;
};

/// One printed value: `P_10`, `map`, `num_ret`...
struct ValueColumn {
    std::string name;
    ValueKind kind = ValueKind::Float;
    Aggregate aggregate = Aggregate::Mean;
    bool per_query = true;  ///< printed on per-query (-q) lines
};

/// Values of one evaluated query, aligned with EvalResult::columns.
struct QueryResult {
    std::string qid;
    std::vector<double> values;
    bool in_run = true;  ///< false for a qrels query missing from the run (only with -c)
};

/// Per-query values (qrels order) and the "all" summary of an evaluation.
struct EvalResult {
    std::vector<ValueColumn> columns;
    std::vector<QueryResult> queries;
    std::vector<double> summary;  ///< aligned with columns
    bool report_runid = false;    ///< `runid` was requested
    std::string run_id;

    /// Index of the column named `name` (`ndcg_cut_10`), if it was computed.
    [[nodiscard]] std::optional<size_t> column(std::string_view name) const;
    /// Summary ("all") value of `name`, if it was computed.
    [[nodiscard]] std::optional<double> summary_value(std::string_view name) const;
};

/// Evaluates `run` against `qrels`. Throws UsageError for bad measure arguments and
/// cascade::Error when a judged query retrieves a document twice or when no query has both
/// results and judgments (both fatal in trec_eval). Cost: O(total run entries log n).
[[nodiscard]] EvalResult evaluate(const Qrels& qrels, const Run& run, const EvalOptions& options);

/// Renders `result` exactly as trec_eval prints it: `%-22s\t%s\t%6.4f` for floats, `%ld`
/// for counts; per-query lines (when `per_query`) before the "all" lines.
[[nodiscard]] std::string format_trec_eval(const EvalResult& result, bool per_query);

}  // namespace cascade::eval
