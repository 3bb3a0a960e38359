/// Pipeline files (errors name file, line and accepted values) and the runner on a tiny index.
#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pipeline/pipeline.hpp"
#include "pipeline/runner.hpp"
#include "rerank/test_index.hpp"
#include "runtime/fake_model.hpp"

namespace cascade::pipeline {
namespace {

using cascade::testing::TempDir;

class PipelineFile : public ::testing::Test {
protected:
    void SetUp() override {
        m_index = std::make_unique<index::Index>(rerank::testing::tiny_index(
            m_dir / "idx",
            {"apple banana apple cherry", "apple banana date", "cherry elder fig", "grape apple"}));
    }

    /// The message of the InputError parsing `yaml` throws ("" when it does not throw).
    std::string error_of(const std::string& yaml) {
        try {
            (void)Pipeline::parse(yaml, "p.yaml", *m_index);
        } catch (const InputError& e) {
            return e.what();
        }
        return "";
    }

    TempDir m_dir;
    std::unique_ptr<index::Index> m_index;
};

void expect_contains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST_F(PipelineFile, ErrorsNameLineAndAcceptedValues) {
    expect_contains(error_of("first_stage: {type: bm25}\nstages:\n  - type: rm3\n    fb_dcos: 3\n"),
                    "p.yaml:4: unknown key 'fb_dcos' for stage type 'rm3'; accepted keys: type, "
                    "fb_docs, fb_terms");
    expect_contains(error_of("first_stage:\n  type: bm25\n  k: -5\n"),
                    "p.yaml:3: 'k' is -5; accepted: an integer in [1, ");
    expect_contains(error_of("first_stage:\n  type: bm25\n  b: 1.5\n"),
                    "p.yaml:3: 'b' is 1.5; accepted: a number in [0, 1]");
    expect_contains(error_of("first_stage: {type: bm25}\nstages:\n  - {type: mmmr}\n"),
                    "p.yaml:3: unknown stage type 'mmmr'; accepted: bi_encoder, bm25");
    expect_contains(error_of("first_stage: {type: bm25}\nstages:\n  - {type: fusion, method: "
                             "avg}\n"),
                    "p.yaml:3: 'method' is 'avg'; accepted: rrf, minmax, zscore, sum");
    expect_contains(error_of("first_stage: {type: bm25}\nstage: []\n"),
                    "p.yaml:2: unknown key 'stage'; accepted keys: name, first_stage");
    expect_contains(error_of("first_stage: {type: rm3}\n"),
                    "p.yaml:1: a first stage must start with a retriever");
    expect_contains(error_of("first_stage: {type: bm25}\nstages: [{type: bm25}]\n"),
                    "p.yaml:2: the first stage goes under first_stage");
    expect_contains(error_of("first_stages:\n  - {type: bm25}\n  - {type: bm25, k: 5}\n"),
                    "p.yaml:2: several first stages need a fusion stage");
    expect_contains(error_of("stages: []\n"), "p.yaml:1: missing first_stage");
    expect_contains(error_of("first_stage: {type: bm25, fields: nope}\n"),
                    "p.yaml:1: the index has no field 'nope'");
    // YAML syntax errors carry yaml-cpp's line.
    expect_contains(error_of("first_stage:\n  type: bm25\n k: [1,\n"), "p.yaml:3:");
    expect_contains(error_of("first_stage: {type: bm25}\nstages:\n  - {type: cutoff, method: "
                             "threshold}\n"),
                    "p.yaml:3: method threshold needs 'threshold: SCORE'");
}

TEST_F(PipelineFile, StageMetricsAverageOverTheQueriesRunNotTheWholeQrels) {
    Pipeline p = Pipeline::parse("first_stage: {type: bm25, k: 10}\n", "p.yaml", *m_index);
    Qrels qrels;
    qrels.by_query["q1"]["d1"] = 1;
    qrels.by_query["q2"]["d3"] = 1;
    qrels.by_query["q9"]["d2"] = 1;  // judged, but not run
    RunnerOptions options;
    options.qrels = &qrels;
    const std::vector<Query> one = {{"q1", "apple"}};
    const PipelineResult r = run_pipeline(p, *m_index, one, options);
    ASSERT_TRUE(r.stages[0].metrics.has_value());
    EXPECT_DOUBLE_EQ(r.stages[0].metrics->ndcg_at_10, 1.0);  // d1 first; q2, q9 never ran
    // A query that ran and found nothing still counts (trec_eval -c).
    const std::vector<Query> with_miss = {{"q1", "apple"}, {"q2", "zebra"}};
    const PipelineResult m = run_pipeline(p, *m_index, with_miss, options);
    EXPECT_DOUBLE_EQ(m.stages[0].metrics->ndcg_at_10, 0.5);
}

TEST_F(PipelineFile, RunsBranchesFusionAndCutoff) {
    Pipeline p = Pipeline::parse(
        "name: t\nfirst_stages:\n  - {type: bm25, k: 10}\n  - name: rm3\n    stages: [{type: "
        "bm25, k: 10}, {type: rm3, max_df_ratio: 1.0, fb_docs: 2, k: 10}]\nstages:\n  - {type: "
        "fusion, k: 3}\n  - {type: mmr, k: 2, lambda: 0.5}\n",
        "p.yaml", *m_index);
    ASSERT_EQ(p.branches().size(), 2U);
    EXPECT_EQ(p.branches()[1].name, "rm3");
    std::vector<Query> queries = {{"q1", "apple"}, {"q2", "fig"}, {"q3", "zebra"}};
    Qrels qrels;
    qrels.by_query["q1"]["d1"] = 1;
    qrels.by_query["q2"]["d3"] = 1;
    RunnerOptions options;
    options.qrels = &qrels;
    options.threads = 2;
    PipelineResult r = run_pipeline(p, *m_index, queries, options);
    ASSERT_EQ(r.stages.size(), 5U);
    EXPECT_EQ(r.stages[0].label, "bm25_1/bm25");
    EXPECT_EQ(r.stages[2].label, "rm3/rm3");
    // bm25: apple in 3 documents, fig in 1, zebra in none.
    EXPECT_EQ(r.stages[0].candidates_out, 4U);
    // q2: RM3 feeds back d3 "cherry elder fig" and re-retrieves d1 (cherry) too.
    EXPECT_EQ(r.stages[2].candidates_out, 4U + 2U);
    EXPECT_EQ(r.stages[3].candidates_out, 3U + 2U);  // fusion depth 3
    EXPECT_EQ(r.stages[4].candidates_out, 2U + 2U);  // mmr k = 2
    ASSERT_TRUE(r.stages[0].metrics.has_value());
    EXPECT_DOUBLE_EQ(r.stages[0].metrics->ndcg_at_10, 1.0);  // d1 and d3 rank first
    EXPECT_EQ(r.run.by_query.at("q1").size(), 2U);
    EXPECT_EQ(r.run.by_query.at("q3").size(), 0U);
    EXPECT_EQ(r.run.tag, "t");
    for (const StageReport& s : r.stages) {
        EXPECT_EQ(s.latency_ms.size(), 3U);
    }
    EXPECT_GE(r.overhead_fraction(), 0.0);
    EXPECT_LE(r.overhead_fraction(), 1.0);
    // Threads do not change the result.
    options.threads = 1;
    auto flat = [](const cascade::Run& run) {
        std::vector<std::string> out;
        for (const auto& [qid, entries] : run.by_query) {
            for (const RunEntry& e : entries)
                out.push_back(qid + " " + e.docid + " " + std::to_string(e.score));
        }
        return out;
    };
    EXPECT_EQ(flat(run_pipeline(p, *m_index, queries, options).run), flat(r.run));
}

/// Records what run_query reports and stops before slot `stop_at`.
class Recorder final : public StageObserver {
public:
    explicit Recorder(std::size_t stop_at) : m_stop_at(stop_at) {}
    void before_stage(std::size_t slot) override {
        before.push_back(slot);
        if (slot == m_stop_at)
            throw std::runtime_error("stop");
    }
    void after_stage(std::size_t slot, std::size_t in, double ms,
                     const rerank::CandidateList& out) override {
        after.push_back({slot, in, out.size()});
        EXPECT_GE(ms, 0.0);
    }
    std::vector<std::size_t> before;
    std::vector<std::array<std::size_t, 3>> after;  ///< slot, in, out

private:
    std::size_t m_stop_at;
};

TEST_F(PipelineFile, OneQueryWalksTheSameSlotsAsTheRunnerAndCanBeStopped) {
    Pipeline p = Pipeline::parse(
        "first_stages:\n  - {type: bm25, k: 10}\n  - name: rm3\n    stages: [{type: bm25, k: "
        "10}, {type: rm3, max_df_ratio: 1.0, fb_docs: 2, k: 10}]\nstages:\n  - {type: fusion, "
        "k: 3}\n  - {type: mmr, k: 2, lambda: 0.5}\n",
        "p.yaml", *m_index);
    EXPECT_EQ(stage_labels(p),
              (std::vector<std::string>{"bm25_1/bm25", "rm3/bm25", "rm3/rm3", "fusion", "mmr"}));
    const Query q{"q1", "apple"};
    Recorder all(99);
    const rerank::CandidateList hits = run_query(p, *m_index, q, all);
    EXPECT_EQ(all.before, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
    ASSERT_EQ(all.after.size(), 5U);
    // apple: 3 documents per branch; fusion reads both branches (3 + 3) and keeps 3.
    EXPECT_EQ(all.after[0], (std::array<std::size_t, 3>{0, 0, 3}));
    EXPECT_EQ(all.after[3][1], all.after[0][2] + all.after[2][2]);
    EXPECT_EQ(all.after[3][2], 3U);
    EXPECT_EQ(all.after[4], (std::array<std::size_t, 3>{4, 3, 2}));
    EXPECT_EQ(hits.size(), 2U);
    // The batch runner gives the same final ranking.
    RunnerOptions options;
    const PipelineResult r = run_pipeline(p, *m_index, std::span(&q, 1), options);
    const auto& entries = r.run.by_query.at("q1");
    ASSERT_EQ(entries.size(), hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i)
        EXPECT_EQ(entries[i].docid, std::string(m_index->external_id(hits[i].docid)));
    // An observer that throws before a slot stops the query there.
    Recorder stop(3);
    EXPECT_THROW((void)run_query(p, *m_index, q, stop), std::runtime_error);
    EXPECT_EQ(stop.before, (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_EQ(stop.after.size(), 3U);
}

/// Every run's entries as text, for byte-for-byte comparisons.
std::string run_text(const Run& run) {
    std::string out;
    for (const auto& [qid, entries] : run.by_query) {
        for (const auto& e : entries)
            out += qid + " " + e.docid + " " + std::to_string(e.rank) + " " +
                   std::to_string(e.score) + "\n";
    }
    return out;
}

TEST_F(PipelineFile, BatchedRunsSendSeveralQueriesPerForwardPassAndWriteTheSameRun) {
    // A cross-encoder stage on a fake model that records its forward passes; all pipelines
    // share one pool, as `cascade serve` shares it with its --model.
    runtime::testing::FakeModelState state;
    runtime::PoolOptions pool_options;
    pool_options.scheduling.max_wait = std::chrono::microseconds(0);
    auto pool = std::make_shared<runtime::ModelPool>(
        pool_options, [&state](const runtime::ModelOptions&, runtime::Task, std::size_t) {
            return std::make_unique<runtime::testing::FakeModel>(state, 512);
        });
    const std::string yaml =
        "first_stage: {type: bm25, k: 10}\nstages: [{type: cross_encoder, model: fake, k: 3}]\n";
    Pipeline p = Pipeline::parse(yaml, "p.yaml", *m_index, 1, pool);
    Pipeline again = Pipeline::parse(yaml, "p.yaml", *m_index, 1, pool);
    EXPECT_EQ(pool->loads(), 1U);  // one copy for both pipelines
    std::vector<Query> queries;
    for (const char* text : {"apple", "banana", "cherry", "fig", "grape", "apple pie", "date",
                             "elder", "apple banana", "cherry fig"})
        queries.push_back({fmt::format("q{}", queries.size()), text});

    auto run_with = [&](const Pipeline& pipeline, std::size_t batch, unsigned threads) {
        {
            std::lock_guard lock(state.mutex);
            state.batch_queries.clear();
        }
        RunnerOptions options;
        options.batch = batch;
        options.threads = threads;
        return run_pipeline(pipeline, *m_index, queries, options);
    };
    const PipelineResult one = run_with(p, 1, 1);
    std::size_t most_queries = 0;
    {
        std::lock_guard lock(state.mutex);
        for (const auto& qs : state.batch_queries)
            most_queries = std::max(most_queries, qs.size());
    }
    EXPECT_EQ(most_queries, 1U);  // one query at a time: each pass holds one query

    const PipelineResult batched = run_with(again, 16, 1);
    {
        std::lock_guard lock(state.mutex);
        ASSERT_EQ(state.batch_queries.size(), 1U);  // all ten queries in one forward pass
        EXPECT_EQ(state.batch_queries[0].size(), 10U);
    }
    EXPECT_EQ(run_text(batched.run), run_text(one.run));
    ASSERT_FALSE(one.run.by_query.empty());
    // Stage tables count the same candidates; only how time is shared differs.
    ASSERT_EQ(batched.stages.size(), one.stages.size());
    for (std::size_t s = 0; s < one.stages.size(); ++s) {
        EXPECT_EQ(batched.stages[s].candidates_in, one.stages[s].candidates_in);
        EXPECT_EQ(batched.stages[s].candidates_out, one.stages[s].candidates_out);
        EXPECT_EQ(batched.stages[s].latency_ms.size(), queries.size());
    }
    // Batches of 4 on two threads: still the same run, and passes of several queries.
    const PipelineResult threaded = run_with(p, 4, 2);
    EXPECT_EQ(run_text(threaded.run), run_text(one.run));
    std::lock_guard lock(state.mutex);
    std::size_t multi = 0;
    for (const auto& qs : state.batch_queries)
        multi += qs.size() > 1 ? 1 : 0;
    EXPECT_GT(multi, 0U);
}

TEST_F(PipelineFile, BatchesWithSeveralBranchesFuseEachQueryWithItsOwnLists) {
    Pipeline p = Pipeline::parse(
        "first_stages:\n  - {type: bm25, k: 10}\n  - name: rm3\n    stages: [{type: "
        "bm25, k: 10}, {type: rm3, max_df_ratio: 1.0, fb_docs: 2, k: 10}]\nstages:\n  - {type: "
        "fusion, k: 3}\n",
        "p.yaml", *m_index);
    std::vector<Query> queries = {{"q1", "apple"}, {"q2", "fig"}, {"q3", "zebra"}, {"q4", "date"}};
    RunnerOptions options;
    options.keep_runs = true;
    const PipelineResult one = run_pipeline(p, *m_index, queries, options);
    options.batch = 3;
    const PipelineResult batched = run_pipeline(p, *m_index, queries, options);
    EXPECT_EQ(run_text(batched.run), run_text(one.run));
    ASSERT_EQ(batched.stages.size(), one.stages.size());
    for (std::size_t s = 0; s < one.stages.size(); ++s) {
        EXPECT_EQ(run_text(*batched.stages[s].run), run_text(*one.stages[s].run)) << s;
        EXPECT_EQ(batched.stages[s].candidates_in, one.stages[s].candidates_in) << s;
    }
}

TEST(StageReport, NearestRankPercentiles) {
    StageReport r;
    r.latency_ms = {5, 1, 4, 2, 3};
    EXPECT_EQ(r.percentile_ms(50), 3.0);
    EXPECT_EQ(r.percentile_ms(95), 5.0);
    EXPECT_EQ(r.percentile_ms(0), 1.0);
}

}  // namespace
}  // namespace cascade::pipeline
