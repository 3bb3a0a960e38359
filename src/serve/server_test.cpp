/// Real HTTP against the service on 127.0.0.1 (ephemeral ports): an in-process server with the
/// committed micro cross-encoder and a tiny index, and the `cascade serve` binary for SIGTERM.
#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "model/text_encoders.hpp"
#include "pipeline/bm25_pipeline.hpp"
#include "pipeline/runner.hpp"
#include "runtime/fake_model.hpp"
#include "runtime/model_pool.hpp"
#include "serve/live_server_test.hpp"
#include "tests/run_cli.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
namespace ct = cascade::testing;
using testing::LiveServer;

const std::filesystem::path kModel =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/model/bert-micro-ce";

/// Builds a five-document index with the real binary once for the suite.
runtime::ModelOptions model_folder(const std::filesystem::path& dir) {
    runtime::ModelOptions options;
    options.dir = dir;
    return options;
}

/// A pool loader whose every replica is a FakeModel over `state`.
runtime::ModelLoader fake_loader(runtime::testing::FakeModelState& state) {
    return [&state](const runtime::ModelOptions&, runtime::Task, std::size_t) {
        return std::make_unique<runtime::testing::FakeModel>(state);
    };
}

const std::filesystem::path& tiny_index() {
    static ct::TempDir dir;
    static bool built = [] {
        ct::write_file(dir / "corpus.jsonl",
                       R"({"_id":"d1","title":"Cats","text":"Cats purr and sleep all day."})"
                       "\n"
                       R"({"_id":"d2","title":"Dogs","text":"Dogs bark at cats and chase balls."})"
                       "\n"
                       R"({"_id":"d3","title":"Fish","text":"Fish swim in water."})"
                       "\n"
                       R"({"_id":"d4","title":"Birds","text":"Birds sing; some birds fly south."})"
                       "\n"
                       R"({"_id":"d5","title":"Long","text":")" +
                           std::string(300, 'x') + " cats " + std::string(300, 'y') + "\"}\n");
        auto r = ct::run_cli("index --collection " + (dir / "corpus.jsonl").string() + " --index " +
                             (dir / "index").string());
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return true;
    }();
    (void)built;
    static const auto path = dir / "index";
    return path;
}

class ServeHttp : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = new LiveServer();
        s_server->service().open_index(tiny_index());
        s_server->service().add_model("micro", model_folder(kModel));
        s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        s_server = nullptr;
    }
    static json post_json(const std::string& path, const std::string& body, int status = 200) {
        auto res = s_server->post(path, body);
        EXPECT_TRUE(res) << path;
        if (!res)
            return {};
        EXPECT_EQ(res->status, status) << res->body;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
        return json::parse(res->body);
    }
    static LiveServer* s_server;
};
LiveServer* ServeHttp::s_server = nullptr;

const std::vector<std::string> kDocs = {"cats purr", "the stock market fell", "cats purr",
                                        "a dog chased the cat", "quantum chromodynamics"};

/// A replica's forward pass on fewer threads than its pool (its share of the budget) scores
/// as on all of them, and a count past the pool is clamped, not an error.
TEST(ServeCrossEncoder, ScoresDoNotDependOnTheThreadsOfThePass) {
    runtime::ModelOptions options = model_folder(kModel);
    options.batch_size = 2;  // several forward calls per score()
    auto scorer = runtime::load_model(options, runtime::Task::ScorePairs, 3);
    const auto encodings = scorer->encode_pairs("cat", kDocs, scorer->max_length());
    const auto all = scorer->forward(encodings, 3);
    ASSERT_EQ(all.size(), kDocs.size());
    for (std::size_t threads : {1U, 2U, 8U}) {
        const auto some = scorer->forward(encodings, threads);
        ASSERT_EQ(some.size(), all.size());
        for (std::size_t i = 0; i < all.size(); ++i)
            EXPECT_NEAR(some[i], all[i], 1e-5f) << threads << " threads, pair " << i;
    }
    EXPECT_NE(all[0], all[1]);  // the pairs really differ, so equal scores mean something
}

