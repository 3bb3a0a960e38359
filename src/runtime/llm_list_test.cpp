/// Listwise (RankGPT generation, FIRST) and ICR on the random-weight Qwen3-shaped re-ranker of
/// tests/golden/model against tests/reference/make_llm_list_goldens.py (PyTorch, float64, prompt
/// ids from Hugging Face's tokenizer): prompt ids exactly, greedy tokens exactly, logits and
/// attention masses within 1e-4. Also the window plan, the permutation parser on malformed
/// answers, and shared weights.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/decoder_reranker.hpp"
#include "runtime/icr.hpp"
#include "runtime/listwise.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

const std::filesystem::path kModels =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/model";

nlohmann::json golden() {
    std::ifstream in(kModels / "qwen3-reranker-tiny.list.golden.json");
    return nlohmann::json::parse(in);
}

const nlohmann::json& case_of(const nlohmann::json& g, std::string_view kind, int nth = 0) {
    for (const auto& c : g.at("cases"))
        if (c.at("kind") == kind && nth-- == 0)
            return c;
    throw std::runtime_error("no golden case " + std::string(kind));
}

ModelOptions options() {
    ModelOptions o;
    o.dir = kModels / "qwen3-reranker-tiny";
    o.threads = 2;
    return o;
}

void expect_near(double got, double want, double tolerance, const std::string& what) {
    EXPECT_LE(std::abs(got - want), tolerance * std::max(1.0, std::abs(want)))
        << what << ": " << got << " vs " << want;
}

TEST(LlmListGolden, ListwisePromptIdsAndGreedyTokens) {
    const auto g = golden();
    const auto& c = case_of(g, "listwise");
    const DecoderLm lm(options());
    const ListwisePrompt prompt(lm, ListwiseMode::Generate, Identifiers::Numbers,
                                c.at("passage_tokens").get<std::size_t>());
    const auto passages = c.at("passages").get<std::vector<std::string>>();
    const auto ids = prompt.build(c.at("query").get<std::string>(), passages);
    ASSERT_EQ(ids, c.at("ids").get<std::vector<std::int32_t>>());
    model::GenerationOptions greedy;
    greedy.max_new_tokens = 12;  // no stop tokens: the reference does not stop
    const std::vector<std::vector<std::int32_t>> prompts{ids, ids};
    const auto out = lm.generate(prompts, greedy);
    EXPECT_EQ(out[0].tokens, c.at("greedy").get<std::vector<std::int32_t>>());
    EXPECT_EQ(out[1].tokens, out[0].tokens);
}

