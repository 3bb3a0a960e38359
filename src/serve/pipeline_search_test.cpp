/// /v1/search through pipelines: the same hits, scores and stage counts as the pipeline runner
/// (`cascade run`), the default and named pipelines, unknown names, and the deadline checked
/// between stages; in-process over loopback and through the `cascade serve` binary.
#include "serve/pipeline_search.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "pipeline/runner.hpp"
#include "serve/live_server_test.hpp"
#include "tests/run_cli.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
namespace ct = cascade::testing;
using testing::LiveServer;

const char* const kRm3Mmr = R"(name: rm3mmr
first_stage: {type: bm25, k: 30}
stages:
  - {type: rm3, k: 30, fb_docs: 5, fb_terms: 8, max_df_ratio: 0.5}
  - {type: mmr, k: 8, depth: 20, lambda: 0.6}
)";

const char* const kRrf = R"(first_stages:
  - {type: bm25, k: 20}
  - name: exp
    stages: [{type: bm25, k: 20}, {type: rm3, k: 20, fb_docs: 3, max_df_ratio: 0.5}]
stages:
  - {type: fusion, method: rrf}
  - {type: cutoff, method: threshold, threshold: 0.02, min_k: 2, k: 10}
)";

const std::vector<std::string> kQueries = {"cats purr", "dogs chase balls", "fish swim water",
                                           "birds sing"};

/// A 48-document index (documents mix four topics) and the two pipeline files, built once.
const ct::TempDir& fixture() {
    static ct::TempDir dir;
    static bool built = [] {
        const std::vector<std::string> words = {
            "cats purr",  "dogs bark", "chase balls", "fish swim",  "water cold",
            "birds sing", "fly south", "sleep day",   "green tree", "sun rises"};
        std::ostringstream corpus;
        for (int d = 0; d < 48; ++d) {
            std::string text;
            for (int w = 0; w < 2 + d % 5; ++w)
                text += words[(d * 7 + w * 3) % 10] + " ";
            corpus << json({{"_id", "d" + std::to_string(d)},
                            {"title", words[d % 10]},
                            {"text", text}})
                          .dump()
                   << "\n";
        }
        ct::write_file(dir / "corpus.jsonl", corpus.str());
        ct::write_file(dir / "rm3mmr.yaml", kRm3Mmr);
        ct::write_file(dir / "fused.yaml", kRrf);
        auto r = ct::run_cli("index --collection " + (dir / "corpus.jsonl").string() + " --index " +
                             (dir / "index").string());
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return true;
    }();
    (void)built;
    return dir;
}

/// The runner's answer for one query: (external id, score) in rank order, and its stages.
pipeline::PipelineResult run_with_runner(const pipeline::Pipeline& p, const index::Index& index,
                                         const std::string& text) {
    std::vector<Query> queries{Query{"q", text}};
    return pipeline::run_pipeline(p, index, queries, {});
}

class ServePipeline : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = new LiveServer();
        Service& service = s_server->service();
        service.open_index(fixture() / "index");
        service.add_pipeline("rm3mmr",
                             pipeline::Pipeline::load(fixture() / "rm3mmr.yaml", *service.index()));
        service.add_pipeline("fused",
                             pipeline::Pipeline::load(fixture() / "fused.yaml", *service.index()));
        s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        s_server = nullptr;
    }
    static json post(const std::string& body, int status = 200) {
        auto res = s_server->post("/v1/search", body);
        EXPECT_TRUE(res);
        if (!res)
            return {};
        EXPECT_EQ(res->status, status) << res->body;
        return json::parse(res->body);
    }
    static LiveServer* s_server;
};
LiveServer* ServePipeline::s_server = nullptr;

