#include "serve/pipeline_search.hpp"

#include <fmt/format.h>

#include "pipeline/runner.hpp"

namespace cascade::serve {
namespace {

/// Records each stage's timing under the runner's label and checks the deadline before
/// every stage.
class DeadlineObserver final : public pipeline::StageObserver {
public:
    DeadlineObserver(const pipeline::Pipeline& pipeline, const DeadlineCheck& expired)
        : m_labels(pipeline::stage_labels(pipeline)), m_expired(expired) {}

    void before_stage(std::size_t /*slot*/) override { check(); }

    void after_stage(std::size_t slot, std::size_t in, double ms,
                     const rerank::CandidateList& out) override {
        m_stages.push_back({m_labels[slot], in, out.size(), ms});
    }

    /// Throws PipelineDeadline when the time is up, naming the last stage that ran.
    void check() const {
        if (!m_expired())
            return;
        if (m_stages.empty())
            throw PipelineDeadline("the request deadline passed before the first stage ran");
        throw PipelineDeadline(
            fmt::format("the request deadline passed after stage '{}' ({} of {} stages run)",
                        m_stages.back().label, m_stages.size(), m_labels.size()));
    }

    std::vector<StageTiming> take_stages() { return std::move(m_stages); }

private:
    std::vector<std::string> m_labels;
    const DeadlineCheck& m_expired;
    std::vector<StageTiming> m_stages;
};

}  // namespace

DeadlineCheck expires_at(std::chrono::steady_clock::time_point deadline) {
    return [deadline] { return std::chrono::steady_clock::now() >= deadline; };
}

PipelineHits search_pipeline(const pipeline::Pipeline& pipeline, const index::Index& index,
                             const Query& query, const DeadlineCheck& expired) {
    DeadlineObserver observer(pipeline, expired);
    PipelineHits out;
    out.hits = pipeline::run_query(pipeline, index, query, observer);
    observer.check();  // after the last stage too
    out.stages = observer.take_stages();
    return out;
}

}  // namespace cascade::serve
