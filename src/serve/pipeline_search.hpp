#pragma once
/// One query through a loaded pipeline for /v1/search, stage by stage, with the request's
/// deadline checked before every stage and after the last one.
///
/// It walks the stages with pipeline::run_query, the same walk the batch runner uses (same
/// order, labels and candidate counts), so a request answers what `cascade run --query`
/// prints; pipeline_search_test checks that against the runner.

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collection/types.hpp"
#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "rerank/stage.hpp"

namespace cascade::serve {

/// What one stage did for the query.
struct StageTiming {
    std::string label;  ///< as the runner labels it: "bm25", "rm3", "rm3/bm25" in a branch
    std::size_t candidates_in = 0;
    std::size_t candidates_out = 0;
    double ms = 0.0;
};

/// The final ranking (best first) and every stage's timing, in run order.
struct PipelineHits {
    rerank::CandidateList hits;
    std::vector<StageTiming> stages;
};

/// Thrown when the deadline passed; says after which stage.
class PipelineDeadline : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Answers true once the request's time is up; called before each stage and after the last.
using DeadlineCheck = std::function<bool()>;

/// A DeadlineCheck that expires at `deadline` on the steady clock.
[[nodiscard]] DeadlineCheck expires_at(std::chrono::steady_clock::time_point deadline);

/// Runs `query` through every stage of `pipeline` on the calling thread. Throws
/// PipelineDeadline when `expired()` answers true, and whatever a stage throws.
[[nodiscard]] PipelineHits search_pipeline(const pipeline::Pipeline& pipeline,
                                           const index::Index& index, const Query& query,
                                           const DeadlineCheck& expired);

}  // namespace cascade::serve
