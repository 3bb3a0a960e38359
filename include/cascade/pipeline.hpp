#pragma once
/// Pipelines: a YAML file naming a first stage (or several fused branches) and re-ranking
/// stages (examples/pipelines/, docs/pipelines.md), run over a query set with every stage
/// timed and, given judgments, evaluated.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/types.hpp>

namespace cascade {

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
    std::optional<Run> run;  ///< the stage's output as a run (when PipelineRunOptions::keep_runs)

    /// Nearest-rank percentile `p` (0-100) of latency_ms; 0 when empty.
    [[nodiscard]] double percentile_ms(double p) const;
};

/// How a pipeline runs over a query set (`cascade run`'s options).
struct PipelineRunOptions {
    unsigned threads = 1;
    /// Queries each thread sends through a stage in one call: a model stage then queues the
    /// pairs of all of them together, so its forward passes hold several queries. Results do
    /// not depend on it; a query's latency is then its batch's time divided by its size.
    std::size_t batch = 1;
    /// Keep each stage's output as a Run (needed for stage runs and per-stage metrics).
    bool keep_runs = false;
    /// Judgments to evaluate each stage's run with (implies keep_runs); not owned. Averages are
    /// over the judged queries that were run (one a stage emptied counts 0), not the whole file.
    const Qrels* qrels = nullptr;
};

/// What a pipeline run produced.
struct PipelineResult {
    std::vector<StageReport> stages;  ///< branch stages first, then the re-ranking stages
    Run run;                          ///< the final ranking
    /// Wall time of the query loop: every branch and stage for every query, and the
    /// runner's own work between them (list hand-over, timing, stage snapshots).
    double wall_seconds = 0.0;
    /// Wall time spent turning the final candidate lists into `run` (external ids,
    /// ranks): the output every caller needs, reported apart from the loop.
    double output_seconds = 0.0;
    /// Thread-seconds spent inside the stages, summed over stages and queries.
    double stage_seconds = 0.0;
    unsigned threads = 1;

    /// Share of the query loop's thread time not spent in stages:
    /// 1 - stage_seconds / (threads * wall_seconds).
    [[nodiscard]] double overhead_fraction() const;
};

/// A built pipeline over one index. A cheap handle: copies share the built stages. Running it
/// from several threads at once is safe.
class Pipeline {
public:
    /// Reads and builds `file` over `index` (kept open by the pipeline). Model stages load
    /// their models into a pool of the pipeline's own whose models run on `threads` threads.
    /// Throws IoError when unreadable, InputError (`file:line`) when malformed: YAML syntax,
    /// unknown keys, bad values, unknown stage types.
    static Pipeline load(const std::filesystem::path& file, const Index& index,
                         unsigned threads = 1);
    /// As above, with model stages loading from `models`, shared with the caller (a model the
    /// caller also uses is loaded once).
    static Pipeline load(const std::filesystem::path& file, const Index& index, unsigned threads,
                         const ModelPool& models);

    /// The pipeline's `name:` ("cascade" when it has none); the tag of the runs it writes.
    [[nodiscard]] const std::string& name() const;

    /// Runs every query through every branch, then every stage: `options.batch` queries per
    /// stage call, `options.threads` batches at once. The final run does not depend on
    /// threads or batch. Throws what a stage throws.
    [[nodiscard]] PipelineResult run(std::span<const Query> queries,
                                     const PipelineRunOptions& options = {}) const;

    struct Impl;  ///< opaque outside the library
    [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
    explicit Pipeline(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const Impl> m_impl;
};

/// The per-stage table `cascade run` prints: candidates per query, p50/p95 latency, total
/// time, nDCG@10 / R@100 / MAP when evaluated, the wall-time summary and each stage's
/// parameters.
[[nodiscard]] std::string format_report(const PipelineResult& result);

}  // namespace cascade
