/// `cascade broker`: the stateless front of a sharded index (docs/scale-out.md): /v1/search
/// fanned out to `cascade serve --index SHARD` replicas and merged exactly.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <cascade/error.hpp>
#include <cascade/serve.hpp>

#include "commands.hpp"

namespace cascade::cli {
namespace {

struct BrokerArgs {
    std::string shards;
    BrokerOptions broker;
    std::size_t timeout_ms = 30'000;
    std::size_t health_interval_ms = 1'000;
};

int g_broker_pipe[2] = {-1, -1};

void on_broker_signal(int sig) {
    char c = static_cast<char>(sig);
    (void)::write(g_broker_pipe[1], &c, 1);
}

void run_broker(BrokerArgs& args) {
    args.broker.shards = parse_shard_urls(args.shards);
    args.broker.timeout = std::chrono::milliseconds(args.timeout_ms);
    args.broker.health_interval = std::chrono::milliseconds(args.health_interval_ms);
    Broker broker(args.broker);
    const int port = broker.bind();
    std::fprintf(stderr, "cascade broker: %zu shards, listening on http://%s:%d\n",
                 args.broker.shards.size(), args.broker.host.c_str(), port);
    std::fflush(stderr);
    // The handler only writes to a pipe; a waiter thread turns it into a graceful stop.
    if (::pipe(g_broker_pipe) != 0) {
        throw IoError::from_errno("pipe", "signal pipe");
    }
    struct sigaction action {};
    action.sa_handler = on_broker_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::thread waiter([&] {
        char sig = 0;
        while (::read(g_broker_pipe[0], &sig, 1) < 0 && errno == EINTR) {
        }
        if (sig != 0) {
            std::fprintf(stderr, "cascade broker: signal %d, finishing in-flight requests\n", sig);
        }
        broker.stop();
    });
    broker.listen();
    char zero = 0;
    (void)::write(g_broker_pipe[1], &zero, 1);
    waiter.join();
    std::fprintf(stderr, "cascade broker: stopped\n");
}

}  // namespace

void add_broker_command(CLI::App& app) {
    auto args = std::make_shared<BrokerArgs>();
    auto* cmd = app.add_subcommand(
        "broker",
        "Front of a sharded index: /v1/search fanned out to shard servers, merged exactly");
    cmd->add_option("--shards", args->shards,
                    "Shard servers in shard order, ',' between shards and '|' between one "
                    "shard's replicas: http://a:8081|http://b:8081,http://c:8082")
        ->required();
    cmd->add_option("--host", args->broker.host, "Address to listen on (default 127.0.0.1)");
    cmd->add_option("--port", args->broker.port, "Port (default 8080; 0 picks a free one)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--timeout-ms", args->timeout_ms,
                    "Per-request deadline: shards (and the re-rank service) not done by then "
                    "are cut off, 504 (default 30000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--health-interval-ms", args->health_interval_ms,
                    "How often replicas marked down are asked /healthz (default 1000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--rerank-url", args->broker.rerank_url,
                    "A /v1/rerank service (cascade serve --model) re-ordering the merged hits");
    cmd->add_option("--rerank-model", args->broker.rerank_model,
                    "The re-rank request's model name (default: the service's first)");
    cmd->add_option("--rerank-depth", args->broker.rerank_depth,
                    "Merged candidates sent to the re-rank service (default 100, at least k)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--threads", args->broker.connection_threads, "Connection threads (default 64)")
        ->check(CLI::Range(1, 4096));
    cmd->callback([args] { run_broker(*args); });
}

}  // namespace cascade::cli
