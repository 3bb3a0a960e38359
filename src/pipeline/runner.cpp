#include "pipeline/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "eval/evaluator.hpp"
#include "index/index.hpp"

namespace cascade::pipeline {

namespace {

using Clock = std::chrono::steady_clock;
using rerank::CandidateList;

/// A stage's output for one query, without features.
using Snapshot = std::vector<std::pair<std::uint32_t, float>>;

void snapshot(const CandidateList& list, Snapshot& snap) {
    snap.reserve(list.size());
    for (const rerank::Candidate& c : list)
        snap.emplace_back(c.docid, c.score);
}

struct Slot {
    const rerank::Stage* stage = nullptr;
    std::string label;
    std::vector<std::size_t> in;
    std::vector<std::size_t> out;
    std::vector<double> ms;
    std::vector<Snapshot> snapshots;
};

rerank::StageContext branch_context(const Pipeline& pipeline, const index::Index& index,
                                    const Branch& branch) {
    rerank::StageContext ctx;
    ctx.index = &index;
    ctx.first_stage = &branch.head().retriever();
    ctx.bm25 = branch.head().bm25();
    ctx.features = &pipeline.features();
    return ctx;
}

/// Times every stage of every query into its slot (the observer of run_query).
class Execution {
public:
    Execution(const Pipeline& pipeline, const index::Index& index, std::span<const Query> queries,
              bool keep)
        : m_pipeline(pipeline),
          m_index(index),
          m_queries(queries),
          m_keep(keep),
          m_final(queries.size()) {
        std::vector<std::string> labels = stage_labels(pipeline);
        std::vector<const rerank::Stage*> stages;
        for (const Branch& b : pipeline.branches()) {
            for (const auto& s : b.stages)
                stages.push_back(s.get());
        }
        for (const auto& s : pipeline.stages())
            stages.push_back(s.get());
        for (std::size_t i = 0; i < stages.size(); ++i)
            add_slot(*stages[i], std::move(labels[i]));
    }

    /// Runs queries [begin, end) through the pipeline together.
    void run_batch(std::size_t begin, std::size_t end) {
        Observer observer(*this, begin);
        // The lists live only while their batch runs: the runner keeps each query's final
        // ranking as (docid, score) pairs, 8 bytes a candidate instead of a Candidate.
        auto lists = pipeline::run_batch(m_pipeline, m_index, m_queries.subspan(begin, end - begin),
                                         observer);
        for (std::size_t i = 0; i < lists.size(); ++i)
            snapshot(lists[i], m_final[begin + i]);
    }

    std::vector<Slot>& slots() { return m_slots; }
    const std::vector<Snapshot>& final_snapshots() const { return m_final; }

private:
    /// Records a batch starting at query `first`; each query is charged an equal share of
    /// the batch's stage time.
    class Observer final : public BatchObserver {
    public:
        Observer(Execution& exec, std::size_t first) : m_exec(exec), m_first(first) {}
        void after_stage(std::size_t slot, double ms, std::span<const std::size_t> in,
                         std::span<const CandidateList> out) override {
            Slot& s = m_exec.m_slots[slot];
            const double share = ms / static_cast<double>(out.size());
            for (std::size_t i = 0; i < out.size(); ++i) {
                const std::size_t q = m_first + i;
                s.in[q] = in[i];
                s.out[q] = out[i].size();
                s.ms[q] = share;
                if (m_exec.m_keep)
                    snapshot(out[i], s.snapshots[q]);
            }
        }

    private:
        Execution& m_exec;
        std::size_t m_first;
    };

    void add_slot(const rerank::Stage& stage, std::string label) {
        Slot s;
        s.stage = &stage;
        s.label = std::move(label);
        s.in.assign(m_queries.size(), 0);
        s.out.assign(m_queries.size(), 0);
        s.ms.assign(m_queries.size(), 0.0);
        if (m_keep) {
            s.snapshots.resize(m_queries.size());
        }
        m_slots.push_back(std::move(s));
    }

