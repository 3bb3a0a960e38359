#pragma once
/// Runs a Pipeline over a query set, timing every stage per query, and evaluates what each
/// stage leaves behind.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collection/types.hpp"
#include "pipeline/pipeline.hpp"

namespace cascade::pipeline {

/// Effectiveness after a stage (trec_eval -c semantics: every judged query counts).
struct StageMetrics {
    double ndcg_at_10 = 0.0;
    double recall_at_100 = 0.0;
    double map = 0.0;
};

/// What one stage did over the query set.
struct StageReport {
    std::string label;               ///< "bm25", "rm3", "rm3/rm3" for a branch stage
    std::string describe;            ///< the stage's parameters
    std::size_t candidates_in = 0;   ///< summed over queries
    std::size_t candidates_out = 0;  ///< summed over queries
    std::vector<double> latency_ms;  ///< per query, in query order
    double total_seconds = 0.0;      ///< sum of latency_ms / 1000
    std::optional<StageMetrics> metrics;
    std::optional<Run> run;  ///< the stage's output as a run (when RunnerOptions::keep_runs)

    [[nodiscard]] double percentile_ms(double p) const;
};

struct RunnerOptions {
    unsigned threads = 1;
    /// Queries each thread sends through a stage in one call: a model stage then queues the
    /// pairs of all of them together, so its forward passes hold several queries. Results do
    /// not depend on it; a query's latency is then its batch's time divided by its size.
    std::size_t batch = 1;
    /// Keep each stage's output as a Run (needed for stage runs and per-stage metrics).
    bool keep_runs = false;
    /// Judgments to evaluate each stage's run with (implies keep_runs).
    const Qrels* qrels = nullptr;
};

struct PipelineResult {
    std::vector<StageReport> stages;  ///< branch stages first, then the re-ranking stages
    Run run;                          ///< the final ranking
    /// Wall time of the query loop: every branch and stage for every query, and the
    /// runner's own work between them (list hand-over, timing, stage snapshots).
    double wall_seconds = 0.0;
    /// Wall time spent turning the final candidate lists into `run` (external ids,
    /// ranks): the output every caller needs, reported apart from the loop.
    double output_seconds = 0.0;
    /// Thread-seconds spent inside Stage::run, summed over stages and queries.
    double stage_seconds = 0.0;
    unsigned threads = 1;

    /// Share of the query loop's thread time not spent in stages:
    /// 1 - stage_seconds / (threads * wall_seconds).
    [[nodiscard]] double overhead_fraction() const;
};

/// Watches one query go through a pipeline (see run_query). Stage slots count in run order:
/// every branch's stages, then the re-ranking stages, labelled as stage_labels() says.
class StageObserver {
public:
    virtual ~StageObserver() = default;
    /// Called before slot `slot` runs; may throw to stop the query there (a deadline).
    virtual void before_stage(std::size_t /*slot*/) {}
    /// Called after slot `slot` ran: candidates in, wall milliseconds inside Stage::run, and
    /// the list it left.
    virtual void after_stage(std::size_t slot, std::size_t in, double ms,
                             const rerank::CandidateList& out) = 0;
};

/// Watches a batch of queries go through a pipeline together (see run_batch).
class BatchObserver {
public:
    virtual ~BatchObserver() = default;
    /// Called before slot `slot` runs; may throw to stop the batch there.
    virtual void before_stage(std::size_t /*slot*/) {}
    /// Called after slot `slot` ran over the batch: wall milliseconds of its one Stage::run
    /// call, each query's candidates in, and the lists it left (aligned with the queries).
    virtual void after_stage(std::size_t slot, double ms, std::span<const std::size_t> in,
                             std::span<const rerank::CandidateList> out) = 0;
};

/// The label of every stage slot in run order: "bm25", "rm3"; "NAME/bm25" in a pipeline with
/// several named branches.
[[nodiscard]] std::vector<std::string> stage_labels(const Pipeline& pipeline);

/// Runs one query through every branch, then every re-ranking stage, on the calling thread,
/// and returns its final list. The first re-ranking stage of a pipeline with several
/// branches sees them all (its `in` is their summed size). Throws what a stage or the
/// observer throws.
[[nodiscard]] rerank::CandidateList run_query(const Pipeline& pipeline, const index::Index& index,
                                              const Query& query, StageObserver& observer);

/// Runs `queries` through every branch, then every re-ranking stage, each stage called once
/// with all of them, on the calling thread; returns their final lists in query order.
[[nodiscard]] std::vector<rerank::CandidateList> run_batch(const Pipeline& pipeline,
                                                           const index::Index& index,
                                                           std::span<const Query> queries,
                                                           BatchObserver& observer);

/// Runs every query through every branch, then every stage: `options.batch` queries per stage
/// call, `options.threads` batches at once. Throws what a stage throws.
[[nodiscard]] PipelineResult run_pipeline(const Pipeline& pipeline, const index::Index& index,
                                          std::span<const Query> queries,
                                          const RunnerOptions& options);

/// Metrics of `run` against `qrels` (ndcg_cut_10, recall_100, map with -c).
[[nodiscard]] StageMetrics evaluate_run(const Qrels& qrels, const Run& run);

/// The stage table printed by `cascade run`.
[[nodiscard]] std::string format_report(const PipelineResult& result);

}  // namespace cascade::pipeline
