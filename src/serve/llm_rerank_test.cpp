/// `/v1/rerank` and `/rerank` on a decoder yes/no re-ranker (the random-weight
/// qwen3-reranker-tiny folder): relevance_score is P(yes) = sigmoid(logit(yes) − logit(no))
/// computed in fp32 from the model's logit difference, TEI's raw_scores is that difference,
/// and the instruction comes from the request, else from the model's --instruction.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/decoder_reranker.hpp"
#include "serve/live_server_test.hpp"
#include "serve/request.hpp"
#include "util/error.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
using testing::LiveServer;

const std::filesystem::path kReranker =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/model/qwen3-reranker-tiny";
const std::string kClaims = "Given a scientific claim, retrieve documents that support it";
const std::vector<std::string> kDocs = {"Beijing is the capital of China.", "Cats purr.",
                                        "Beijing is the capital of China.",
                                        "The capital city hosts the government."};

runtime::ModelOptions reranker(const std::string& instruction = "") {
    runtime::ModelOptions options;
    options.dir = kReranker;
    if (!instruction.empty())
        options.set("instruction", instruction);
    return options;
}

/// logit(yes) − logit(no) of each document, each prompt run alone.
std::vector<float> differences(const std::string& query, const std::string& instruction) {
    runtime::DecoderReranker model(reranker(), 1);
    model.set_shared_prefix(false);
    std::vector<float> out;
    for (const auto& d : kDocs) {
        const std::vector<std::string> one{d};
        out.push_back(
            model.forward(model.encode_pairs(query, one, model.max_length(), instruction), 1)
                .at(0));
    }
    return out;
}

class ServeLlm : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = new LiveServer();
        s_server->service().add_model("qwen", reranker());
        s_server->service().add_model("qwen-claims", reranker(kClaims));
        auto evidence = reranker();
        evidence.evidence_tokens = 4;
        s_server->service().add_model("qwen-evidence", evidence);
        s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        s_server = nullptr;
    }
    static json post_json(const std::string& path, const json& body, int status = 200) {
        auto res = s_server->post(path, body.dump());
        EXPECT_TRUE(res) << path;
        if (!res)
            return {};
        EXPECT_EQ(res->status, status) << res->body;
        return json::parse(res->body);
    }
    /// relevance_score by document index.
    static std::vector<double> rerank(const json& body) {
        const json out = post_json("/v1/rerank", body);
        std::vector<double> scores(kDocs.size(), -1.0);
        for (const auto& r : out["results"])
            scores[r["index"].get<std::size_t>()] = r["relevance_score"].get<double>();
        return scores;
    }
    static LiveServer* s_server;
};
LiveServer* ServeLlm::s_server = nullptr;

TEST_F(ServeLlm, ModelsWithDifferentInstructionsShareOneCopy) {
    // qwen and qwen-claims share one copy; qwen-evidence shares it too and adds the language
    // model that writes its evidence (same weights).
    EXPECT_EQ(s_server->service().models()->loads(), 2U);
}

TEST_F(ServeLlm, EvidenceComesWithYesVerdictsOnly) {
    const json body = {{"query", "capital of china"}, {"documents", kDocs}};
    json with = body;
    with["model"] = "qwen-evidence";
    const json res = post_json("/v1/rerank", with);
    ASSERT_EQ(res["results"].size(), kDocs.size());
    std::size_t yes = 0;
    for (const auto& r : res["results"]) {
        const bool verdict = r["relevance_score"].get<double>() > 0.5;
        EXPECT_EQ(r.contains("evidence"), verdict) << r.dump();
        if (verdict) {
            EXPECT_TRUE(r["evidence"].is_string());
            ++yes;
        }
    }
    EXPECT_GT(yes, 0U) << "the random-weight model said no to every document: pick other ones";
    // Models without evidence_tokens never add the field.
    // (The answer is held in a variable: a range-for over a member of a temporary reads it
    // after it is destroyed, which ASan caught here.)
    const json plain = post_json("/v1/rerank", body);
    ASSERT_EQ(plain["results"].size(), kDocs.size());
    for (const auto& r : plain["results"])
        EXPECT_FALSE(r.contains("evidence"));
}