/// Debian's cpp-httplib listens with a backlog of 5; a burst of clients connecting before the
/// accept loop reaches them must not be dropped (dropped handshakes retry only after 1, 3,
/// 7 s). With nobody accepting yet (bind() without listen()), every connection that completes
/// sits in the kernel's queue, so the number that complete is the backlog.
TEST(ServeBacklog, ABurstOfConnectionsIsQueuedBeforeTheAcceptLoopRuns) {
    Service service(ServiceOptions{});
    HttpServer http(service, ServerOptions{"127.0.0.1", 0, 2, 10});
    const int port = http.bind();
    ASSERT_GT(port, 0);
    constexpr int kClients = 64;
    std::vector<pollfd> fds;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < kClients; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ASSERT_GE(fd, 0);
        (void)::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
        fds.push_back({fd, POLLOUT, 0});
    }
    // Poll the sockets still connecting, up to 10 s in all; with a backlog of 5 all but ~6
    // stay in SYN_SENT for the whole wait (nobody accepts, so the retries are dropped too).
    int connected = 0;
    std::vector<pollfd> pending = fds;
    for (int round = 0; round < 100 && !pending.empty(); ++round) {
        (void)::poll(pending.data(), pending.size(), 100);
        std::vector<pollfd> still;
        for (pollfd& p : pending) {
            int err = 0;
            socklen_t len = sizeof(err);
            if ((p.revents & (POLLOUT | POLLERR | POLLHUP)) == 0) {
                still.push_back({p.fd, POLLOUT, 0});
            } else if (::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
                ++connected;
            }
        }
        pending = std::move(still);
    }
    for (pollfd& p : fds)
        ::close(p.fd);
    EXPECT_EQ(connected, kClients);
}

TEST_F(ServeHttp, RerankScoresMatchTheModelSortedWithTiesByIndex) {
    model::CrossEncoder reference(kModel, {});
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& d : kDocs)
        pairs.emplace_back("do cats purr?", d);
    auto expected = reference.score(pairs);

    json body = {{"query", "do cats purr?"}, {"documents", kDocs}, {"return_documents", true}};
    json out = post_json("/v1/rerank", body.dump());
    ASSERT_EQ(out["results"].size(), kDocs.size());
    EXPECT_EQ(out["model"], "micro");
    double last = 2.0;
    std::size_t last_index = 0;
    for (const auto& r : out["results"]) {
        std::size_t i = r["index"];
        double score = r["relevance_score"];
        EXPECT_NEAR(score, sigmoid(expected[i]), 1e-5);
        EXPECT_EQ(r["document"]["text"], kDocs[i]);
        EXPECT_TRUE(score < last || (score == last && i > last_index)) << out.dump();
        last = score;
        last_index = i;
    }
    // Documents 0 and 2 are identical: equal scores, index 0 first.
    std::vector<std::size_t> order;
    for (const auto& r : out["results"])
        order.push_back(r["index"]);
    EXPECT_LT(std::find(order.begin(), order.end(), 0) - order.begin(),
              std::find(order.begin(), order.end(), 2) - order.begin());

    json top = post_json(
        "/v1/rerank",
        json({{"query", "do cats purr?"}, {"documents", kDocs}, {"top_n", 2}, {"model", "micro"}})
            .dump());
    ASSERT_EQ(top["results"].size(), 2U);
    EXPECT_EQ(top["results"][0]["index"], out["results"][0]["index"]);
    EXPECT_FALSE(top["results"][0].contains("document"));
}

TEST_F(ServeHttp, TeiRerankRawScoresTextAndTruncation) {
    json raw = post_json(
        "/rerank",
        json({{"query", "cats"}, {"texts", kDocs}, {"raw_scores", true}, {"return_text", true}})
            .dump());
    json sig = post_json("/rerank", json({{"query", "cats"}, {"texts", kDocs}}).dump());
    ASSERT_TRUE(raw.is_array());
    ASSERT_EQ(raw.size(), kDocs.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        EXPECT_EQ(raw[i]["index"], sig[i]["index"]);
        EXPECT_NEAR(sig[i]["score"].get<double>(), sigmoid(raw[i]["score"].get<float>()), 1e-6);
        EXPECT_EQ(raw[i]["text"], kDocs[raw[i]["index"].get<std::size_t>()]);
        EXPECT_FALSE(sig[i].contains("text"));
    }
    std::string long_text;
    for (int i = 0; i < 400; ++i)
        long_text += "word ";
    json err =
        post_json("/rerank", json({{"query", "q"}, {"texts", {"a", long_text}}}).dump(), 413);
    EXPECT_EQ(err["error"]["field"], "texts[1]");
    post_json("/rerank",
              json({{"query", "q"}, {"texts", {"a", long_text}}, {"truncate", true}}).dump());
}