TEST_F(ServePipeline, HitsAndStagesEqualTheRunners) {
    const index::Index& index = *s_server->service().index();
    for (const std::string name : {"rm3mmr", "fused"}) {
        auto p = pipeline::Pipeline::load(fixture() / (name + ".yaml"), index);
        for (const auto& q : kQueries) {
            SCOPED_TRACE(name + ": " + q);
            json out = post(json({{"query", q}, {"k", 50}, {"pipeline", name}}).dump());
            auto expected = run_with_runner(p, index, q);
            const auto& entries = expected.run.by_query["q"];
            ASSERT_FALSE(entries.empty());
            ASSERT_EQ(out["hits"].size(), entries.size());
            for (std::size_t i = 0; i < entries.size(); ++i) {
                EXPECT_EQ(out["hits"][i]["id"], entries[i].docid) << i;
                EXPECT_EQ(out["hits"][i]["score"].get<double>(), entries[i].score) << i;
                EXPECT_EQ(out["hits"][i]["rank"], i + 1);
            }
            EXPECT_EQ(out["pipeline"], name);
            // The runner's stages, then the document fetch.
            ASSERT_EQ(out["stages"].size(), expected.stages.size() + 1);
            for (std::size_t s = 0; s < expected.stages.size(); ++s) {
                const json& st = out["stages"][s];
                EXPECT_EQ(st["name"], expected.stages[s].label);
                EXPECT_EQ(st["candidates_in"], expected.stages[s].candidates_in);
                EXPECT_EQ(st["candidates_out"], expected.stages[s].candidates_out);
                EXPECT_GE(st["ms"].get<double>(), 0.0);
            }
            EXPECT_EQ(out["stages"].back()["name"], "documents");
        }
    }
}

TEST_F(ServePipeline, FirstPipelineIsTheDefaultAndKCutsTheHits) {
    json named = post(R"({"query":"cats purr","k":3,"pipeline":"rm3mmr"})");
    json plain = post(R"({"query":"cats purr","k":3})");
    EXPECT_EQ(plain["pipeline"], "rm3mmr");
    ASSERT_EQ(plain["hits"].size(), 3U);
    EXPECT_EQ(plain["hits"], named["hits"]);
    EXPECT_EQ(plain["stages"][0]["name"], "bm25");
    EXPECT_EQ(plain["stages"][1]["name"], "rm3");
    EXPECT_EQ(plain["stages"][2]["name"], "mmr");
    EXPECT_EQ(plain["stages"][2]["candidates_out"], 8);
    json fused = post(R"({"query":"cats purr","pipeline":"fused"})");
    EXPECT_EQ(fused["stages"][0]["name"], "bm25_1/bm25");
    EXPECT_EQ(fused["stages"][3]["name"], "fusion");
}

TEST_F(ServePipeline, UnknownPipelineIs400ListingTheLoadedOnes) {
    json err = post(R"({"query":"cats","pipeline":"bm25-ce"})", 400);
    EXPECT_EQ(err["error"]["field"], "pipeline");
    const std::string message = err["error"]["message"];
    EXPECT_NE(message.find("bm25-ce"), std::string::npos) << message;
    EXPECT_NE(message.find("rm3mmr, fused"), std::string::npos) << message;
    json type = post(R"({"query":"cats","pipeline":7})", 400);
    EXPECT_EQ(type["error"]["field"], "pipeline");
    auto health = s_server->client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(json::parse(health->body)["pipelines"], json({"rm3mmr", "fused"}));
}

