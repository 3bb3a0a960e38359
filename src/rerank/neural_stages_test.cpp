/// cross_encoder, bi_encoder and llm_pointwise stages against one-pair-at-a-time oracles, with
/// the random-weight micro models of tests/golden/model (scores only need to agree, not to be
/// good), and the probability cut-off after them.
#include <algorithm>

#include <gtest/gtest.h>

#include "model/text_encoders.hpp"
#include "rerank/registry.hpp"
#include "rerank/test_index.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/icr.hpp"
#include "runtime/listwise.hpp"
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

/// The order a FIRST pass over windows [1, 4) then [0, 2) gives, computed from the language
/// model directly (the windows written out by hand).
std::vector<std::uint32_t> first_oracle(const runtime::DecoderLm& lm, const index::Index& index,
                                        const std::string& query) {
    std::vector<std::uint32_t> order{0, 1, 2, 3};
    const runtime::ListwisePrompt prompt(lm, runtime::ListwiseMode::First,
                                         runtime::Identifiers::Letters, 100);
    for (const auto [begin, end] : {std::pair<std::size_t, std::size_t>{1, 4}, {0, 2}}) {
        std::vector<std::string> texts;
        for (std::size_t i = begin; i < end; ++i)
            texts.push_back(index.document(order[i]).text);
        const std::vector<std::vector<std::int32_t>> prompts{prompt.build(query, texts)};
        const auto logits = lm.last_logits(prompts, prompt.identifier_tokens(end - begin)).at(0);
        const auto best = runtime::order_by_logits(logits);
        std::vector<std::uint32_t> window;
        for (std::size_t i : best)
            window.push_back(order[begin + i]);
        std::copy(window.begin(), window.end(), order.begin() + static_cast<std::ptrdiff_t>(begin));
    }
    return order;
}

TEST(NeuralStages, LlmListwiseFirstRanksSlidingWindowsByIdentifierLogits) {
    Fixture f;
    auto stage = f.make("{type: llm_listwise, model: " + kReranker +
                        ", mode: first, window: 3, stride: 2, k: 4}");
    std::vector<Query> queries = {{"q1", "apple pie"}, {"q2", "cherry"}};
    std::vector<CandidateList> lists = {f.all_docs(), f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    FeatureId rank = 0;
    ASSERT_TRUE(f.features.find("llm_listwise_rank", rank));
    runtime::ModelOptions options;
    options.dir = kReranker;
    const runtime::DecoderLm lm(options);
    for (std::size_t q = 0; q < queries.size(); ++q) {
        const auto want = first_oracle(lm, f.index, queries[q].text);
        ASSERT_EQ(lists[q].size(), 4U);
        for (std::size_t i = 0; i < 4; ++i) {
            EXPECT_EQ(lists[q][i].docid, want[i]) << "query " << q << " position " << i;
            EXPECT_EQ(lists[q][i].feature(rank), static_cast<float>(i + 1));
            EXPECT_EQ(lists[q][i].score, static_cast<float>(4 - i));
        }
    }
}

TEST(NeuralStages, LlmListwiseGenerateKeepsEveryCandidate) {
    Fixture f;
    // A random-weight model writes no valid permutation: the parser keeps the old order for
    // what it does not name, and no candidate is lost or repeated.
    auto stage = f.make("{type: llm_listwise, model: " + kReranker +
                        ", window: 3, stride: 1, max_new_tokens: 6}");
    std::vector<Query> queries = {{"q1", "apple pie"}};
    std::vector<CandidateList> lists = {f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    std::vector<std::uint32_t> docs;
    for (const Candidate& c : lists[0])
        docs.push_back(c.docid);
    std::sort(docs.begin(), docs.end());
    EXPECT_EQ(docs, (std::vector<std::uint32_t>{0, 1, 2, 3}));
}

TEST(NeuralStages, IcrScoresAreCalibratedAttentionMasses) {
    Fixture f;
    auto stage = f.make("{type: icr, model: " + kReranker + ", k: 3}");
    std::vector<Query> queries = {{"q1", "apple pie"}};
    std::vector<CandidateList> lists = {f.all_docs()};
    StageContext ctx{&f.index, nullptr, nullptr, &f.features, {}};
    stage->run(queries, lists, ctx);
    ASSERT_EQ(lists[0].size(), 3U);
    runtime::ModelOptions options;
    options.dir = kReranker;
    const runtime::DecoderLm lm(options);
    std::vector<std::string> texts;
    for (std::uint32_t d = 0; d < 3; ++d)
        texts.push_back(f.index.document(d).text);
    const auto scores =
        runtime::icr_scores(lm, runtime::build_icr_prompt(lm, "apple pie", texts, 100));
    for (std::size_t i = 0; i < 3; ++i) {
        const Candidate& c = lists[0][i];
        EXPECT_NEAR(c.score, scores.at(c.docid), 1e-5);
        if (i > 0)
            EXPECT_GE(lists[0][i - 1].score, c.score);
    }
}

TEST(NeuralStages, ListLevelStagesRejectBadSettingsAtTheKey) {
    Fixture f;
    auto fails_at = [&](const std::string& yaml, const std::string& key_text) {
        try {
            (void)f.make(yaml);
            ADD_FAILURE() << "no error for " << yaml;
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(key_text), std::string::npos) << e.what();
        }
    };
    const std::string base = "type: llm_listwise\nmodel: " + kReranker + "\n";
    // "10" is two tokens in Qwen3's vocabulary: FIRST cannot read it at one position.
    fails_at(base + "mode: first\nidentifiers: numbers\nwindow: 12\n", "n.yaml:4:");
    fails_at(base + "window: 5\nstride: 6\n", "n.yaml:4:");
    fails_at(base + "window: 30\nidentifiers: letters\n", "26");
    fails_at(base + "instruction: Find fruit\n", "llm_pointwise");
    fails_at("type: llm_pointwise\nmodel: " + kReranker + "\nevidence_tokens: 8\n", "n.yaml:3:");
    fails_at("type: icr\nmodel: " + kModels + "bert-micro-ce\n", "not a decoder");
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
