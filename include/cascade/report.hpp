#pragma once
/// Reports on runs: SVG charts (per-query differences, recall against depth, score
/// distributions, effectiveness against latency) and one self-contained HTML page holding
/// them with the measure table (`cascade report`, `cascade run --report`; docs/report.md).
///
/// Every chart is a standalone `<svg>` string: inline CSS (light and dark through
/// `prefers-color-scheme`), labelled axes, and one element of class `mark` per plotted value
/// whose `<title>` child carries the value (shown on hover). Output is deterministic: the same
/// input gives the same bytes. Every text taken from the input (query ids, run labels) is
/// escaped for HTML and XML.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/pipeline.hpp>
#include <cascade/types.hpp>

namespace cascade {

/// A run and the name it is shown under (a file name, a stage label).
struct LabeledRun {
    std::string label;
    Run run;
};

/// One stage's line of a timings file (`cascade run --timings`; format in docs/report.md).
struct StageTiming {
    std::string stage;           ///< the stage label ("bm25", "rm3")
    std::size_t queries = 0;     ///< queries run through the stage
    double p50_ms = 0.0;         ///< median per-query latency, milliseconds
    double p95_ms = 0.0;         ///< 95th percentile per-query latency, milliseconds
    double total_seconds = 0.0;  ///< summed over queries
    /// nDCG@10, R@100 and MAP after the stage, when the run was evaluated.
    std::optional<StageMetrics> metrics;
};

/// The timings of every stage of a pipeline run, in stage order.
[[nodiscard]] std::vector<StageTiming> stage_timings(const PipelineResult& result);

/// Writes `timings` as a tab-separated table with a header line (docs/report.md), atomically.
/// Throws IoError when the file cannot be written.
void write_timings(const std::string& path, std::span<const StageTiming> timings);

/// Reads a file written by write_timings(). Throws IoError when unreadable and InputError
/// (`path:line`) naming the column when a line is malformed (wrong header, wrong number of
/// fields, a number that does not parse or is negative) or when the file holds no stage.
[[nodiscard]] std::vector<StageTiming> read_timings(const std::string& path);

/// One point of the effectiveness–latency chart.
struct LatencyPoint {
    std::string label;           ///< shown beside the point
    double latency_ms = 0.0;     ///< x: per-query latency in milliseconds (> 0)
    double effectiveness = 0.0;  ///< y: the measure's value
};

/// The points of a pipeline's stages: x is the cumulative mean latency per query up to and
/// including the stage (total seconds summed over the stages so far, divided by queries), y
/// its nDCG@10. Stages without metrics are left out.
[[nodiscard]] std::vector<LatencyPoint> latency_points(std::span<const StageTiming> timings);

/// Per-query differences of `measure` (a trec_eval `-m` argument naming one value, e.g.
/// `ndcg_cut.10`, `map`), `other` minus `base`, over the judged queries either run retrieves
/// for (a query one run lacks scores 0 there, as compare_runs() does). One bar per query,
/// sorted by difference descending, then query id: wins above the zero line, losses below,
/// ties as a thin bar on it. Throws UsageError when `measure` does not name exactly one
/// value, InputError (naming the label) when a run has no judged query.
[[nodiscard]] std::string svg_per_query_delta(const Qrels& qrels, const Run& base, const Run& other,
                                              std::string_view measure = "ndcg_cut.10",
                                              std::string_view base_label = "A",
                                              std::string_view other_label = "B");

/// Recall at each cut-off of `depths` (ascending, positive) for every run, one line per run
/// with one mark per depth; x on a log scale. Recall is averaged as trec_eval does by
/// default (over the judged queries the run retrieves for). Throws UsageError for empty or
/// unsorted depths or no runs, InputError (naming the label) when a run has no judged query.
[[nodiscard]] std::string svg_recall_depth(const Qrels& qrels, std::span<const LabeledRun> runs,
                                           std::span<const int> depths);

/// The distribution of retrieval scores of each run: one histogram panel per run (every
/// score of every query, `bins` equal-width bins over the run's own score range), one mark per
/// non-empty bin. Throws UsageError for no runs or bins == 0, InputError for a run without
/// entries.
[[nodiscard]] std::string svg_score_distribution(std::span<const LabeledRun> runs,
                                                 std::size_t bins = 20);

/// Effectiveness against latency: one mark per point, joined in the given order (a
/// pipeline's stages), x on a log scale. Throws UsageError when there is no point or a
/// latency is not positive.
[[nodiscard]] std::string svg_effectiveness_latency(std::span<const LatencyPoint> points,
                                                    std::string_view y_label = "nDCG@10");

/// Everything html_report() shows.
struct ReportInput {
    std::string title = "cascade report";
    Qrels qrels;
    /// The compared runs; the first is the baseline of the significance tests and the
    /// per-query difference charts. At least one.
    std::vector<LabeledRun> runs;
    /// Stage timings (optional): adds the effectiveness–latency chart and the timings table.
    std::vector<StageTiming> timings;
    /// `-m` arguments of the measure table.
    std::vector<std::string> measures = {"ndcg_cut.10", "map", "recall.100", "P.10"};
    /// The measure of the per-query difference charts.
    std::string delta_measure = "ndcg_cut.10";
    /// Cut-offs of the recall chart.
    std::vector<int> depths = {10, 20, 50, 100, 200, 500, 1000};
    std::size_t score_bins = 20;
    /// Randomization test trials and seed (compare_runs()).
    std::uint64_t trials = 100000;
    std::uint64_t seed = 1;
};

/// One self-contained HTML page: no network access, no external scripts or styles. It holds
/// the measure table (each run's means; for the other runs the difference to the first with
/// wins/losses and paired t-test and randomization test p-values), a per-query difference
/// chart for each run against the first, the recall chart, the score distributions and,
/// given timings, the effectiveness–latency chart and timings table. A small inline script
/// counts each chart's marks into `data-marks` attributes (and `data-mark-counts` on
/// `<body>`) for tests. Throws what the charts throw.
[[nodiscard]] std::string html_report(const ReportInput& input);

/// Writes html_report(input) to `path` atomically. Throws IoError when it cannot be written.
void write_html_report(const std::string& path, const ReportInput& input);

}  // namespace cascade
