#include "serve/pipeline_search.hpp"

#include <span>

#include <fmt/format.h>

namespace cascade::serve {
namespace {

using Clock = std::chrono::steady_clock;

class OneQuery {
public:
    OneQuery(const pipeline::Pipeline& pipeline, const index::Index& index, const Query& query,
             const DeadlineCheck& expired)
        : m_pipeline(pipeline), m_index(index), m_query(query), m_expired(expired) {
        for (const auto& b : pipeline.branches()) m_total += b.stages.size();
        m_total += pipeline.stages().size();
    }

    PipelineHits run() {
        const auto& branches = m_pipeline.branches();
        const bool many = branches.size() > 1;
        std::vector<rerank::CandidateList> branch_lists(branches.size());
        std::vector<rerank::NamedCandidates> named;
        for (std::size_t b = 0; b < branches.size(); ++b) {
            rerank::StageContext ctx = context(branches[b]);
            for (const auto& stage : branches[b].stages) {
                std::string label(stage->type());
                if (many) label = branches[b].name + "/" + label;
                timed(std::move(label), *stage, branch_lists[b], ctx);
            }
            named.push_back({branches[b].name, std::span(&branch_lists[b], 1)});
        }
        rerank::StageContext ctx = context(branches.front());
        rerank::CandidateList list;
        if (many) {
            ctx.branches = named;
        } else {
            list = std::move(branch_lists.front());
        }
        const std::size_t first_main = m_out.stages.size();
        for (const auto& stage : m_pipeline.stages()) {
            timed(std::string(stage->type()), *stage, list, ctx);
        }
        if (many && first_main < m_out.stages.size()) {
            // The fusion stage's input is every branch's list, as the runner counts it.
            std::size_t in = 0;
            for (const auto& l : branch_lists) in += l.size();
            m_out.stages[first_main].candidates_in = in;
        }
        check_deadline();
        m_out.hits = std::move(list);
        return std::move(m_out);
    }

private:
    rerank::StageContext context(const pipeline::Branch& branch) const {
        rerank::StageContext ctx;
        ctx.index = &m_index;
        ctx.first_stage = &branch.head().retriever();
        ctx.bm25 = branch.head().bm25();
        ctx.features = &m_pipeline.features();
        return ctx;
    }

    void check_deadline() const {
        if (!m_expired()) return;
        if (m_out.stages.empty())
            throw PipelineDeadline("the request deadline passed before the first stage ran");
        throw PipelineDeadline(fmt::format(
            "the request deadline passed after stage '{}' ({} of {} stages run)",
            m_out.stages.back().label, m_out.stages.size(), m_total));
    }

    void timed(std::string label, const rerank::Stage& stage, rerank::CandidateList& list,
               const rerank::StageContext& ctx) {
        check_deadline();
        StageTiming t;
        t.label = std::move(label);
        t.candidates_in = list.size();
        const auto start = Clock::now();
        stage.run(std::span(&m_query, 1), std::span(&list, 1), ctx);
        t.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        t.candidates_out = list.size();
        m_out.stages.push_back(std::move(t));
    }

    const pipeline::Pipeline& m_pipeline;
    const index::Index& m_index;
    const Query& m_query;
    const DeadlineCheck& m_expired;
    std::size_t m_total = 0;
    PipelineHits m_out;
};

}  // namespace

DeadlineCheck expires_at(Clock::time_point deadline) {
    return [deadline] { return Clock::now() >= deadline; };
}

PipelineHits search_pipeline(const pipeline::Pipeline& pipeline, const index::Index& index,
                             const Query& query, const DeadlineCheck& expired) {
    return OneQuery(pipeline, index, query, expired).run();
}

}  // namespace cascade::serve
