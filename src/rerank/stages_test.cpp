/// Every stage against hand computations: RM3's feedback model on a 4-document collection,
/// RRF / min-max / z-score fusion, MMR picks, cut-off rules.
#include <cmath>

#include <gtest/gtest.h>

#include "rerank/cutoff.hpp"
#include "rerank/fusion.hpp"
#include "rerank/mmr.hpp"
#include "rerank/registry.hpp"
#include "rerank/rm3.hpp"
#include "rerank/test_index.hpp"
#include "retrieve/bm25_retriever.hpp"

namespace cascade::rerank {
namespace {

using cascade::testing::TempDir;

const std::vector<std::string> kDocs = {"apple banana apple cherry", "apple banana date",
                                        "cherry elder fig", "grape"};

TEST(FeatureValues, InlineAndSpilledIdsReadBackAndGapsAreNaN) {
    Candidate c;
    EXPECT_TRUE(std::isnan(c.feature(0)));
    EXPECT_EQ(c.features.size(), 0U);
    c.set_feature(3, 1.5F);
    EXPECT_EQ(c.features.size(), 4U);
    EXPECT_TRUE(std::isnan(c.feature(0)));
    EXPECT_TRUE(std::isnan(c.feature(2)));
    EXPECT_EQ(c.feature(3), 1.5F);
    // Past the inline slots: spilled, and the inline gap before it stays NaN.
    const FeatureId far = FeatureValues::kInline + 4;
    c.set_feature(far, -2.0F);
    EXPECT_EQ(c.features.size(), far + 1U);
    EXPECT_EQ(c.feature(far), -2.0F);
    EXPECT_TRUE(std::isnan(c.feature(FeatureValues::kInline + 1)));
    EXPECT_TRUE(std::isnan(c.feature(FeatureValues::kInline - 1)));
    EXPECT_TRUE(std::isnan(c.feature(far + 1)));
    c.set_feature(0, 7.0F);
    const Candidate copy = c;
    EXPECT_EQ(copy.feature(0), 7.0F);
    EXPECT_EQ(copy.feature(3), 1.5F);
    EXPECT_EQ(copy.feature(far), -2.0F);
}

TEST(Rm3, RelevanceModelByHand) {
    // d1 {apple 2, banana 1, cherry 1} pruned to 2 terms: apple, banana (tie -> term order),
    // norm 3; d2 {apple, banana, date} -> apple, banana, norm 2. Scores 2 and 1:
    // apple = 2/3*2 + 1/2*1 = 11/6, banana = 1/3*2 + 1/2*1 = 7/6; L1 -> 11/18, 7/18.
    std::vector<TermVector> docs = {{{"apple", 2}, {"banana", 1}, {"cherry", 1}},
                                    {{"apple", 1}, {"banana", 1}, {"date", 1}}};
    std::vector<float> scores = {2.0F, 1.0F};
    TermVector model = relevance_model(docs, scores, 2);
    ASSERT_EQ(model.size(), 2U);
    EXPECT_EQ(model[0].first, "apple");
    EXPECT_NEAR(model[0].second, 11.0 / 18.0, 1e-6);
    EXPECT_EQ(model[1].first, "banana");
    EXPECT_NEAR(model[1].second, 7.0 / 18.0, 1e-6);
    // Query "apple apple cherry" -> {apple 2/3, cherry 1/3}; weight 0.5.
    std::vector<std::string> tokens = {"apple", "apple", "cherry"};
    TermVector q = interpolate_query(tokens, model, 0.5F);
    ASSERT_EQ(q.size(), 3U);  // sorted by term
    EXPECT_NEAR(q[0].second, 0.5 * 2.0 / 3.0 + 0.5 * 11.0 / 18.0, 1e-6);
    EXPECT_EQ(q[1].first, "banana");
    EXPECT_NEAR(q[1].second, 0.5 * 7.0 / 18.0, 1e-6);
    EXPECT_NEAR(q[2].second, 0.5 / 3.0, 1e-6);
}

TEST(Rm3, EmptyFeedbackDocumentsAreSkipped) {
    std::vector<TermVector> docs = {{}, {{"x1", 3}}};
    std::vector<float> scores = {5.0F, 1.0F};
    TermVector model = relevance_model(docs, scores, 10);
    ASSERT_EQ(model.size(), 1U);
    EXPECT_FLOAT_EQ(model[0].second, 1.0F);
}

TEST(Rm3, ZeroScoresGiveZeroWeightsNotNaN) {
    std::vector<TermVector> docs = {{{"x1", 3}, {"y1", 1}}};
    std::vector<float> scores = {0.0F};
    for (const auto& [term, w] : relevance_model(docs, scores, 10)) {
        EXPECT_EQ(w, 0.0F) << term;
    }
}

TEST(Rm3, DocumentVectorsFilterLikeAnserini) {
    TempDir dir;
    auto index =
        testing::tiny_index(dir / "idx", {"x apple a1 b.c café apple", "apple", "fig", "fig", "fig",
                                          "fig", "fig", "fig", "fig", "fig", "fig"});
    auto analyzer = text::make_analyzer(index.analyzer_name());
    Rm3Params p;
    p.max_df_ratio = 1.0F;
    Rm3Expander all(index, *analyzer, "contents", p);
    // "x" (1 char) and "café" (non [a-z0-9]) are dropped; "b.c" too if the analyzer keeps it.
    TermVector v = all.document_vector(0);
    std::vector<std::string> terms;
    for (const auto& [t, w] : v)
        terms.push_back(t);
    EXPECT_EQ(terms, (std::vector<std::string>{"a1", "apple"}));
    EXPECT_EQ(v[1].second, 2.0F);
    // apple is in 2 of 11 documents (18% > 10%): Anserini's df ceiling drops it.
    p.max_df_ratio = 0.1F;
    Rm3Expander ceiling(index, *analyzer, "contents", p);
    v = ceiling.document_vector(0);
    ASSERT_EQ(v.size(), 1U);
    EXPECT_EQ(v[0].first, "a1");
}

TEST(Rm3, StageReRetrievesWithTheExpandedQuery) {
    TempDir dir;
    auto index = testing::tiny_index(dir / "idx", kDocs);
    FeatureSchema features;
    StageRegistry registry;
    register_builtin_stages(registry);
    StageEnv env{&index, &features, 1};
    StageParams bm25_params(YAML::Load("{type: bm25, k: 10}"), "t.yaml");
    auto bm25 = registry.create(bm25_params, env);
    StageParams rm3_params(
        YAML::Load("{type: rm3, fb_docs: 2, fb_terms: 2, max_df_ratio: 1.0, k: 10}"), "t.yaml");
    auto rm3 = registry.create(rm3_params, env);

    std::vector<Query> queries = {{"q1", "apple"}};
    std::vector<CandidateList> lists(1);
    const auto& first = dynamic_cast<const FirstStage&>(*bm25);
    StageContext ctx{&index, &first.retriever(), first.bm25(), &features, {}};
    bm25->run(queries, lists, ctx);
    ASSERT_EQ(lists[0].size(), 2U);  // d1, d2 contain apple
    const float s1 = lists[0][0].score;
    const float s2 = lists[0][1].score;
    EXPECT_EQ(index.external_id(lists[0][0].docid), "d1");

    // By hand: apple = 2/3 s1 + 1/2 s2, banana = 1/3 s1 + 1/2 s2, then L1, then mixed 0.5/0.5
    // with the query {apple: 1}.
    const double a = 2.0 / 3.0 * s1 + 0.5 * s2;
    const double b = 1.0 / 3.0 * s1 + 0.5 * s2;
    std::vector<retrieve::WeightedTerm> expected = {
        {"contents", "apple", static_cast<float>(0.5 + 0.5 * a / (a + b))},
        {"contents", "banana", static_cast<float>(0.5 * b / (a + b))}};
    std::vector<retrieve::Hit> want = first.bm25()->search_terms(expected, 10);

    rm3->run(queries, lists, ctx);
    ASSERT_EQ(lists[0].size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(lists[0][i].docid, want[i].docid);
        EXPECT_NEAR(lists[0][i].score, want[i].score, 1e-5);
    }
    FeatureId id = 0;
    ASSERT_TRUE(features.find("first_stage_score", id));
    EXPECT_FLOAT_EQ(lists[0][0].feature(id), s1);  // carried over from the first stage
}

TEST(Fusion, ReciprocalRankFusionByHand) {
    CandidateList a = {{1, 3.0F, {}}, {2, 2.0F, {}}, {3, 1.0F, {}}};
    CandidateList b = {{3, 10.0F, {}}, {1, 0.0F, {}}};
    std::vector<const CandidateList*> lists = {&a, &b};
    std::vector<double> w = {1.0, 1.0};
    CandidateList f = fuse(lists, w, FusionMethod::rrf);
    ASSERT_EQ(f.size(), 3U);
    EXPECT_EQ(f[0].docid, 1U);
    EXPECT_FLOAT_EQ(f[0].score, static_cast<float>(1.0 / 61 + 1.0 / 62));
    EXPECT_EQ(f[1].docid, 3U);
    EXPECT_FLOAT_EQ(f[1].score, static_cast<float>(1.0 / 63 + 1.0 / 61));
    EXPECT_EQ(f[2].docid, 2U);
    EXPECT_FLOAT_EQ(f[2].score, static_cast<float>(1.0 / 62));
}

TEST(Fusion, NormalizedCombinationsByHand) {
    CandidateList a = {{1, 3.0F, {}}, {2, 2.0F, {}}, {3, 1.0F, {}}};
    CandidateList b = {{3, 10.0F, {}}, {1, 0.0F, {}}};
    std::vector<const CandidateList*> lists = {&a, &b};
    // min-max: a -> 1, .5, 0; b -> 1, 0. Weights 1, 2: d3 = 2, d1 = 1, d2 = .5.
    std::vector<double> w = {1.0, 2.0};
    CandidateList f = fuse(lists, w, FusionMethod::minmax);
    ASSERT_EQ(f.size(), 3U);
    EXPECT_EQ(f[0].docid, 3U);
    EXPECT_FLOAT_EQ(f[0].score, 2.0F);
    EXPECT_EQ(f[1].docid, 1U);
    EXPECT_FLOAT_EQ(f[2].score, 0.5F);
    // z-score (population sd): a mean 2 sd sqrt(2/3); b mean 5 sd 5.
    std::vector<double> ones = {1.0, 1.0};
    f = fuse(lists, ones, FusionMethod::zscore);
    const double z = 1.0 / std::sqrt(2.0 / 3.0);
    EXPECT_EQ(f[0].docid, 1U);
    EXPECT_NEAR(f[0].score, z - 1.0, 1e-6);
    EXPECT_EQ(f[1].docid, 2U);
    EXPECT_NEAR(f[1].score, 0.0, 1e-6);
    EXPECT_NEAR(f[2].score, 1.0 - z, 1e-6);
}

TEST(Mmr, PicksByHand) {
    // rel 1, .9, .2; sim(0,1) = .95, sim(0,2) = 0, sim(1,2) = .1.
    std::vector<double> rel = {1.0, 0.9, 0.2};
    auto sim = [](std::size_t i, std::size_t j) {
        if (i > j)
            std::swap(i, j);
        if (i == 0 && j == 1)
            return 0.95;
        if (i == 1 && j == 2)
            return 0.1;
        return 0.0;
    };
    // lambda .5: pick 0 (.5); then d1 = .45 - .475 = -.025, d2 = .1 -> 2; then 1.
    EXPECT_EQ(mmr_order(rel, sim, 0.5, 3), (std::vector<std::size_t>{0, 2, 1}));
    EXPECT_EQ(mmr_order(rel, sim, 1.0, 3), (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_EQ(mmr_order(rel, sim, 0.5, 2), (std::vector<std::size_t>{0, 2}));
    std::vector<float> scores = {4.0F, 2.0F, 0.0F};
    EXPECT_EQ(min_max_normalize(scores), (std::vector<double>{1.0, 0.5, 0.0}));
    EXPECT_NEAR(sparse_cosine({{"a", 1}, {"b", 1}}, {{"b", 2}, {"c", 2}}), 0.5, 1e-12);
}

TEST(Cutoff, ThresholdAndKneeByHand) {
    std::vector<float> s = {10, 9, 3, 2.5F, 2, 1.5F, 1};
    EXPECT_EQ(threshold_cutoff(s, 2.5F), 4U);
    EXPECT_EQ(threshold_cutoff(s, 100.0F), 0U);
    // chord y = 1 - x; at rank 3: x = 1/3, y = 2/9, gap 4/9 is the largest -> keep 3.
    EXPECT_EQ(knee_cutoff(s), 3U);
    std::vector<float> flat = {1, 1, 1, 1};
    EXPECT_EQ(knee_cutoff(flat), 4U);
    std::vector<float> line = {4, 3, 2, 1};
    EXPECT_EQ(knee_cutoff(line), 4U);  // no point below the chord
}

TEST(Registry, UnknownTypesAndKeysListTheAccepted) {
    TempDir dir;
    auto index = testing::tiny_index(dir / "idx", kDocs);
    FeatureSchema features;
    StageRegistry registry;
    register_builtin_stages(registry);
    StageEnv env{&index, &features, 1};
    StageParams unknown(YAML::Load("{type: bm99}"), "p.yaml");
    try {
        (void)registry.create(unknown, env);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("accepted: bi_encoder, bm25, cross_encoder"),
                  std::string::npos)
            << e.what();
    }
    StageParams key(YAML::Load("type: rm3\nfb_doc: 5\n"), "p.yaml");
    try {
        (void)registry.create(key, env);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("p.yaml:2: unknown key 'fb_doc'"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("fb_docs"), std::string::npos);
    }
}

}  // namespace
}  // namespace cascade::rerank
