// cascade broker over shard servers on loopback, through the public API: 4 shards answer
// exactly as one server over the whole index, a replica stopped under load loses no request,
// a hanging shard is cut off at the deadline, and replicas come back through health checks.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/serve.hpp>
#include <cascade/shard.hpp>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// A cascade::Server over one index, listening on loopback in a background thread.
class LiveIndexServer {
public:
    explicit LiveIndexServer(const fs::path& index, int port = 0) {
        cascade::ServeOptions options;
        options.port = port;
        options.connection_threads = 8;
        m_server = std::make_unique<cascade::Server>(options);
        m_server->open_index(index);
        m_port = m_server->bind();
        m_thread = std::thread([this] { m_server->listen(); });
    }
    ~LiveIndexServer() { stop(); }
    void stop() {
        if (m_thread.joinable()) {
            m_server->stop();
            m_thread.join();
            m_server->drain();
        }
    }
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
    std::unique_ptr<cascade::Server> m_server;
    std::thread m_thread;
    int m_port = 0;
};

/// A cascade::Server with one cross-encoder for /v1/rerank, on loopback.
class LiveRerankServer {
public:
    explicit LiveRerankServer(const std::string& model_dir) {
        cascade::ServeOptions options;
        options.port = 0;
        m_server = std::make_unique<cascade::Server>(options);
        cascade::ModelOptions model;
        model.dir = model_dir;
        m_server->add_model("ce", model);
        m_port = m_server->bind();
        m_thread = std::thread([this] { m_server->listen(); });
    }
    ~LiveRerankServer() {
        m_server->stop();
        m_thread.join();
        m_server->drain();
    }
    [[nodiscard]] int port() const { return m_port; }

private:
    std::unique_ptr<cascade::Server> m_server;
    std::thread m_thread;
    int m_port = 0;
};

class LiveBroker {
public:
    explicit LiveBroker(const cascade::BrokerOptions& options)
        : m_broker(std::make_unique<cascade::Broker>(options)) {
        m_port = m_broker->bind();
        m_thread = std::thread([this] { m_broker->listen(); });
    }
    ~LiveBroker() {
        m_broker->stop();
        m_thread.join();
    }
    [[nodiscard]] int port() const { return m_port; }

private:
    std::unique_ptr<cascade::Broker> m_broker;
    std::thread m_thread;
    int m_port = 0;
};

httplib::Result post(int port, const json& body) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    return client.Post("/v1/search", body.dump(), "application/json");
}

std::string get(int port, const std::string& path) {
    httplib::Client client("127.0.0.1", port);
    const auto res = client.Get(path);
    return res ? res->body : std::string();
}

class BrokerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = new fs::path(fs::temp_directory_path() /
                             ("cascade-broker-" + std::to_string(::getpid())));
        fs::remove_all(*s_dir);
        fs::create_directories(*s_dir);
        // 600 documents over a 40-word vocabulary: short texts, so many documents tie.
        std::mt19937 rng(7);
        std::ofstream out(*s_dir / "corpus.jsonl");
        for (int d = 0; d < 600; ++d) {
            std::string text;
            const int words = 3 + static_cast<int>(rng() % 12);
            for (int w = 0; w < words; ++w) {
                text += "word" + std::to_string(rng() % 40) + " ";
            }
            out << json{{"_id", "doc" + std::to_string(d)}, {"title", ""}, {"text", text}}.dump()
                << "\n";
        }
        out.close();
        cascade::IndexBuildOptions build;
        build.progress = false;
        (void)cascade::Index::build((*s_dir / "corpus.jsonl").string(), *s_dir / "full", build);
        for (std::uint32_t s = 0; s < 4; ++s) {
            (void)cascade::build_shard((*s_dir / "corpus.jsonl").string(),
                                       *s_dir / ("shard" + std::to_string(s)), s, 4, build);
        }
    }
    static void TearDownTestSuite() {
        fs::remove_all(*s_dir);
        delete s_dir;
    }
    static fs::path shard(int s) { return *s_dir / ("shard" + std::to_string(s)); }
    static std::vector<std::string> queries() {
        std::vector<std::string> out;
        for (int i = 0; i < 20; ++i) {
            out.push_back("word" + std::to_string(i % 40) + " word" + std::to_string((i * 7) % 40));
        }
        out.emplace_back("word3");  // one term: many exact ties
        return out;
    }
    static fs::path* s_dir;
};

fs::path* BrokerTest::s_dir = nullptr;

