#pragma once
/// Runs a Pipeline over a query set, timing every stage per query, and evaluates what each
/// stage leaves behind. The reports are public value types (cascade/pipeline.hpp).

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <cascade/pipeline.hpp>

#include "collection/types.hpp"
#include "pipeline/pipeline.hpp"

namespace cascade::pipeline {

using cascade::PipelineResult;
using cascade::StageMetrics;
using cascade::StageReport;
/// The public name is PipelineRunOptions (cascade/pipeline.hpp).
using RunnerOptions = cascade::PipelineRunOptions;

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

/// The stage table printed by `cascade run` (public: cascade/pipeline.hpp).
using cascade::format_report;

}  // namespace cascade::pipeline
