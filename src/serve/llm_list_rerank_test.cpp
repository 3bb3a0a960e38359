/// `/v1/rerank` and `/rerank` with the list-level LLM re-rankers (listwise, first, icr) on the
/// random-weight qwen3-reranker-tiny folder: the order served is ListReranker::score's (the
/// public API `cascade rerank --method` prints), relevance_score is 1 − rank / n, TEI's
/// raw_scores the method's own score; the method comes from the request, else from the model.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cascade/model.hpp>

#include "serve/live_server_test.hpp"
#include "serve/request.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
using testing::LiveServer;

const std::filesystem::path kModels =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/model";
const std::filesystem::path kReranker = kModels / "qwen3-reranker-tiny";
const std::string kQuery = "capital of china";
// Seven documents: window 4, stride 2 slides three windows ([3,7), [1,5), [0,4)).
const std::vector<std::string> kDocs = {
    "Beijing is the capital of China.",       "Cats purr when they are content.",
    "The capital city hosts the government.", "Rivers flow into the sea.",
    "China has many large cities.",           "Paris is the capital of France.",
    "Shanghai is a port city in China."};

runtime::ModelOptions reranker() {
    runtime::ModelOptions options;
    options.dir = kReranker;
    return options;
}

/// What the public API (and so `cascade rerank --method`) scores the documents with.
std::vector<float> reference(ListMethod method, std::size_t window, std::size_t stride,
                             const std::vector<std::string>& docs = kDocs,
                             std::size_t passage_tokens = 100) {
    const ModelPool pool(ModelPoolOptions::for_command());
    ListRerankOptions list;
    list.method = method;
    list.window = window;
    list.stride = stride;
    list.passage_tokens = passage_tokens;
    return pool.list_reranker(reranker(), list).score(kQuery, docs);
}

/// Document indices by descending score, ties by index (the service's order).
std::vector<std::size_t> order_of(const std::vector<float>& scores) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    return order;
}

class ServeLlmList : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = new LiveServer();
        s_server->service().add_model("qwen", reranker());
        s_server->service().add_model("qwen-listwise", reranker(), RerankMethod::Listwise);
        s_server->service().add_model("qwen-first", reranker(), RerankMethod::First);
        s_server->service().add_model("qwen-icr", reranker(), RerankMethod::Icr);
        runtime::ModelOptions bert;
        bert.dir = kModels / "bert-micro-ce";
        s_server->service().add_model("bert", bert);
        s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        s_server = nullptr;
    }
    static json post(LiveServer& server, const std::string& path, const json& body,
                     int status = 200) {
        auto res = server.post(path, body.dump());
        EXPECT_TRUE(res) << path;
        if (!res)
            return {};
        EXPECT_EQ(res->status, status) << res->body;
        return json::parse(res->body);
    }
    static json rerank(json body, int status = 200) {
        body["query"] = kQuery;
        if (!body.contains("documents"))
            body["documents"] = kDocs;
        return post(*s_server, "/v1/rerank", body, status);
    }
    /// The served results must be `want`'s order with relevance 1 − rank / n.
    static void expect_served(const json& res, const std::vector<float>& want) {
        const auto order = order_of(want);
        const auto n = static_cast<float>(want.size());
        ASSERT_EQ(res["results"].size(), want.size()) << res.dump();
        for (std::size_t r = 0; r < want.size(); ++r) {
            const json& item = res["results"][r];
            EXPECT_EQ(item["index"].get<std::size_t>(), order[r]) << "rank " << r;
            EXPECT_FLOAT_EQ(item["relevance_score"].get<float>(),
                            1.0F - (static_cast<float>(r) / n))
                << "rank " << r;
            EXPECT_FALSE(item.contains("document"));
        }
    }
    static void expect_error(const json& body, int status, const std::string& field,
                             const std::string& needle) {
        const json err = rerank(body, status);
        EXPECT_EQ(err["error"]["field"], field) << err.dump();
        EXPECT_NE(err["error"]["message"].get<std::string>().find(needle), std::string::npos)
            << err.dump();
    }
    static LiveServer* s_server;
};
LiveServer* ServeLlmList::s_server = nullptr;