TEST(ServeLlmEvidence, EvidenceOnAnEncoderModelIsRefused) {
    LiveServer server;
    runtime::ModelOptions options;
    options.dir = std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/model/bert-micro-ce";
    options.evidence_tokens = 4;
    try {
        server.service().add_model("bert", options);
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("evidence_tokens"), std::string::npos) << e.what();
    }
}

TEST_F(ServeLlm, RelevanceScoreIsTheYesProbability) {
    const auto want = differences("capital of china", runtime::ModelOptions{}.instruction);
    const auto got = rerank({{"query", "capital of china"}, {"documents", kDocs}});
    for (std::size_t i = 0; i < kDocs.size(); ++i) {
        EXPECT_NEAR(got[i], runtime::yes_probability(want[i]), 1e-6) << i;
        EXPECT_NEAR(got[i], 1.0 / (1.0 + std::exp(-static_cast<double>(want[i]))), 1e-6) << i;
    }
    EXPECT_EQ(got[0], got[2]);  // the same document, once alone and once in a shared batch
}

TEST_F(ServeLlm, TeiRawScoresAreTheLogitDifference) {
    const auto want = differences("capital of china", runtime::ModelOptions{}.instruction);
    const json raw = post_json(
        "/rerank", {{"query", "capital of china"}, {"texts", kDocs}, {"raw_scores", true}});
    const json sig = post_json("/rerank", {{"query", "capital of china"}, {"texts", kDocs}});
    ASSERT_EQ(raw.size(), kDocs.size());
    for (std::size_t r = 0; r < raw.size(); ++r) {
        const auto i = raw[r]["index"].get<std::size_t>();
        EXPECT_NEAR(raw[r]["score"].get<double>(), want[i],
                    1e-5 * std::max(1.0F, std::fabs(want[i])));
        EXPECT_NEAR(sig[r]["score"].get<double>(), runtime::yes_probability(want[i]), 1e-6);
    }
}

TEST_F(ServeLlm, InstructionFromTheRequestElseFromTheModel) {
    const auto claims = differences("capital of china", kClaims);
    const auto by_request =
        rerank({{"query", "capital of china"}, {"documents", kDocs}, {"instruction", kClaims}});
    const auto by_model =
        rerank({{"query", "capital of china"}, {"documents", kDocs}, {"model", "qwen-claims"}});
    const auto plain = rerank({{"query", "capital of china"}, {"documents", kDocs}});
    for (std::size_t i = 0; i < kDocs.size(); ++i) {
        EXPECT_NEAR(by_request[i], runtime::yes_probability(claims[i]), 1e-6) << i;
        EXPECT_EQ(by_model[i], by_request[i]) << i;
    }
    EXPECT_NE(plain, by_request);
}

TEST_F(ServeLlm, AQueryTooLongForThePromptIs413) {
    std::string query;
    for (int i = 0; i < 1100; ++i)
        query += " cat";
    const json err = post_json("/v1/rerank", {{"query", query}, {"documents", kDocs}}, 413);
    EXPECT_EQ(err["error"]["field"], "query");
    EXPECT_NE(err["error"]["message"].get<std::string>().find("1024"), std::string::npos);
    // The server keeps serving.
    (void)rerank({{"query", "capital"}, {"documents", kDocs}});
}

TEST(RerankRequest, InstructionIsAnOptionalNonEmptyString) {
    RerankRequest req;
    EXPECT_FALSE(
        parse_rerank(R"({"query":"q","documents":["d"],"instruction":"Find it"})", {}, req));
    EXPECT_EQ(req.instruction, "Find it");
    RerankRequest none;
    EXPECT_FALSE(parse_rerank(R"({"query":"q","documents":["d"]})", {}, none));
    EXPECT_TRUE(none.instruction.empty());
    for (const char* bad : {R"({"query":"q","documents":["d"],"instruction":3})",
                            R"({"query":"q","documents":["d"],"instruction":" "})"}) {
        RerankRequest r;
        const auto e = parse_rerank(bad, {}, r);
        ASSERT_TRUE(e) << bad;
        EXPECT_EQ(e->field, "instruction");
    }
}

}  // namespace
}  // namespace cascade::serve