    const Pipeline& m_pipeline;
    const index::Index& m_index;
    std::span<const Query> m_queries;
    bool m_keep;
    std::vector<Slot> m_slots;
    std::vector<Snapshot> m_final;  ///< each query's final ranking
};

Run snapshots_to_run(const index::Index& index, std::span<const Query> queries,
                     const std::vector<Snapshot>& snaps, const std::string& tag) {
    Run run;
    run.tag = tag;
    for (std::size_t q = 0; q < queries.size(); ++q) {
        auto& entries = run.by_query[queries[q].id];
        entries.reserve(snaps[q].size());
        for (std::size_t r = 0; r < snaps[q].size(); ++r) {
            entries.push_back({std::string(index.external_id(snaps[q][r].first)),
                               static_cast<double>(snaps[q][r].second), static_cast<int>(r + 1)});
        }
    }
    return run;
}

/// Runs `work(q)` for every query on `threads` threads; rethrows the first exception.
template <class Work>
void parallel_queries(std::size_t n, unsigned threads, Work&& work) {
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto worker = [&] {
        for (std::size_t q = next++; q < n; q = next++) {
            try {
                work(q);
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                if (!failure)
                    failure = std::current_exception();
                next = n;
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool)
        t.join();
    if (failure)
        std::rethrow_exception(failure);
}

}  // namespace

std::vector<std::string> stage_labels(const Pipeline& pipeline) {
    std::vector<std::string> labels;
    const bool many = pipeline.branches().size() > 1;
    for (const Branch& b : pipeline.branches()) {
        for (const auto& s : b.stages)
            labels.push_back(many ? b.name + "/" + std::string(s->type()) : std::string(s->type()));
    }
    for (const auto& s : pipeline.stages())
        labels.emplace_back(s->type());
    return labels;
}

std::vector<CandidateList> run_batch(const Pipeline& pipeline, const index::Index& index,
                                     std::span<const Query> queries, BatchObserver& observer) {
    const std::size_t n = queries.size();
    std::size_t slot = 0;
    std::vector<std::size_t> in(n, 0);
    auto timed = [&](const rerank::Stage& stage, std::span<CandidateList> lists,
                     const rerank::StageContext& ctx) {
        observer.before_stage(slot);
        const auto start = Clock::now();
        stage.run(queries, lists, ctx);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        observer.after_stage(slot++, ms, in, lists);
    };
    const auto& branches = pipeline.branches();
    std::vector<std::vector<CandidateList>> branch_lists(branches.size(),
                                                         std::vector<CandidateList>(n));
    std::vector<rerank::NamedCandidates> named;
    for (std::size_t b = 0; b < branches.size(); ++b) {
        const rerank::StageContext ctx = branch_context(pipeline, index, branches[b]);
        for (const auto& stage : branches[b].stages) {
            for (std::size_t q = 0; q < n; ++q)
                in[q] = branch_lists[b][q].size();
            timed(*stage, branch_lists[b], ctx);
        }
        named.push_back({branches[b].name, branch_lists[b]});
    }
    rerank::StageContext ctx = branch_context(pipeline, index, branches.front());
    std::vector<CandidateList> lists(n);
    // With several branches the first re-ranking stage (fusion) reads them all: its input
    // is every branch's list.
    if (branches.size() == 1) {
        lists = std::move(branch_lists.front());
        for (std::size_t q = 0; q < n; ++q)
            in[q] = lists[q].size();
    } else {
        ctx.branches = named;
        for (std::size_t q = 0; q < n; ++q) {
            in[q] = 0;
            for (const auto& l : branch_lists)
                in[q] += l[q].size();
        }
    }
    for (const auto& stage : pipeline.stages()) {
        timed(*stage, lists, ctx);
        for (std::size_t q = 0; q < n; ++q)
            in[q] = lists[q].size();
    }
    return lists;
}

rerank::CandidateList run_query(const Pipeline& pipeline, const index::Index& index,
                                const Query& query, StageObserver& observer) {
    /// One query's view of a batch of one.
    class Single final : public BatchObserver {
    public:
        explicit Single(StageObserver& inner) : m_inner(inner) {}
        void before_stage(std::size_t slot) override { m_inner.before_stage(slot); }
        void after_stage(std::size_t slot, double ms, std::span<const std::size_t> in,
                         std::span<const CandidateList> out) override {
            m_inner.after_stage(slot, in[0], ms, out[0]);
        }

    private:
        StageObserver& m_inner;
    } single(observer);
    return std::move(run_batch(pipeline, index, std::span(&query, 1), single).front());
}

StageMetrics evaluate_run(const Qrels& qrels, const Run& run) {
    eval::EvalOptions options;
    options.measures = {"ndcg_cut.10", "recall.100", "map"};
    options.average_complete = true;
    StageMetrics m;
    bool any = false;
    for (const auto& [qid, entries] : run.by_query) {
        any = any || (!entries.empty() && qrels.by_query.contains(qid));
    }
    if (!any) {
        return m;  // trec_eval refuses a run with no judged results; every measure is 0
    }
    const eval::EvalResult r = eval::evaluate(qrels, run, options);
    m.ndcg_at_10 = r.summary_value("ndcg_cut_10").value_or(0.0);
    m.recall_at_100 = r.summary_value("recall_100").value_or(0.0);
    m.map = r.summary_value("map").value_or(0.0);
    return m;
}

PipelineResult run_pipeline(const Pipeline& pipeline, const index::Index& index,
                            std::span<const Query> queries, const RunnerOptions& options) {
    const bool keep = options.keep_runs || options.qrels != nullptr;
    // Stage metrics average over the queries that were run (a query a stage emptied counts 0,
    // as trec_eval -c), not over every query of the qrels: `--qids-from` a subset with the
    // full qrels must not divide by queries that never ran.
    Qrels judged;
    if (options.qrels != nullptr)
        for (const Query& q : queries)
            if (auto it = options.qrels->by_query.find(q.id); it != options.qrels->by_query.end())
                judged.by_query.insert(*it);
    Execution exec(pipeline, index, queries, keep);
    PipelineResult result;
    result.threads =
        std::max(1U, std::min<unsigned>(options.threads, std::max<std::size_t>(1, queries.size())));
    const std::size_t batch = std::max<std::size_t>(1, options.batch);
    const std::size_t batches = (queries.size() + batch - 1) / batch;
    result.threads =
        std::max(1U, std::min<unsigned>(result.threads, std::max<std::size_t>(1, batches)));
    const auto start = Clock::now();
    parallel_queries(batches, result.threads, [&](std::size_t b) {
        exec.run_batch(b * batch, std::min(queries.size(), (b + 1) * batch));
    });
    const auto loop_end = Clock::now();
    result.wall_seconds = std::chrono::duration<double>(loop_end - start).count();
    result.run = snapshots_to_run(index, queries, exec.final_snapshots(), pipeline.name());
    result.output_seconds = std::chrono::duration<double>(Clock::now() - loop_end).count();
    for (Slot& s : exec.slots()) {
        StageReport r;
        r.label = s.label;
        r.describe = s.stage->describe();
        for (std::size_t q = 0; q < queries.size(); ++q) {
            r.candidates_in += s.in[q];
            r.candidates_out += s.out[q];
            r.total_seconds += s.ms[q] / 1000.0;
        }
        r.latency_ms = std::move(s.ms);
        result.stage_seconds += r.total_seconds;
        if (keep) {
            r.run = snapshots_to_run(index, queries, s.snapshots, pipeline.name());
            if (options.qrels != nullptr)
                r.metrics = evaluate_run(judged, *r.run);
        }
        result.stages.push_back(std::move(r));
    }
    return result;
}

}  // namespace cascade::pipeline

namespace cascade {

double StageReport::percentile_ms(double p) const {
    if (latency_ms.empty())
        return 0.0;
    std::vector<double> v = latency_ms;
    std::sort(v.begin(), v.end());
    // nearest-rank percentile
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::string format_report(const PipelineResult& result) {
    std::string out = fmt::format("{:<18} {:>9} {:>9} {:>9} {:>9} {:>9}", "stage", "in/query",
                                  "out/query", "p50 ms", "p95 ms", "total s");
    const bool metrics = !result.stages.empty() && result.stages.front().metrics.has_value();
    if (metrics)
        out += fmt::format(" {:>8} {:>8} {:>8}", "nDCG@10", "R@100", "MAP");
    out += "\n";
    for (const StageReport& r : result.stages) {
        const auto n = static_cast<double>(std::max<std::size_t>(1, r.latency_ms.size()));
        out += fmt::format("{:<18} {:>9.1f} {:>9.1f} {:>9.3f} {:>9.3f} {:>9.3f}", r.label,
                           static_cast<double>(r.candidates_in) / n,
                           static_cast<double>(r.candidates_out) / n, r.percentile_ms(50),
                           r.percentile_ms(95), r.total_seconds);
        if (r.metrics) {
            out += fmt::format(" {:>8.4f} {:>8.4f} {:>8.4f}", r.metrics->ndcg_at_10,
                               r.metrics->recall_at_100, r.metrics->map);
        }
        out += "\n";
    }
    out += fmt::format(
        "wall {:.3f} s, {} thread(s), in stages {:.3f} s, pipeline overhead "
        "{:.2f}%; final run built in {:.3f} s\n",
        result.wall_seconds, result.threads, result.stage_seconds,
        100.0 * result.overhead_fraction(), result.output_seconds);
    for (const StageReport& r : result.stages) {
        out += fmt::format("  {:<16} {}\n", r.label, r.describe);
    }
    return out;
}

double PipelineResult::overhead_fraction() const {
    const double busy = wall_seconds * static_cast<double>(threads);
    return busy > 0 ? std::max(0.0, 1.0 - stage_seconds / busy) : 0.0;
}

}  // namespace cascade