TEST_F(ServeLlmList, FirstServesTheListRerankerOrder) {
    const auto want = reference(ListMethod::First, 4, 2);
    expect_served(rerank({{"model", "qwen-first"}, {"window", 4}, {"stride", 2}}), want);
    // The same through a request override of the pointwise model.
    expect_served(rerank({{"model", "qwen"}, {"method", "first"}, {"window", 4}, {"stride", 2}}),
                  want);
    // Windows change the order the random model gives (else the check above proves little).
    EXPECT_NE(order_of(want), order_of(reference(ListMethod::First, 20, 10)));
    expect_served(rerank({{"model", "qwen-first"}}), reference(ListMethod::First, 20, 10));
}

TEST_F(ServeLlmList, ListwiseServesTheListRerankerOrder) {
    const auto want = reference(ListMethod::Listwise, 4, 2);
    // The random model's generated text names no passage, so every window keeps its order;
    // first's order differs, so serving the wrong mode fails the check below.
    EXPECT_NE(order_of(want), order_of(reference(ListMethod::First, 4, 2)));
    expect_served(rerank({{"model", "qwen-listwise"}, {"window", 4}, {"stride", 2}}), want);
    expect_served(rerank({{"model", "qwen"}, {"method", "listwise"}}),
                  reference(ListMethod::Listwise, 20, 10));
}

TEST_F(ServeLlmList, IcrServesTheCalibratedAttentionOrder) {
    const auto want = reference(ListMethod::Icr, 20, 10);
    expect_served(rerank({{"model", "qwen-icr"}}), want);
    expect_served(rerank({{"model", "qwen"}, {"method", "icr"}}), want);
}

TEST_F(ServeLlmList, TheRequestMethodOverridesTheModelsDefault) {
    // pointwise on a list model: the yes/no probabilities, not ranks.
    const json pointwise = rerank({{"model", "qwen-first"}, {"method", "pointwise"}});
    const json plain = rerank({{"model", "qwen"}});
    EXPECT_EQ(pointwise["results"], plain["results"]);
    // P(yes) values, not 1 − rank / n (the second result would be 1 − 1/7).
    ASSERT_EQ(plain["results"].size(), kDocs.size());
    EXPECT_GT(plain["results"][1]["relevance_score"].get<double>(), 0.9) << plain.dump();
    // A list model asked for another list method.
    expect_served(
        rerank({{"model", "qwen-icr"}, {"method", "first"}, {"window", 4}, {"stride", 2}}),
        reference(ListMethod::First, 4, 2));
}

TEST_F(ServeLlmList, TopNAndReturnDocuments) {
    const auto want = reference(ListMethod::First, 4, 2);
    const auto order = order_of(want);
    const json res = rerank({{"model", "qwen-first"},
                             {"window", 4},
                             {"stride", 2},
                             {"top_n", 3},
                             {"return_documents", true}});
    ASSERT_EQ(res["results"].size(), 3U) << res.dump();
    for (std::size_t r = 0; r < 3; ++r) {
        const json& item = res["results"][r];
        EXPECT_EQ(item["index"].get<std::size_t>(), order[r]);
        EXPECT_EQ(item["document"]["text"], kDocs[order[r]]);
        EXPECT_FLOAT_EQ(item["relevance_score"].get<float>(),
                        1.0F - (static_cast<float>(r) / static_cast<float>(kDocs.size())));
        EXPECT_FALSE(item.contains("evidence"));
    }
    EXPECT_EQ(res["model"], "qwen-first");
    EXPECT_GT(res["usage"]["total_tokens"].get<std::size_t>(), 0U);
}

TEST_F(ServeLlmList, BadMethodWindowOrStrideIs400NamingTheField) {
    expect_error({{"method", "rankgpt"}}, 400, "method", "listwise");
    expect_error({{"method", 2}}, 400, "method", "first");
    expect_error({{"method", "first"}, {"window", 0}}, 400, "window", "between 1 and 1000");
    expect_error({{"method", "first"}, {"window", "4"}}, 400, "window", "integer");
    expect_error({{"method", "listwise"}, {"window", 1001}}, 400, "window", "1000");
    expect_error({{"method", "first"}, {"window", 27}}, 400, "window", "26");
    expect_error({{"method", "listwise"}, {"stride", 0}}, 400, "stride", "between 1 and");
    expect_error({{"method", "listwise"}, {"window", 4}, {"stride", 5}}, 400, "stride", "window");
    expect_error({{"method", "listwise"}, {"stride", 21}}, 400, "stride", "20");
    expect_error({{"method", "icr"}, {"window", 4}}, 400, "window", "icr");
    expect_error({{"model", "qwen"}, {"stride", 4}}, 400, "stride", "pointwise");
    expect_error({{"method", "first"}, {"passage_tokens", -1}}, 400, "passage_tokens",
                 "between 0 (whole documents) and 32768");
    expect_error({{"method", "icr"}, {"passage_tokens", 32769}}, 400, "passage_tokens", "32768");
    expect_error({{"method", "icr"}, {"passage_tokens", "8"}}, 400, "passage_tokens", "integer");
    expect_error({{"model", "qwen"}, {"passage_tokens", 8}}, 400, "passage_tokens", "pointwise");
}

