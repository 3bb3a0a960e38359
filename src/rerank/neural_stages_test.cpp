/// cross_encoder, bi_encoder and llm_pointwise stages against one-pair-at-a-time oracles, with
/// the random-weight micro models of tests/golden/model (scores only need to agree, not to be
/// good), and the probability cut-off after them.
#include <algorithm>

#include <gtest/gtest.h>

#include "model/text_encoders.hpp"
#include "rerank/registry.hpp"
#include "rerank/test_index.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/model_pool.hpp"

namespace cascade::rerank {
namespace {

using cascade::testing::TempDir;

const std::string kModels = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/";

struct Fixture {
    TempDir dir;
    index::Index index = testing::tiny_index(
        dir / "idx",
        {"apple banana apple cherry", "apple banana date", "cherry elder fig", "grape apple pie"});
    FeatureSchema features;
    runtime::ModelPool pool;
    StageRegistry registry;
    Fixture() { register_builtin_stages(registry); }

    std::unique_ptr<Stage> make(const std::string& yaml) {
        StageEnv env{&index, &features, 1, &pool};
        StageParams params(YAML::Load(yaml), "n.yaml");
        return registry.create(params, env);
    }
    CandidateList all_docs() {
        CandidateList list;
        for (std::uint32_t d = 0; d < index.num_docs(); ++d)
            list.push_back({d, 0.0F, {}});
        return list;
    }
};

TEST(NeuralStages, CrossEncoderMatchesPairByPairScores) {
    Fixture f;
    auto stage = f.make("{type: cross_encoder, model: " + kModels +
                        "bert-micro-ce, k: 3, "
                        "batch_size: 2}");
    std::vector<Query> queries = {{"q", "apple pie"}};
    std::vector<CandidateList> lists = {f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    ASSERT_EQ(lists[0].size(), 3U);  // the first k = 3 inputs, re-ordered
    model::CrossEncoder oracle(kModels + "bert-micro-ce", model::EncoderOptions{1, 1, false});
    for (std::size_t i = 0; i < lists[0].size(); ++i) {
        const Candidate& c = lists[0][i];
        EXPECT_LT(c.docid, 3U);
        const float want = oracle.score({{"apple pie", f.index.document(c.docid).text}})[0];
        EXPECT_NEAR(c.score, want, 1e-4);
        if (i > 0)
            EXPECT_GE(lists[0][i - 1].score, c.score);
    }
}

TEST(NeuralStages, BiEncoderScoresAreEmbeddingDotProducts) {
    Fixture f;
    auto stage = f.make("{type: bi_encoder, model: " + kModels + "bert-micro-bi, k: 10}");
    std::vector<Query> queries = {{"q", "cherry"}};
    std::vector<CandidateList> lists = {f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    ASSERT_EQ(lists[0].size(), 4U);
    model::BiEncoder oracle(kModels + "bert-micro-bi", model::EncoderOptions{1, 1, false});
    const std::vector<float> q = oracle.embed({"cherry"})[0];
    for (const Candidate& c : lists[0]) {
        const std::vector<float> d = oracle.embed({f.index.document(c.docid).text})[0];
        double dot = 0.0;
        for (std::size_t j = 0; j < q.size(); ++j)
            dot += static_cast<double>(q[j]) * d[j];
        EXPECT_NEAR(c.score, dot, 1e-4);
    }
}

TEST(NeuralStages, MissingOrBadModelIsAnInputError) {
    Fixture f;
    EXPECT_THROW((void)f.make("{type: cross_encoder, k: 3}"), InputError);
    try {
        (void)f.make("type: bi_encoder\nmodel: /nonexistent/model\n");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("n.yaml:2:"), std::string::npos) << e.what();
    }
}

const std::string kReranker = kModels + "qwen3-reranker-tiny";

/// P(yes) of each document of `query` from the model alone, one prompt per forward pass.
std::vector<float> pointwise_oracle(const std::string& query, const std::vector<std::string>& docs,
                                    const std::string& instruction) {
    runtime::ModelOptions options;
    options.dir = kReranker;
    runtime::DecoderReranker model(options, 1);
    model.set_shared_prefix(false);
    std::vector<float> out;
    for (const auto& d : docs) {
        const std::vector<std::string> one{d};
        const auto e = model.encode_pairs(query, one, model.max_length(), instruction);
        out.push_back(runtime::yes_probability(model.forward(e, 1).at(0)));
    }
    return out;
}

TEST(NeuralStages, LlmPointwiseScoresAreYesProbabilitiesOfEachQuery) {
    Fixture f;
    auto stage =
        f.make("{type: llm_pointwise, model: " + kReranker + ", k: 3, instruction: 'Find fruit'}");
    // Two queries in one call: their prompts share the scheduler's forward passes.
    std::vector<Query> queries = {{"q1", "apple pie"}, {"q2", "cherry"}};
    std::vector<CandidateList> lists = {f.all_docs(), f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    FeatureId id = 0;
    ASSERT_TRUE(f.features.find("llm_pointwise_score", id));
    for (std::size_t q = 0; q < queries.size(); ++q) {
        ASSERT_EQ(lists[q].size(), 3U);
        std::vector<std::string> docs;
        for (const Candidate& c : lists[q])
            docs.push_back(f.index.document(c.docid).text);
        const auto want = pointwise_oracle(queries[q].text, docs, "Find fruit");
        for (std::size_t i = 0; i < docs.size(); ++i) {
            const Candidate& c = lists[q][i];
            EXPECT_LT(c.docid, 3U);
            EXPECT_NEAR(c.score, want[i], 1e-5) << q << " " << i;
            EXPECT_EQ(c.feature(id), c.score);
            EXPECT_GE(c.score, 0.0F);
            EXPECT_LE(c.score, 1.0F);
            if (i > 0) {
                EXPECT_GE(lists[q][i - 1].score, c.score);
            }
        }
    }
}

TEST(NeuralStages, LlmPointwiseNeedsADecoderFolder) {
    Fixture f;
    try {
        (void)f.make("type: llm_pointwise\nmodel: " + kModels + "bert-micro-ce\n");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("n.yaml:2:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not a decoder"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)f.make("{type: llm_pointwise, model: " + kReranker + ", instruction: ''}"),
                 InputError);
}

CandidateList scored(std::initializer_list<float> scores) {
    CandidateList list;
    std::uint32_t d = 0;
    for (float s : scores)
        list.push_back({d++, s, {}});
    return list;
}

TEST(Cutoff, ProbabilityKeepsTheLikelyRelevantWithinMinKAndK) {
    Fixture f;
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    std::vector<Query> queries = {{"a", ""}, {"b", ""}, {"c", ""}};
    auto run = [&](const std::string& yaml, std::vector<CandidateList> lists) {
        f.make(yaml)->run(queries, lists, ctx);
        std::vector<std::size_t> sizes;
        for (const auto& l : lists)
            sizes.push_back(l.size());
        return sizes;
    };
    const std::vector<CandidateList> lists = {scored({0.9F, 0.7F, 0.5F, 0.2F}),
                                              scored({0.3F, 0.1F}), scored({1.0F, 1.0F, 0.99F})};
    EXPECT_EQ(run("{type: cutoff, method: probability}", lists),
              (std::vector<std::size_t>{3, 1, 3}));  // default 0.5, min_k 1
    EXPECT_EQ(run("{type: cutoff, method: probability, threshold: 0.8, min_k: 0}", lists),
              (std::vector<std::size_t>{1, 0, 3}));
    EXPECT_EQ(run("{type: cutoff, method: probability, threshold: 0.1, min_k: 2, k: 2}", lists),
              (std::vector<std::size_t>{2, 2, 2}));
    EXPECT_THROW((void)f.make("{type: cutoff, method: probability, threshold: 1.5}"), InputError);
    // Logits are not probabilities: a clear error, not a silent cut.
    std::vector<CandidateList> logits = {scored({3.5F}), scored({0.5F}), scored({0.5F})};
    try {
        f.make("{type: cutoff, method: probability}")->run(queries, logits, ctx);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("query a has the score 3.5"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace cascade::rerank