TEST_F(ServeHttp, SearchReturnsHitsWithTitlesSnippetsAndTimings) {
    json out = post_json("/v1/search", R"({"query":"cats","k":2})");
    ASSERT_EQ(out["hits"].size(), 2U);
    for (const auto& h : out["hits"]) {
        EXPECT_TRUE(h["id"] == "d1" || h["id"] == "d2" || h["id"] == "d5") << h;
        EXPECT_FALSE(h["title"].get<std::string>().empty());
        EXPECT_GT(h["score"].get<double>(), 0.0);
    }
    EXPECT_GE(out["hits"][0]["score"].get<double>(), out["hits"][1]["score"].get<double>());
    EXPECT_EQ(out["stages"][0]["name"], "bm25");
    EXPECT_TRUE(out["timings_ms"]["total"].is_number());
    json all = post_json("/v1/search", R"({"query":"cats"})");
    ASSERT_EQ(all["hits"].size(), 3U);
    std::string snippet_text = all["hits"][2]["text"];
    EXPECT_LT(snippet_text.size(), 300U);
    json none = post_json("/v1/search", R"({"query":"zebra"})");
    EXPECT_TRUE(none["hits"].empty());
    json p = post_json("/v1/search", R"({"query":"cats","pipeline":"bm25-ce"})", 400);
    EXPECT_EQ(p["error"]["field"], "pipeline");
}

TEST_F(ServeHttp, BadInputGetsJson4xxNamingTheField) {
    struct Case {
        std::string path, body;
        int status;
        json field;
    };
    const std::vector<Case> cases = {
        {"/v1/rerank", "{not json", 400, "body"},
        {"/v1/rerank", R"({"query":"q","documents":"a"})", 400, "documents"},
        {"/v1/rerank", R"({"documents":["a"]})", 400, "query"},
        {"/v1/rerank", "{\"query\":\"\xc3\x28\",\"documents\":[\"a\"]}", 400, "body"},
        {"/v1/rerank", R"({"query":"q","documents":["a"],"model":"nope"})", 404, "model"},
        {"/v1/rerank", R"({"query":"q","documents":["a"],"top_n":"3"})", 400, "top_n"},
        {"/rerank", R"({"query":"q","texts":[null]})", 400, "texts[0]"},
        {"/v1/search", R"({"query":"q","k":0})", 400, "k"},
        {"/v1/search", "", 400, "body"},
    };
    for (const auto& c : cases) {
        json out = post_json(c.path, c.body, c.status);
        EXPECT_EQ(out["error"]["field"], c.field) << c.body;
        EXPECT_FALSE(out["error"]["message"].get<std::string>().empty());
    }
    auto big = s_server->post("/v1/rerank", std::string(9U << 20U, ' '));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    EXPECT_EQ(json::parse(big->body)["error"]["field"], "body");
    // `curl -d` sends JSON as a form; past httplib's 8 KiB form limit the answer says why.
    json docs = {{"query", "q"},
                 {"documents", std::vector<std::string>(40, std::string(300, 'a'))}};
    auto form =
        s_server->client().Post("/v1/rerank", docs.dump(), "application/x-www-form-urlencoded");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 413);
    EXPECT_NE(json::parse(form->body)["error"]["message"].get<std::string>().find(
                  "Content-Type: application/json"),
              std::string::npos)
        << form->body;
    auto missing = s_server->client().Get("/v2/nothing");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_TRUE(json::parse(missing->body)["error"]["message"].is_string());
    // Still healthy afterwards.
    auto health = s_server->client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(json::parse(health->body)["status"], "ok");
}

TEST_F(ServeHttp, MetricsCountRequestsErrorsAndBatches) {
    post_json("/v1/search", R"({"query":"fish"})");
    post_json("/v1/search", R"({"query":5})", 400);
    post_json("/v1/rerank", R"({"query":"q","documents":["a","b"]})");
    auto res = s_server->client().Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    const std::string& m = res->body;
    EXPECT_TRUE(std::regex_search(
        m,
        std::regex(R"(cascade_http_requests_total\{endpoint="/v1/search",status="400"\} [1-9])")))
        << m;
    EXPECT_TRUE(std::regex_search(
        m, std::regex(R"(cascade_http_errors_total\{endpoint="/v1/search"\} [1-9])")));
    EXPECT_NE(
        m.find("cascade_http_request_duration_seconds_bucket{endpoint=\"/v1/rerank\",le=\"+Inf\"}"),
        std::string::npos);
    EXPECT_TRUE(std::regex_search(
        m, std::regex(R"(cascade_model_batch_pairs_count\{model="micro"\} [1-9])")));
    EXPECT_TRUE(
        std::regex_search(m, std::regex(R"(cascade_model_queue_depth\{model="micro"\} [0-9]+)")));
}