TEST_F(ServeLlmList, AListMethodOnACrossEncoderIs400) {
    for (const char* method : {"listwise", "first", "icr"})
        expect_error({{"model", "bert"}, {"method", method}}, 400, "method", "'bert'");
    EXPECT_EQ(rerank({{"model", "bert"}, {"method", "pointwise"}})["results"].size(), kDocs.size());
    LiveServer server;
    runtime::ModelOptions bert;
    bert.dir = kModels / "bert-micro-ce";
    EXPECT_THROW(server.service().add_model("bert", bert, RerankMethod::Icr), UsageError);
}

TEST_F(ServeLlmList, APromptTooLongForTheContextIs413) {
    std::vector<std::string> long_docs;
    std::string text;
    for (int i = 0; i < 150; ++i)
        text += " cat dog";
    long_docs.assign(20, text);  // 20 passages of 100 tokens exceed the 1024-token context
    const json err = rerank({{"model", "qwen-first"}, {"documents", long_docs}}, 413);
    EXPECT_EQ(err["error"]["field"], "documents") << err.dump();
    (void)rerank({{"model", "qwen-first"}});  // still serving
    // Whole documents (passage_tokens 0) do not fit either; 10 tokens each do, and the order
    // served is the one the public API gives with the same cut.
    (void)rerank({{"model", "qwen-first"}, {"documents", long_docs}, {"passage_tokens", 0}}, 413);
    for (const char* method : {"first", "icr"}) {
        const json res =
            rerank({{"method", method}, {"documents", long_docs}, {"passage_tokens", 10}}, 200);
        ASSERT_EQ(res["results"].size(), long_docs.size()) << res.dump();
        const ListMethod m = std::string(method) == "icr" ? ListMethod::Icr : ListMethod::First;
        expect_served(res, reference(m, 20, 10, long_docs, 10));
    }
}

TEST_F(ServeLlmList, PassageTokensCutsDocumentsAsTheListRerankerDoes) {
    // Two tokens per document: a different prompt, so a different order from the default cut
    // (which keeps every one of these short documents whole).
    const auto cut = reference(ListMethod::First, 4, 2, kDocs, 2);
    EXPECT_NE(order_of(cut), order_of(reference(ListMethod::First, 4, 2)));
    expect_served(
        rerank({{"model", "qwen-first"}, {"window", 4}, {"stride", 2}, {"passage_tokens", 2}}),
        cut);
    expect_served(rerank({{"model", "qwen-icr"}, {"passage_tokens", 2}}),
                  reference(ListMethod::Icr, 20, 10, kDocs, 2));
    // Fewer prompt tokens are counted in usage.
    const json whole = rerank({{"model", "qwen-first"}, {"passage_tokens", 0}});
    const json two = rerank({{"model", "qwen-first"}, {"passage_tokens", 2}});
    EXPECT_LT(two["usage"]["total_tokens"].get<std::size_t>(),
              whole["usage"]["total_tokens"].get<std::size_t>());
}