TEST_F(BrokerTest, FourShardsAnswerExactlyAsOneServer) {
    const LiveIndexServer whole(*s_dir / "full");
    std::vector<std::unique_ptr<LiveIndexServer>> shards;
    cascade::BrokerOptions options;
    options.port = 0;
    for (int s = 0; s < 4; ++s) {
        shards.push_back(std::make_unique<LiveIndexServer>(shard(s)));
        options.shards.push_back({shards.back()->url()});
    }
    const LiveBroker broker(options);
    for (const std::string& q : queries()) {
        for (const int k : {1, 10, 100}) {
            const json body = {{"query", q}, {"k", k}};
            const auto want = post(whole.port(), body);
            const auto got = post(broker.port(), body);
            ASSERT_TRUE(want && got);
            ASSERT_EQ(want->status, 200) << want->body;
            ASSERT_EQ(got->status, 200) << got->body;
            const json w = json::parse(want->body);
            const json g = json::parse(got->body);
            EXPECT_EQ(g["hits"], w["hits"]) << q << " k=" << k;
            EXPECT_EQ(g["shards"].size(), 4U);
            EXPECT_FALSE(g.contains("partial"));
        }
    }
    // A bad request is refused as the shard servers refuse it.
    const auto bad = post(broker.port(), {{"query", "word1"}, {"k", 0}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_NE(bad->body.find("\"field\":\"k\""), std::string::npos) << bad->body;
}

TEST_F(BrokerTest, AReplicaStoppedUnderLoadLosesNoRequestAndComesBack) {
    const LiveIndexServer whole(*s_dir / "full");
    auto replica_a = std::make_unique<LiveIndexServer>(shard(0));
    const LiveIndexServer replica_b(shard(0));
    std::vector<std::unique_ptr<LiveIndexServer>> rest;
    cascade::BrokerOptions options;
    options.port = 0;
    options.health_interval = std::chrono::milliseconds(50);
    options.shards.push_back({replica_a->url(), replica_b.url()});
    for (int s = 1; s < 4; ++s) {
        rest.push_back(std::make_unique<LiveIndexServer>(shard(s)));
        options.shards.push_back({rest.back()->url()});
    }
    const int port_a = replica_a->port();
    const LiveBroker broker(options);

    std::vector<json> expected;
    for (const std::string& q : queries()) {
        expected.push_back(
            json::parse(post(whole.port(), {{"query", q}, {"k", 10}})->body)["hits"]);
    }
    std::atomic<int> sent{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            const auto qs = queries();
            for (int i = 0; i < 40; ++i) {
                const std::size_t q = static_cast<std::size_t>(c * 40 + i) % qs.size();
                const auto res = post(broker.port(), {{"query", qs[q]}, {"k", 10}});
                ++sent;
                if (!res || res->status != 200 || json::parse(res->body)["hits"] != expected[q]) {
                    ++wrong;
                }
            }
        });
    }
    while (sent < 30) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    replica_a->stop();  // mid-load
    for (auto& t : clients) {
        t.join();
    }
    EXPECT_EQ(sent, 160);
    EXPECT_EQ(wrong, 0);
    const std::string down_line =
        "cascade_broker_replica_up{shard=\"0\",replica=\"http://127.0.0.1:" +
        std::to_string(port_a) + "\"} ";
    // Every later request went to replica b; a is down until it answers /healthz again.
    (void)post(broker.port(), {{"query", "word1"}, {"k", 10}});
    EXPECT_NE(get(broker.port(), "/metrics").find(down_line + "0"), std::string::npos);
    EXPECT_EQ(get(broker.port(), "/healthz"), R"({"status":"ok"})");

    replica_a = std::make_unique<LiveIndexServer>(shard(0), port_a);  // back on its port
    bool back = false;
    for (int i = 0; i < 200 && !back; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        back = get(broker.port(), "/metrics").find(down_line + "1") != std::string::npos;
    }
    EXPECT_TRUE(back) << get(broker.port(), "/metrics");
}