TEST(ServePipelineDeadline, StopsBetweenStagesAndNamesTheLastStageRun) {
    auto index = index::Index::open(fixture() / "index");
    auto p = pipeline::Pipeline::load(fixture() / "rm3mmr.yaml", index);
    Query q{"q", "cats purr"};
    int checks = 0;
    // Expires at the third check: bm25 and rm3 run, mmr does not.
    DeadlineCheck expired = [&] { return ++checks >= 3; };
    try {
        (void)search_pipeline(p, index, q, expired);
        FAIL() << "no deadline error";
    } catch (const PipelineDeadline& e) {
        EXPECT_NE(std::string(e.what()).find("after stage 'rm3' (2 of 3 stages run)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(checks, 3);
    // Never expiring: every stage runs and the deadline is checked once more at the end.
    checks = 0;
    DeadlineCheck never = [&] { return ++checks < 0; };
    PipelineHits all = search_pipeline(p, index, q, never);
    EXPECT_EQ(all.stages.size(), 3U);
    EXPECT_EQ(checks, 4);
}

TEST(ServePipelineDeadline, ZeroTimeoutAnswers504ForPipelinesAndPlainBm25) {
    ServiceOptions options;
    options.timeout = std::chrono::milliseconds(0);
    LiveServer with_pipeline(options);
    with_pipeline.service().open_index(fixture() / "index");
    with_pipeline.service().add_pipeline(
        "p", pipeline::Pipeline::load(fixture() / "rm3mmr.yaml", *with_pipeline.service().index()));
    with_pipeline.start();
    auto res = with_pipeline.post("/v1/search", R"({"query":"cats"})");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 504);
    EXPECT_NE(json::parse(res->body)["error"]["message"].get<std::string>().find("deadline"),
              std::string::npos);
    LiveServer plain(options);
    plain.service().open_index(fixture() / "index");
    plain.start();
    res = plain.post("/v1/search", R"({"query":"cats"})");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 504);
    EXPECT_EQ(json::parse(res->body)["error"]["status"], 504);
}

/// `cascade serve ARGS --port 0` in a child process; the port it printed, or 0.
struct ServeProcess {
    pid_t pid = -1;
    int port = 0;
    std::string log;

    explicit ServeProcess(const std::vector<std::string>& args, const std::string& log_path)
        : log(log_path) {
        pid = fork();
        if (pid == 0) {
            (void)freopen(log.c_str(), "w", stderr);
            std::vector<char*> argv{const_cast<char*>(CASCADE_BINARY_PATH),
                                    const_cast<char*>("serve")};
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(const_cast<char*>("--port"));
            argv.push_back(const_cast<char*>("0"));
            argv.push_back(nullptr);
            execv(CASCADE_BINARY_PATH, argv.data());
            _exit(127);
        }
        port = testing::wait_for_listening_port(log);
    }
    ~ServeProcess() {
        if (pid <= 0)
            return;
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
    }
};

/// (docid, score) of a TREC run file, in file order.
std::vector<std::pair<std::string, double>> read_run_file(const std::filesystem::path& p) {
    std::istringstream in(ct::slurp(p));
    std::vector<std::pair<std::string, double>> out;
    std::string qid, q0, docid, tag;
    int rank = 0;
    double score = 0;
    while (in >> qid >> q0 >> docid >> rank >> score >> tag)
        out.emplace_back(docid, score);
    return out;
}

TEST(ServePipelineCli, ServeAnswersWhatCascadeRunWrites) {
    const auto& dir = fixture();
    const std::string index = (dir / "index").string();
    ServeProcess server({"--index", index, "--pipeline", (dir / "rm3mmr.yaml").string(),
                         "--pipeline", "rrf=" + (dir / "fused.yaml").string()},
                        (dir / "serve.log").string());
    ASSERT_GT(server.port, 0) << ct::slurp(server.log);
    httplib::Client client("127.0.0.1", server.port);
    client.set_read_timeout(30, 0);
    for (const auto& [name, file] : {std::pair{"rm3mmr", "rm3mmr.yaml"}, {"rrf", "fused.yaml"}}) {
        auto r = ct::run_cli("run --pipeline " + (dir / file).string() + " --index " + index +
                             " --query 'dogs chase balls' --run " + (dir / "out.run").string());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto expected = read_run_file(dir / "out.run");
        ASSERT_FALSE(expected.empty());
        auto res = client.Post(
            "/v1/search",
            json({{"query", "dogs chase balls"}, {"k", 100}, {"pipeline", name}}).dump(),
            "application/json");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200) << res->body;
        json out = json::parse(res->body);
        ASSERT_EQ(out["hits"].size(), expected.size()) << name;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            EXPECT_EQ(out["hits"][i]["id"], expected[i].first) << name << " " << i;
            EXPECT_NEAR(out["hits"][i]["score"].get<double>(), expected[i].second, 1e-4);
        }
    }
    EXPECT_NE(ct::slurp(server.log).find("pipeline 'rm3mmr'"), std::string::npos);
}

TEST(ServePipelineCli, BadPipelineFilesFailAtStartUpNamingFileAndLine) {
    const auto& dir = fixture();
    ct::write_file(dir / "bad.yaml",
                   "first_stage: {type: bm25, k: 10}\nstages:\n  - {type: rm4}\n");
    auto r = ct::run_cli("serve --index " + (dir / "index").string() + " --pipeline " +
                         (dir / "bad.yaml").string() + " --port 0");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("bad.yaml:3"), std::string::npos) << r.err;
    r = ct::run_cli("serve --index " + (dir / "index").string() + " --pipeline " +
                    (dir / "missing.yaml").string() + " --port 0");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("missing.yaml"), std::string::npos) << r.err;
    r = ct::run_cli("serve --index " + (dir / "index").string() +
                    " --pipeline 'a b=" + (dir / "bad.yaml").string() + "' --port 0");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = ct::run_cli("serve --index " + (dir / "index").string() +
                    " --pipeline x=" + (dir / "rm3mmr.yaml").string() +
                    " --pipeline x=" + (dir / "fused.yaml").string() + " --port 0");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("'x' given twice"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::serve