TEST(ServeLlmListTei, TeiAnswersWithTheDefaultModelsMethod) {
    LiveServer server;
    server.service().add_model("qwen-icr", reranker(), RerankMethod::Icr);
    server.start();
    const auto want = reference(ListMethod::Icr, 20, 10);
    const auto order = order_of(want);
    const json body = {{"query", kQuery}, {"texts", kDocs}};
    json raw_body = body;
    raw_body["raw_scores"] = true;
    raw_body["return_text"] = true;
    auto res = server.post("/rerank", body.dump());
    auto raw = server.post("/rerank", raw_body.dump());
    ASSERT_TRUE(res && raw);
    ASSERT_EQ(res->status, 200) << res->body;
    ASSERT_EQ(raw->status, 200) << raw->body;
    const json scaled = json::parse(res->body);
    const json own = json::parse(raw->body);
    ASSERT_EQ(scaled.size(), kDocs.size());
    ASSERT_EQ(own.size(), kDocs.size());
    for (std::size_t r = 0; r < kDocs.size(); ++r) {
        EXPECT_EQ(scaled[r]["index"].get<std::size_t>(), order[r]);
        EXPECT_FLOAT_EQ(scaled[r]["score"].get<float>(),
                        1.0F - (static_cast<float>(r) / static_cast<float>(kDocs.size())));
        EXPECT_FALSE(scaled[r].contains("text"));
        EXPECT_EQ(own[r]["index"].get<std::size_t>(), order[r]);
        EXPECT_NEAR(own[r]["score"].get<double>(), want[order[r]],
                    1e-4 * std::max(1.0, std::fabs(static_cast<double>(want[order[r]]))));
        EXPECT_EQ(own[r]["text"], kDocs[order[r]]);
    }
}

TEST(ServeLlmListTei, TeiRawScoresOfFirstAreNMinusRank) {
    LiveServer server;
    server.service().add_model("qwen-first", reranker(), RerankMethod::First);
    server.start();
    const auto want = reference(ListMethod::First, 20, 10);
    const auto order = order_of(want);
    auto raw = server.post("/rerank",
                           json{{"query", kQuery}, {"texts", kDocs}, {"raw_scores", true}}.dump());
    ASSERT_TRUE(raw);
    const json own = json::parse(raw->body);
    ASSERT_EQ(own.size(), kDocs.size()) << raw->body;
    for (std::size_t r = 0; r < kDocs.size(); ++r) {
        EXPECT_EQ(own[r]["index"].get<std::size_t>(), order[r]);
        EXPECT_EQ(own[r]["score"].get<double>(), static_cast<double>(kDocs.size() - r));
    }
}

TEST(ServeLlmListDeadline, AnExpiredDeadlineIs504BeforeTheFirstWindow) {
    ServiceOptions options;
    options.timeout = std::chrono::milliseconds(0);
    LiveServer server(options);
    server.service().add_model("qwen-listwise", reranker(), RerankMethod::Listwise);
    server.start();
    for (const char* method : {"listwise", "first", "icr"}) {
        auto res = server.post(
            "/v1/rerank", json{{"query", kQuery}, {"documents", kDocs}, {"method", method}}.dump());
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 504) << method << ": " << res->body;
        EXPECT_NE(res->body.find("deadline"), std::string::npos) << res->body;
    }
}

TEST(RerankRequest, MethodWindowAndStrideAreOptional) {
    RerankRequest req;
    EXPECT_FALSE(parse_rerank(
        R"({"query":"q","documents":["d"],"method":"first","window":4,"stride":2})", {}, req));
    EXPECT_EQ(req.method, RerankMethod::First);
    EXPECT_EQ(req.window, 4U);
    EXPECT_EQ(req.stride, 2U);
    RerankRequest none;
    EXPECT_FALSE(parse_rerank(R"({"query":"q","documents":["d"]})", {}, none));
    EXPECT_FALSE(none.method);
    EXPECT_EQ(none.window, 0U);
    EXPECT_EQ(none.stride, 0U);
}

TEST(ServeLlmListCli, RerankMethodOptionIsChecked) {
    namespace ct = cascade::testing;
    const std::string model = "qwen=" + kReranker.string();
    const auto unknown_name =
        ct::run_cli("serve --index x --model " + model + " --rerank-method other=first");
    EXPECT_EQ(unknown_name.exit_code, 2);
    EXPECT_NE(unknown_name.err.find("other"), std::string::npos) << unknown_name.err;
    const auto unknown_method =
        ct::run_cli("serve --index x --model " + model + " --rerank-method qwen=rankgpt");
    EXPECT_EQ(unknown_method.exit_code, 2);
    EXPECT_NE(unknown_method.err.find("rankgpt"), std::string::npos) << unknown_method.err;
}

}  // namespace
}  // namespace cascade::serve
