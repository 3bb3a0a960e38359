/// `cascade serve` as a process: starts on an ephemeral port, answers, exits 0 on SIGTERM after
/// finishing the request in flight, and refuses bad options with exit 2.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/live_server_test.hpp"
#include "tests/run_cli.hpp"

namespace cascade::serve {
namespace {

namespace ct = cascade::testing;

TEST(ServeCli, SigtermFinishesInFlightWorkAndExitsZero) {
    ct::TempDir dir;
    ct::write_file(dir / "c.jsonl", R"({"_id":"a","title":"t","text":"cats purr"})"
                                    "\n");
    ASSERT_EQ(ct::run_cli("index --collection " + (dir / "c.jsonl").string() + " --index " +
                          (dir / "idx").string())
                  .exit_code,
              0);
    const std::string log = (dir / "log").string();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::string model =
            std::string("micro=") + CASCADE_SOURCE_DIR + "/tests/golden/model/bert-micro-ce";
        std::string index = (dir / "idx").string();
        (void)freopen(log.c_str(), "w", stderr);
        execl(CASCADE_BINARY_PATH, CASCADE_BINARY_PATH, "serve", "--index", index.c_str(),
              "--model", model.c_str(), "--port", "0", static_cast<char*>(nullptr));
        _exit(127);
    }
    const int port = testing::wait_for_listening_port(log);
    ASSERT_GT(port, 0) << ct::slurp(log);
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);

    // A large request, then SIGTERM while it is (most likely) still running.
    nlohmann::json body = {{"query", "do cats purr"},
                           {"documents", std::vector<std::string>(1000, std::string(400, 'w'))}};
    int status = 0;
    std::thread request([&] {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(60, 0);
        auto r = c.Post("/v1/rerank", body.dump(), "application/json");
        status = r ? r->status : -1;
    });
    // Wait (bounded) until the model has the request, so SIGTERM lands mid-flight.
    for (int i = 0; i < 400; ++i) {
        auto m = client.Get("/metrics");
        if (m && m->body.find("cascade_model_queue_depth{model=\"micro\"} 1") != std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGTERM);
    request.join();
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus)) << ct::slurp(log);
    EXPECT_EQ(WEXITSTATUS(wstatus), 0) << ct::slurp(log);
    EXPECT_EQ(status, 200);
    EXPECT_NE(ct::slurp(log).find("stopped"), std::string::npos);
    EXPECT_FALSE(httplib::Client("127.0.0.1", port).Get("/healthz"));
}

/// Starts `cascade serve` with a --model and a pipeline whose cross_encoder stage names the same
/// folder with `stage_options`, and returns the models_loaded gauge from /metrics.
int models_loaded_with(const std::string& stage_options) {
    ct::TempDir dir;
    ct::write_file(dir / "c.jsonl", R"({"_id":"a","title":"t","text":"cats purr"})"
                                    "\n");
    EXPECT_EQ(ct::run_cli("index --collection " + (dir / "c.jsonl").string() + " --index " +
                          (dir / "idx").string())
                  .exit_code,
              0);
    const std::string model_dir =
        std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/bert-micro-ce";
    ct::write_file(dir / "p.yaml",
                   "first_stage: {type: bm25, k: 10}\nstages: [{type: cross_encoder, "
                   "model: " +
                       model_dir + stage_options + "}]\n");
    const std::string log = (dir / "log").string();
    pid_t pid = fork();
    if (pid == 0) {
        std::string model = "micro=" + model_dir;
        std::string index = (dir / "idx").string();
        std::string pipeline = (dir / "p.yaml").string();
        (void)freopen(log.c_str(), "w", stderr);
        execl(CASCADE_BINARY_PATH, CASCADE_BINARY_PATH, "serve", "--index", index.c_str(),
              "--model", model.c_str(), "--pipeline", pipeline.c_str(), "--port", "0",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    const int port = testing::wait_for_listening_port(log);
    EXPECT_GT(port, 0) << ct::slurp(log);
    int loaded = -1;
    if (port > 0) {
        httplib::Client client("127.0.0.1", port);
        // Both routes work on the shared copy.
        auto search = client.Post("/v1/search", R"({"query":"cats"})", "application/json");
        EXPECT_TRUE(search && search->status == 200);
        auto rerank = client.Post("/v1/rerank", R"({"query":"cats","documents":["purr"]})",
                                  "application/json");
        EXPECT_TRUE(rerank && rerank->status == 200);
        auto m = client.Get("/metrics");
        std::smatch match;
        if (m && std::regex_search(m->body, match, std::regex(R"(\ncascade_models_loaded (\d+))")))
            loaded = std::stoi(match[1]);
    }
    kill(pid, SIGTERM);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    return loaded;
}

TEST(ServeCli, AModelAndAPipelineStageOnTheSameFolderShareOneCopy) {
    EXPECT_EQ(models_loaded_with(""), 1);
    // Other load options are another copy (so the gauge really counts loads).
    EXPECT_EQ(models_loaded_with(", int8: true"), 2);
}

TEST(ServeCli, BadOptionsExitTwo) {
    ct::TempDir dir;
    EXPECT_EQ(ct::run_cli("serve --index " + dir.path().string() + " --model nodir").exit_code, 2);
    EXPECT_EQ(ct::run_cli("serve --index x --port 70000").exit_code, 2);
}

}  // namespace
}  // namespace cascade::serve