TEST(LlmListGolden, FirstIdentifierLogits) {
    const auto g = golden();
    const auto& c = case_of(g, "first");
    const DecoderLm lm(options());
    const ListwisePrompt prompt(lm, ListwiseMode::First, Identifiers::Letters,
                                c.at("passage_tokens").get<std::size_t>());
    const auto passages = c.at("passages").get<std::vector<std::string>>();
    const auto ids = prompt.build(c.at("query").get<std::string>(), passages);
    ASSERT_EQ(ids, c.at("ids").get<std::vector<std::int32_t>>());
    const auto tokens = prompt.identifier_tokens(passages.size());
    ASSERT_EQ(tokens, c.at("identifier_ids").get<std::vector<std::int32_t>>());
    const std::vector<std::vector<std::int32_t>> prompts{ids};
    const auto logits = lm.last_logits(prompts, tokens).at(0);
    const auto want = c.at("logits").get<std::vector<double>>();
    ASSERT_EQ(logits.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        expect_near(logits[i], want[i], 1e-4, "identifier " + std::to_string(i));
    // The window's order is the identifiers' by logit.
    std::vector<float> wantf(want.begin(), want.end());
    EXPECT_EQ(order_by_logits(logits), order_by_logits(wantf));
}

TEST(LlmListGolden, IcrPromptAndCalibratedAttentionScores) {
    const auto g = golden();
    const DecoderLm lm(options());
    for (int nth = 0; nth < 2; ++nth) {
        const auto& c = case_of(g, "icr", nth);
        const auto docs = c.at("passages").get<std::vector<std::string>>();
        const IcrPrompt p = build_icr_prompt(lm, c.at("query").get<std::string>(), docs,
                                             c.at("passage_tokens").get<std::size_t>());
        ASSERT_EQ(p.prefix, c.at("ids").get<std::vector<std::int32_t>>());
        ASSERT_EQ(p.query, c.at("query_ids").get<std::vector<std::int32_t>>());
        ASSERT_EQ(p.calibration, c.at("calibration_ids").get<std::vector<std::int32_t>>());
        const auto spans = c.at("spans").get<std::vector<std::vector<std::size_t>>>();
        ASSERT_EQ(p.spans.size(), spans.size());
        for (std::size_t i = 0; i < spans.size(); ++i) {
            EXPECT_EQ(p.spans[i].first, spans[i][0]);
            EXPECT_EQ(p.spans[i].second, spans[i][1]);
        }
        const std::vector<std::vector<std::int32_t>> both{p.query, p.calibration};
        const auto mass = lm.attention_mass(p.prefix, both, p.spans);
        const auto scores = icr_scores(lm, p);
        const auto qm = c.at("query_mass").get<std::vector<double>>();
        const auto cm = c.at("calibration_mass").get<std::vector<double>>();
        const auto want = c.at("scores").get<std::vector<double>>();
        for (std::size_t i = 0; i < want.size(); ++i) {
            const std::string at = "case " + std::to_string(nth) + " doc " + std::to_string(i);
            expect_near(mass[0][i], qm[i], 1e-4, at + " query mass");
            expect_near(mass[1][i], cm[i], 1e-4, at + " N/A mass");
            EXPECT_NEAR(scores[i], want[i], 1e-4) << at;
        }
    }
}

TEST(LlmListGolden, EvidenceContinuesAfterTheYesVerdict) {
    const auto g = golden();
    const auto& c = case_of(g, "evidence");
    const DecoderLm lm(options());
    const DecoderReranker reranker(options(), 1);
    const std::vector<std::string> queries(2, c.at("query").get<std::string>());
    const std::vector<std::string> docs(2, c.at("document").get<std::string>());
    const std::string instruction = c.at("instruction").get<std::string>();
    ASSERT_EQ(
        reranker.encode_pairs(queries[0], std::span(docs).first(1), 1024, instruction).at(0).ids,
        c.at("ids").get<std::vector<std::int32_t>>());
    ASSERT_EQ(reranker.yes_id(), c.at("yes_id").get<std::int32_t>());
    // A yes verdict (difference > 0) gets evidence, a no verdict none.
    const std::vector<float> differences{0.7F, -0.2F};
    const auto evidence =
        pointwise_evidence(lm, reranker, queries, docs, differences, 8, instruction);
    ASSERT_EQ(evidence.size(), 2U);
    auto tokens = c.at("greedy").get<std::vector<std::int32_t>>();
    const auto stop = std::find_first_of(tokens.begin(), tokens.end(), lm.stop_tokens().begin(),
                                         lm.stop_tokens().end());
    if (stop != tokens.end())
        tokens.erase(stop + 1, tokens.end());
    std::string want = lm.tokenizer().decode(tokens);
    want.erase(0, std::min(want.size(), want.find_first_not_of(" \n\t")));
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(evidence[0], want);
    EXPECT_EQ(evidence[1], "");
}

TEST(LlmListGolden, PromptsLongerThanTheContextAreClearErrors) {
    ModelOptions o = options();
    o.max_length = 64;
    const DecoderLm lm(o);
    const std::vector<std::string> docs(4, "a long passage about many things");
    try {
        (void)build_icr_prompt(lm, "query", docs, 0);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("max_length"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("4 documents"), std::string::npos) << e.what();
    }
}

TEST(LlmList, WeightsAreSharedPerFolderAndPrecision) {
    const DecoderLm lm(options());
    ModelOptions other = options();
    other.max_length = 512;  // does not change the weights
    other.instruction = "something else";
    EXPECT_EQ(shared_decoder_weights(other).get(), &lm.model());
    ModelOptions int8 = options();
    int8.precision = Precision::Int8;
    EXPECT_NE(shared_decoder_weights(int8).get(), &lm.model());
}

TEST(LlmList, TokenizerWithoutChatTokensIsNamed) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / "cascade_llm_list_no_chatml";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const char* f : {"config.json", "model.safetensors"})
        std::filesystem::copy_file(kModels / "qwen3-reranker-tiny" / f, dir / f);
    std::filesystem::copy_file(kModels / "../tokenizer/unigram_xlmr_style.tokenizer.json",
                               dir / "tokenizer.json");
    ModelOptions o;
    o.dir = dir;
    try {
        const DecoderLm lm(o);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("<|im_start|>"), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
}