/// Plain /v1/search is the implicit pipeline `first_stage: {type: bm25}` with the service's
/// k1/b: it answers what that pipeline ranks, and other parameters rank differently.
TEST(ServeBm25, PlainSearchIsTheImplicitPipelineWithTheServicesParameters) {
    auto scores_of = [](float k1, float b) {
        ServiceOptions options;
        options.bm25.k1 = k1;
        options.bm25.b = b;
        Service service(options);
        service.open_index(tiny_index());
        Response r = service.search(R"({"query":"cats purr stock","k":3})");
        EXPECT_EQ(r.status, 200) << r.body;
        std::vector<std::pair<std::string, float>> out;
        const json body = json::parse(r.body);
        for (const auto& h : body["hits"])
            out.emplace_back(h["id"].get<std::string>(), h["score"].get<float>());
        EXPECT_EQ(body["stages"][0]["name"], "bm25") << r.body;
        EXPECT_FALSE(out.empty()) << r.body;
        return out;
    };
    const auto index = index::Index::open(tiny_index());
    auto expected = [&](float k1, float b) {
        pipeline::Bm25StageSpec spec;
        spec.params.k1 = k1;
        spec.params.b = b;
        spec.k = 3;
        const auto p = pipeline::bm25_pipeline(index, spec);
        std::vector<Query> q{{"q", "cats purr stock"}};
        const auto result = pipeline::run_pipeline(p, index, q, {});
        std::vector<std::pair<std::string, float>> out;
        for (const auto& e : result.run.by_query.at("q"))
            out.emplace_back(e.docid, static_cast<float>(e.score));
        return out;
    };
    const auto defaults = scores_of(0.9F, 0.4F);
    ASSERT_FALSE(defaults.empty());
    EXPECT_EQ(defaults, expected(0.9F, 0.4F));
    const auto lucene = scores_of(1.2F, 0.75F);
    EXPECT_EQ(lucene, expected(1.2F, 0.75F));
    EXPECT_NE(lucene, defaults);
    ServiceOptions bad;
    bad.bm25.b = 1.5F;
    Service service(bad);
    EXPECT_THROW(service.open_index(tiny_index()), UsageError);
}

TEST(ServeHttpLoad, FullQueueAnswers503WithRetryAfterAndDeadline504) {
    ServiceOptions options;
    options.timeout = std::chrono::milliseconds(30'000);
    runtime::testing::FakeModelState state;
    state.hold = true;
    runtime::PoolOptions batching;
    batching.scheduling.max_queue = 1;
    LiveServer server(options, batching, fake_loader(state));
    server.service().add_model("slow", model_folder("slow"));
    server.start();
    const std::string body = R"({"query":"q","documents":["a"]})";
    int first_status = 0;
    std::thread t([&] {
        auto r = server.post("/v1/rerank", body);
        first_status = r ? r->status : -1;
    });
    state.wait_scoring();
    auto second = server.post("/v1/rerank", body);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 503);
    EXPECT_EQ(second->get_header_value("Retry-After"), "1");
    EXPECT_TRUE(json::parse(second->body)["error"]["message"].is_string());
    state.release();
    t.join();
    EXPECT_EQ(first_status, 200);
}

TEST(ServeHttpLoad, DeadlinePassedGives504) {
    ServiceOptions options;
    options.timeout = std::chrono::milliseconds(50);
    runtime::testing::FakeModelState state;
    state.hold = true;
    LiveServer server(options, {}, fake_loader(state));
    server.service().add_model("slow", model_folder("slow"));
    server.start();
    auto res = server.post("/v1/rerank", R"({"query":"q","documents":["a"]})");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 504);
    state.release();
}

TEST(ServeHttpLoad, StopFinishesInFlightRequestsAndRefusesNewOnes) {
    runtime::testing::FakeModelState state;
    state.hold = true;
    LiveServer server({}, {}, fake_loader(state));
    server.service().add_model("slow", model_folder("slow"));
    server.start();
    int in_flight_status = 0;
    std::thread t([&] {
        auto r = server.post("/v1/rerank", R"({"query":"q","documents":["a"]})");
        in_flight_status = r ? r->status : -1;
    });
    state.wait_scoring();
    std::thread stopper([&] { server.stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state.release();
    stopper.join();
    t.join();
    EXPECT_EQ(in_flight_status, 200);
    EXPECT_FALSE(server.post("/healthz", ""));  // listener closed
}

}  // namespace
}  // namespace cascade::serve
