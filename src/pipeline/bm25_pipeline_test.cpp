/// One BM25 source: Bm25Params' defaults are what every user of BM25 gets (the index's
/// block-max pairs, the pipeline's bm25 stage, the implicit pipeline of `cascade search`), bad
/// k1 or b are rejected naming the key, and the implicit pipeline reads its spec back exactly
/// and ranks as the retriever does.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pipeline/bm25_pipeline.hpp"
#include "pipeline/runner.hpp"
#include "rerank/test_index.hpp"

namespace cascade::pipeline {
namespace {

using cascade::testing::TempDir;
using retrieve::Algorithm;
using retrieve::Bm25Params;

// Anserini's defaults (k1 = 0.9, b = 0.4). Changing them changes every default run, the
// index's stored pairs and the documented numbers: these fail first when a default drifts.
static_assert(Bm25Params::kDefaultK1 == 0.9 && Bm25Params::kDefaultB == 0.4);
static_assert(Bm25Params{}.k1 == 0.9F && Bm25Params{}.b == 0.4F);
static_assert(index::kDefaultK1 == Bm25Params::kDefaultK1 &&
              index::kDefaultB == Bm25Params::kDefaultB);

constexpr Algorithm kAlgorithms[] = {Algorithm::exhaustive, Algorithm::maxscore, Algorithm::wand,
                                     Algorithm::block_max_wand, Algorithm::block_max_maxscore};

class Bm25Pipeline : public ::testing::Test {
protected:
    void SetUp() override {
        m_index = std::make_unique<index::Index>(rerank::testing::tiny_index(
            m_dir / "idx", {"apple banana apple cherry", "apple banana date", "cherry elder fig",
                            "grape apple", "d2 apple fig fig"}));
    }

    static const retrieve::Bm25Retriever& stage_of(const Pipeline& p) {
        return *p.branches().front().head().bm25();
    }

    /// The message of the error building `yaml` throws ("" when it does not throw).
    std::string stage_error(const std::string& yaml) {
        try {
            (void)Pipeline::parse(yaml, "p.yaml", *m_index);
        } catch (const InputError& e) {
            return e.what();
        }
        return "";
    }