TEST(ListwiseWindows, PassesAsRankGptDefinesThem) {
    const auto w = sliding_windows(100, 20, 10);
    ASSERT_EQ(w.size(), 9U);  // windows start at 80, 70, ..., 0
    for (std::size_t i = 0; i < w.size(); ++i) {
        EXPECT_EQ(w[i].begin, 80 - 10 * i);
        EXPECT_EQ(w[i].end, 100 - 10 * i);
    }
    const auto odd = sliding_windows(25, 20, 10);  // one more pass covers the top
    ASSERT_EQ(odd.size(), 2U);
    EXPECT_EQ(odd[0].begin, 5U);
    EXPECT_EQ(odd[1].begin, 0U);
    EXPECT_EQ(odd[1].end, 15U);
    EXPECT_EQ(sliding_windows(7, 20, 10).size(), 1U);
    EXPECT_EQ(sliding_windows(0, 20, 10).size(), 0U);
    EXPECT_EQ(sliding_windows(100, 20, 20).size(), 5U);
    EXPECT_THROW((void)sliding_windows(10, 5, 6), UsageError);
    EXPECT_THROW((void)sliding_windows(10, 0, 1), UsageError);
}

TEST(ListwisePermutation, MalformedAnswersNeverFail) {
    using V = std::vector<std::size_t>;
    EXPECT_EQ(parse_permutation("[2] > [3] > [1]", 3, Identifiers::Numbers), (V{1, 2, 0}));
    EXPECT_EQ(parse_permutation("", 3, Identifiers::Numbers), (V{0, 1, 2}));
    EXPECT_EQ(parse_permutation("no ranking, sorry", 3, Identifiers::Numbers), (V{0, 1, 2}));
    // repeated, out of range and zero are skipped; the missing follow in their old order
    EXPECT_EQ(parse_permutation("[2] > [2] > [9] > [0] > [3]", 4, Identifiers::Numbers),
              (V{1, 2, 0, 3}));
    EXPECT_EQ(parse_permutation("3, 1", 4, Identifiers::Numbers), (V{2, 0, 1, 3}));
    EXPECT_EQ(parse_permutation("[12] > [3] > [99999999999999999999]", 12, Identifiers::Numbers),
              (V{11, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9, 10}));
    // cut off mid-answer
    EXPECT_EQ(parse_permutation("[4] > [1] > [", 4, Identifiers::Numbers), (V{3, 0, 1, 2}));
    EXPECT_EQ(parse_permutation("[C] > [A] > [b] > Z", 3, Identifiers::Letters), (V{2, 0, 1}));
    // letters inside words are not identifiers
    EXPECT_EQ(parse_permutation("Because B > A", 2, Identifiers::Letters), (V{1, 0}));
}

TEST(ListwisePermutation, FirstOrdersByLogitWithEarlierPositionOnTies) {
    const std::vector<float> logits{0.5F, 2.0F, 0.5F, -1.0F};
    EXPECT_EQ(order_by_logits(logits), (std::vector<std::size_t>{1, 0, 2, 3}));
}

}  // namespace
}  // namespace cascade::runtime