TEST_F(BrokerTest, AHangingShardIsCutOffAtTheDeadline) {
    const LiveIndexServer shard0(shard(0));
    httplib::Server hanging;
    std::atomic<bool> release{false};
    hanging.Post("/v1/search", [&](const httplib::Request&, httplib::Response& res) {
        for (int i = 0; i < 300 && !release; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        res.set_content(R"({"hits":[]})", "application/json");
    });
    const int hang_port = hanging.bind_to_any_port("127.0.0.1");
    std::thread hang_thread([&] { hanging.listen_after_bind(); });

    cascade::BrokerOptions options;
    options.port = 0;
    options.timeout = std::chrono::milliseconds(300);
    options.shards = {{shard0.url()}, {"http://127.0.0.1:" + std::to_string(hang_port)}};
    {
        const LiveBroker broker(options);
        const auto start = std::chrono::steady_clock::now();
        const auto res = post(broker.port(), {{"query", "word1 word2"}, {"k", 10}});
        const auto waited = std::chrono::steady_clock::now() - start;
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 504) << res->body;
        const std::string message = json::parse(res->body)["error"]["message"];
        EXPECT_NE(message.find("shard 1 did not answer within the 300 ms deadline"),
                  std::string::npos)
            << message;
        EXPECT_LT(waited, std::chrono::seconds(2));  // cut off, not waited out (3 s)

        // Asked for, a partial answer: shard 0's hits, flagged.
        const auto partial =
            post(broker.port(), {{"query", "word1 word2"}, {"k", 10}, {"partial", true}});
        ASSERT_TRUE(partial);
        ASSERT_EQ(partial->status, 200) << partial->body;
        const json p = json::parse(partial->body);
        EXPECT_EQ(p["partial"], true);
        EXPECT_EQ(p["failed_shards"], json::array({1}));
        const auto alone = post(shard0.port(), {{"query", "word1 word2"}, {"k", 10}});
        EXPECT_EQ(p["hits"], json::parse(alone->body)["hits"]);
        release = true;
    }
    hanging.stop();
    hang_thread.join();
}

TEST_F(BrokerTest, MergedHitsGoThroughTheRerankService) {
    const LiveIndexServer whole(*s_dir / "full");
    std::vector<std::unique_ptr<LiveIndexServer>> shards;
    cascade::BrokerOptions options;
    options.port = 0;
    for (int s = 0; s < 4; ++s) {
        shards.push_back(std::make_unique<LiveIndexServer>(shard(s)));
        options.shards.push_back({shards.back()->url()});
    }
    // The re-rank tier: a cascade serve with a (random-weight) cross-encoder.
    const LiveRerankServer reranker(std::string(CASCADE_SOURCE_DIR) +
                                    "/tests/golden/model/bert-micro-ce");
    const int rerank_port = reranker.port();
    options.rerank_url = "http://127.0.0.1:" + std::to_string(rerank_port);
    options.rerank_depth = 20;
    {
        const LiveBroker broker(options);
        const std::string q = "word4 word9";
        const json top20 = json::parse(post(whole.port(), {{"query", q}, {"k", 20}})->body)["hits"];
        json documents = json::array();
        for (const json& h : top20) {
            documents.push_back(h["text"]);  // titles are empty
        }
        httplib::Client client("127.0.0.1", rerank_port);
        const auto scored = client.Post(
            "/v1/rerank", json{{"query", q}, {"documents", documents}, {"top_n", 5}}.dump(),
            "application/json");
        ASSERT_TRUE(scored);
        ASSERT_EQ(scored->status, 200) << scored->body;
        const json want = json::parse(scored->body)["results"];
        const auto res = post(broker.port(), {{"query", q}, {"k", 5}});
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200) << res->body;
        const json got = json::parse(res->body);
        ASSERT_EQ(got["hits"].size(), 5U) << res->body;
        for (std::size_t i = 0; i < 5; ++i) {
            const std::size_t from = want[i]["index"].get<std::size_t>();
            EXPECT_EQ(got["hits"][i]["id"], top20[from]["id"]) << i;
            EXPECT_EQ(got["hits"][i]["score"], want[i]["relevance_score"]) << i;
            EXPECT_EQ(got["hits"][i]["rank"], static_cast<int>(i) + 1);
        }
        EXPECT_EQ(got["reranked_by"], options.rerank_url);
    }
}

TEST(BrokerOptions, BadShardListsAreUsageErrors) {
    EXPECT_EQ(
        cascade::parse_shard_urls("http://a:1|http://b:2,http://c:3"),
        (std::vector<std::vector<std::string>>{{"http://a:1", "http://b:2"}, {"http://c:3"}}));
    EXPECT_THROW((void)cascade::parse_shard_urls("http://a:1,,http://c:3"), cascade::UsageError);
    EXPECT_THROW((void)cascade::parse_shard_urls("http://a:1|"), cascade::UsageError);
    cascade::BrokerOptions options;
    options.shards = {{"ftp://a:1"}};
    try {
        const cascade::Broker broker(options);
        FAIL() << "ftp:// accepted";
    } catch (const cascade::UsageError& e) {
        EXPECT_NE(
            std::string(e.what()).find("'ftp://a:1' is not a URL of the form http://host:port"),
            std::string::npos)
            << e.what();
    }
}

}  // namespace