    std::string spec_error(const Bm25StageSpec& spec) {
        try {
            (void)bm25_pipeline(*m_index, spec);
        } catch (const UsageError& e) {
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

TEST_F(Bm25Pipeline, TheIndexRecordsTheDefaultsItsPairsWereChosenFor) {
    EXPECT_EQ(m_index->k1(), Bm25Params::kDefaultK1);
    EXPECT_EQ(m_index->b(), Bm25Params::kDefaultB);
    // The retriever uses the stored pairs when its parameters are the index's, rounded.
    EXPECT_EQ(static_cast<float>(m_index->k1()), Bm25Params{}.k1);
    EXPECT_EQ(static_cast<float>(m_index->b()), Bm25Params{}.b);
}

TEST_F(Bm25Pipeline, StageAndImplicitPipelineDefaultToBm25Params) {
    const Pipeline file = Pipeline::parse("first_stage: {type: bm25}\n", "p.yaml", *m_index);
    const Pipeline implicit = bm25_pipeline(*m_index, Bm25StageSpec{});
    for (const Pipeline* p : {&file, &implicit}) {
        const retrieve::Bm25Options& options = stage_of(*p).options();
        EXPECT_EQ(options.params.k1, Bm25Params{}.k1);
        EXPECT_EQ(options.params.b, Bm25Params{}.b);
        EXPECT_EQ(options.algorithm, Algorithm::maxscore);
        EXPECT_EQ(stage_of(*p).name(), "bm25(k1=0.9,b=0.4)");
    }
    EXPECT_EQ(implicit.name(), "cascade");
    EXPECT_EQ(implicit.branches().size(), 1U);
    EXPECT_TRUE(implicit.stages().empty());
}

TEST_F(Bm25Pipeline, BadK1OrBAreRejectedNamingTheKey) {
    expect_contains(stage_error("first_stage:\n  type: bm25\n  k1: -1\n"),
                    "p.yaml:3: 'k1' is -1; accepted: a number in [0, ");
    expect_contains(stage_error("first_stage:\n  type: bm25\n  k1: 1e39\n"),
                    "p.yaml:3: illegal k1 value inf");
    expect_contains(stage_error("first_stage:\n  type: bm25\n  k1: .nan\n"),
                    "p.yaml:3: 'k1' must be a number");
    expect_contains(stage_error("first_stage:\n  type: bm25\n  b: 1.5\n"),
                    "p.yaml:3: 'b' is 1.5; accepted: a number in [0, 1]");
    expect_contains(stage_error("first_stage:\n  type: bm25\n  b: -0.25\n"),
                    "p.yaml:3: 'b' is -0.25; accepted: a number in [0, 1]");
    // Lucene accepts any finite k1 >= 0, and so do `cascade search` and the stage.
    EXPECT_EQ(stage_error("first_stage: {type: bm25, k1: 2e6, b: 1}\n"), "");

    Bm25StageSpec spec;
    spec.params.k1 = -1.0F;
    expect_contains(spec_error(spec), "illegal k1 value -1");
    spec.params.k1 = std::numeric_limits<float>::infinity();
    expect_contains(spec_error(spec), "illegal k1 value inf");
    spec.params.k1 = std::numeric_limits<float>::quiet_NaN();
    expect_contains(spec_error(spec), "illegal k1 value");
    spec.params = {};
    spec.params.b = 1.5F;
    expect_contains(spec_error(spec), "illegal b value 1.5");
    spec.params.b = std::numeric_limits<float>::quiet_NaN();
    expect_contains(spec_error(spec), "illegal b value");
    spec.params = {};
    spec.k = 0;
    expect_contains(spec_error(spec), "k must be at least 1");
    spec.k = 10;
    spec.fields = {{"title", 1.0F}};
    expect_contains(spec_error(spec), "the index has no field 'title'");
    spec.fields = {{"contents", -1.0F}};
    expect_contains(spec_error(spec), "bad weight -1 for field 'contents'");
}

float float_from_bits(std::uint32_t bits) {
    float x = 0.0F;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

TEST_F(Bm25Pipeline, TheGeneratedTextReadsBackExactly) {
    std::mt19937 rng(20240610);
    std::vector<Bm25StageSpec> specs;
    const float edge_k1[] = {0.0F,
                             std::numeric_limits<float>::denorm_min(),
                             std::nextafter(0.9F, 0.0F),
                             std::nextafter(0.9F, 1.0F),
                             1.2F,
                             1e6F,
                             std::numeric_limits<float>::max()};
    const float edge_b[] = {0.0F,
                            std::numeric_limits<float>::denorm_min(),
                            std::nextafter(0.4F, 0.0F),
                            std::nextafter(0.4F, 1.0F),
                            0.75F,
                            std::nextafter(1.0F, 0.0F),
                            1.0F};
    for (std::size_t i = 0; i < std::size(edge_k1); ++i) {
        Bm25StageSpec spec;
        spec.params = {edge_k1[i], edge_b[i]};
        specs.push_back(spec);
    }
    const std::vector<std::string> names = {"yes", "null", "~",   "1.5", "#x", "a'b\"c\\",
                                            "ü",   "-",    "{x}", "*a",  "&a", "!a",
                                            "[",   "@a",   "a:b", "0x1F"};
    for (std::size_t i = 0; i < 300; ++i) {
        Bm25StageSpec spec;
        // Any finite non-negative float for k1; b uniform in [0, 1] over its bit patterns.
        do {
            spec.params.k1 = float_from_bits(rng() & 0x7FFFFFFFU);
        } while (!std::isfinite(spec.params.k1));
        spec.params.b = float_from_bits(static_cast<std::uint32_t>(rng() % 0x3F800001U));
        spec.algorithm = kAlgorithms[i % std::size(kAlgorithms)];
        spec.k = 1 + rng() % 7;
        spec.remove_query = i % 2 == 1;
        if (i % 3 == 0) {
            spec.fields = {{"contents", float_from_bits(rng() % 0x7F800000U)}};
        }
        spec.name = names[i % names.size()];
        specs.push_back(spec);
    }
    for (const Bm25StageSpec& spec : specs) {
        const std::string yaml = bm25_pipeline_yaml(spec);
        // bm25_pipeline asserts the same read-back; this says which value broke.
        const Pipeline p = Pipeline::parse(yaml, "gen.yaml", *m_index);
        const retrieve::Bm25Options& got = stage_of(p).options();
        ASSERT_EQ(got.params.k1, spec.params.k1) << yaml;
        ASSERT_EQ(got.params.b, spec.params.b) << yaml;
        ASSERT_EQ(got.algorithm, spec.algorithm) << yaml;
        ASSERT_EQ(p.name(), spec.name) << yaml;
        if (!spec.fields.empty()) {
            ASSERT_EQ(got.fields.size(), 1U) << yaml;
            ASSERT_EQ(got.fields[0].weight, spec.fields[0].weight) << yaml;
        }
        ASSERT_EQ(p.branches().front().head().describe(),
                  fmt::format("{},k={}", stage_of(p).name(), spec.k))
            << yaml;
        (void)bm25_pipeline(*m_index, spec);
    }
}

/// `results` as a run the way `cascade search` wrote it before it ran the pipeline.
Run retriever_run(const index::Index& index, const Bm25StageSpec& spec,
                  const std::vector<Query>& queries) {
    retrieve::Bm25Options options;
    options.params = spec.params;
    options.algorithm = spec.algorithm;
    options.fields = spec.fields;
    const retrieve::Bm25Retriever retriever(index, options);
    auto results = retriever.search(queries, spec.k);
    if (spec.remove_query) {
        retrieve::remove_query_hits(retriever, queries, results);
    }
    return retrieve::to_run(retriever, queries, results, spec.name);
}

void expect_same_run(const Run& got, const Run& want) {
    EXPECT_EQ(got.tag, want.tag);
    ASSERT_EQ(got.by_query.size(), want.by_query.size());
    for (const auto& [qid, entries] : want.by_query) {
        const auto it = got.by_query.find(qid);
        ASSERT_NE(it, got.by_query.end()) << qid;
        ASSERT_EQ(it->second.size(), entries.size()) << qid;
        for (std::size_t r = 0; r < entries.size(); ++r) {
            EXPECT_EQ(it->second[r].docid, entries[r].docid) << qid << " rank " << r + 1;
            EXPECT_EQ(it->second[r].score, entries[r].score) << qid << " rank " << r + 1;
            EXPECT_EQ(it->second[r].rank, entries[r].rank) << qid << " rank " << r + 1;
        }
    }
}

TEST_F(Bm25Pipeline, RanksAsTheRetrieverForEveryAlgorithmAndThreadCount) {
    const std::vector<Query> queries = {{"d2", "apple fig"},
                                        {"q2", "cherry"},
                                        {"q3", "nothing here"},
                                        {"q4", "apple apple banana"},
                                        {"q5", "fig elder date"}};
    for (Algorithm algorithm : kAlgorithms) {
        for (const bool remove_query : {false, true}) {
            for (const unsigned threads : {1U, 2U}) {
                Bm25StageSpec spec;
                spec.algorithm = algorithm;
                spec.remove_query = remove_query;
                spec.k = 3;
                spec.params = {1.2F, 0.75F};
                spec.name = "t";
                RunnerOptions options;
                options.threads = threads;
                const Pipeline p = bm25_pipeline(*m_index, spec, threads);
                const PipelineResult result = run_pipeline(p, *m_index, queries, options);
                SCOPED_TRACE(::testing::Message() << retrieve::algorithm_name(algorithm) << " rq "
                                                  << remove_query << " threads " << threads);
                expect_same_run(result.run, retriever_run(*m_index, spec, queries));
            }
        }
    }
}

TEST_F(Bm25Pipeline, KAboveTheDocumentCountIsLoweredToIt) {
    const std::vector<Query> queries = {{"q1", "apple"}, {"q2", "fig cherry"}};
    Bm25StageSpec spec;
    spec.k = std::size_t{1} << 40;
    const Pipeline p = bm25_pipeline(*m_index, spec);
    EXPECT_EQ(p.branches().front().head().describe(), "bm25(k1=0.9,b=0.4),k=5");
    const PipelineResult result = run_pipeline(p, *m_index, queries, RunnerOptions{});
    Bm25StageSpec all = spec;
    all.k = m_index->num_docs();
    expect_same_run(result.run, retriever_run(*m_index, all, queries));
    EXPECT_EQ(result.run.by_query.at("q1").size(), 4U);
}

}  // namespace
}  // namespace cascade::pipeline
