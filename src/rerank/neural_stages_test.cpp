/// cross_encoder and bi_encoder stages against one-pair-at-a-time oracles, with the random-
/// weight micro models of tests/golden/model (scores only need to agree, not to be good).
#include <algorithm>

#include <gtest/gtest.h>

#include "model/text_encoders.hpp"
#include "rerank/registry.hpp"
#include "rerank/test_index.hpp"
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

}  // namespace
}  // namespace cascade::rerank
