/// `cascade serve`: the HTTP service (search and re-ranking; see docs/serve.md).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <cascade/error.hpp>
#include <cascade/model.hpp>
#include <cascade/serve.hpp>

#include "commands.hpp"
#include "encoder_cli.hpp"

namespace cascade::cli {
namespace {

struct ServeArgs {
    std::string index;
    std::vector<std::string> pipelines;
    std::vector<std::string> models;
    std::vector<std::string> rerank_methods;  ///< NAME=METHOD
    ServeOptions server;  ///< the options below adjust its model pool and deadline
    ModelOptions model;   ///< load options of every --model
    std::size_t max_wait_ms = 2;
    std::size_t timeout_ms = 30'000;
    int model_threads = 0;
    std::size_t model_batch_size = 32;
};

int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
    char c = static_cast<char>(sig);
    (void)::write(g_signal_pipe[1], &c, 1);
}

/// NAME=DIR with NAME usable as a metrics label.
std::pair<std::string, std::string> split_model(const std::string& spec) {
    static const std::regex kName("[A-Za-z0-9._-]{1,64}");
    auto eq = spec.find('=');
    if (eq == std::string::npos || !std::regex_match(spec.substr(0, eq), kName) ||
        eq + 1 == spec.size())
        throw UsageError(
            fmt::format("--model '{}': expected NAME=DIR with NAME of letters, "
                        "digits, '.', '_' or '-'",
                        spec));
    return {spec.substr(0, eq), spec.substr(eq + 1)};
}

/// --rerank-method NAME=METHOD, by model name; every NAME must be a --model.
std::map<std::string, std::string> rerank_methods(
    const std::vector<std::string>& specs,
    const std::vector<std::pair<std::string, std::string>>& models) {
    std::map<std::string, std::string> out;
    for (const auto& spec : specs) {
        const auto eq = spec.find('=');
        const std::string name = spec.substr(0, eq);
        const std::string method = eq == std::string::npos ? "" : spec.substr(eq + 1);
        if (method != "pointwise" && method != "listwise" && method != "first" && method != "icr")
            throw UsageError(
                fmt::format("--rerank-method '{}': expected NAME=METHOD with METHOD "
                            "pointwise, listwise, first or icr",
                            spec));
        if (std::none_of(models.begin(), models.end(),
                         [&](const auto& m) { return m.first == name; }))
            throw UsageError(
                fmt::format("--rerank-method '{}': no --model is named '{}'", spec, name));
        if (!out.emplace(name, method).second)
            throw UsageError(fmt::format("--rerank-method: model '{}' given twice", name));
    }
    return out;
}

/// NAME=FILE, or FILE named by the pipeline's `name:` (its file stem when it has none).
void load_pipelines(Server& server, const std::vector<std::string>& specs, unsigned threads) {
    // Pipelines share the service's pool: a stage using a --model folder with the same load
    // options runs on that model's one copy and scheduler.
    static const std::regex kName("[A-Za-z0-9._-]{1,64}");
    for (const auto& spec : specs) {
        std::string name;
        std::string file = spec;
        auto eq = spec.find('=');
        if (eq != std::string::npos && !std::filesystem::exists(spec)) {
            name = spec.substr(0, eq);
            file = spec.substr(eq + 1);
            if (!std::regex_match(name, kName) || file.empty())
                throw UsageError(
                    fmt::format("--pipeline '{}': expected FILE or NAME=FILE with "
                                "NAME of letters, digits, '.', '_' or '-'",
                                spec));
        }
        name = server.add_pipeline(name, file, threads);
        std::fprintf(stderr, "cascade serve: pipeline '%s' from %s\n", name.c_str(), file.c_str());
    }
}

void run_serve(ServeArgs& args) {
    ModelPoolOptions& pool = args.server.models;
    if (pool.max_queue == 0)
        throw UsageError("--queue must be at least 1");
    pool.max_wait = std::chrono::milliseconds(args.max_wait_ms);
    args.server.timeout = std::chrono::milliseconds(std::max<std::size_t>(1, args.timeout_ms));

    std::vector<std::pair<std::string, std::string>> models;
    for (const auto& spec : args.models)
        models.push_back(split_model(spec));
    const auto methods = rerank_methods(args.rerank_methods, models);

    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    // One budget of threads for all replicas of a model: a forward pass running alone takes
    // all of it, passes running together split it (SchedulerOptions::threads).
    const int threads = args.model_threads > 0 ? args.model_threads : static_cast<int>(cores);
    pool.threads = static_cast<std::size_t>(threads);
    args.model.batch_size = std::max<std::size_t>(1, args.model_batch_size);
    Server server(args.server);
    server.open_index(args.index);
    // Models first, so that they are named (in /metrics) by their --model NAME even when a
    // pipeline uses the same folder.
    for (const auto& [name, dir] : models) {
        ModelOptions options = args.model;
        options.dir = dir;
        const auto method = methods.find(name);
        server.add_model(name, options, method == methods.end() ? "pointwise" : method->second);
    }
    load_pipelines(server, args.pipelines, static_cast<unsigned>(threads));
    int port = server.bind();
    std::fprintf(stderr, "cascade serve: listening on http://%s:%d\n", args.server.host.c_str(),
                 port);
    std::fflush(stderr);

    // Any thread (OpenBLAS starts its own) may take the signal; the handler only writes to a
    // pipe, and the waiter thread turns that into a graceful stop.
    if (::pipe(g_signal_pipe) != 0)
        throw IoError::from_errno("pipe", "signal pipe");
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::thread waiter([&] {
        char sig = 0;
        while (::read(g_signal_pipe[0], &sig, 1) < 0 && errno == EINTR) {
        }
        if (sig != 0)
            std::fprintf(stderr, "cascade serve: signal %d, finishing in-flight requests\n", sig);
        server.stop();
    });
    server.listen();
    // listen() returns without a signal only when the listener fails; wake the waiter.
    char zero = 0;
    (void)::write(g_signal_pipe[1], &zero, 1);
    waiter.join();
    server.drain();
    std::fprintf(stderr, "cascade serve: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto args = std::make_shared<ServeArgs>();
    auto* cmd = app.add_subcommand(
        "serve",
        "HTTP service: /v1/search (BM25 or pipelines), /v1/rerank (Cohere/Jina), /rerank (TEI)");
    cmd->add_option("--index", args->index, "Index directory built by `cascade index`")->required();
    cmd->add_option("--pipeline", args->pipelines,
                    "Pipeline for /v1/search, FILE or NAME=FILE (repeatable; the first is the "
                    "default; without one, plain BM25)");
    cmd->add_option("--model", args->models,
                    "Re-ranking model NAME=DIR: a cross-encoder or a decoder (LLM) re-ranker "
                    "(repeatable; the first is the default)");
    cmd->add_option("--rerank-method", args->rerank_methods,
                    "How a decoder --model answers /v1/rerank and /rerank, NAME=METHOD with "
                    "METHOD pointwise (default; yes/no logits), listwise (RankGPT windows), "
                    "first (FIRST) or icr (attention); requests may override it (repeatable)");
    cmd->add_option("--host", args->server.host, "Address to listen on (default 127.0.0.1)");
    cmd->add_option("--port", args->server.port, "Port (default 8080; 0 picks a free one)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--threads", args->server.connection_threads,
                    "Connection threads; each open keep-alive connection holds one (default 64)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--model-threads", args->model_threads,
                    "Threads of a model's forward passes, shared by its replicas: a pass "
                    "running alone uses all, N passes at once N-th each; also given to "
                    "pipeline model stages (default: cores)");
    cmd->add_option("--model-replicas", args->server.models.replicas,
                    "Copies of each model, each with its own worker, running batches at once "
                    "(data parallelism; default 1)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--model-batch-size", args->model_batch_size,
                    "Sequences per forward pass inside a merged batch (default 32)");
    add_model_options(cmd, args->model, {"batch_size", "threads"});
    cmd->add_option("--max-batch-tokens", args->server.models.max_batch_tokens,
                    "Token budget of one cross-request model batch (default 16384)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-wait-ms", args->max_wait_ms,
                    "How long a batch waits for more requests (default 2)");
    cmd->add_option("--queue", args->server.models.max_queue,
                    "Requests queued per model before 503 + Retry-After (default 256)");
    cmd->add_option("--timeout-ms", args->timeout_ms,
                    "Per-request deadline for model work and search; 504 past it "
                    "(default 30000)");
    cmd->add_option("--max-body-bytes", args->server.max_body_bytes,
                    "Largest request body (default 8 MiB)");
    cmd->add_option("--max-documents", args->server.max_documents,
                    "Documents per re-ranking request (default 1000)");
    cmd->add_option("--max-document-chars", args->server.max_document_chars,
                    "Characters per document (default 100000)");
    cmd->add_option(
        "--k1", args->server.bm25.k1,
        fmt::format("BM25 k1 of plain /v1/search (default {}, Anserini's)", bm25_defaults().k1));
    cmd->add_option(
        "--b", args->server.bm25.b,
        fmt::format("BM25 b of plain /v1/search (default {}, Anserini's)", bm25_defaults().b));
    cmd->callback([args] { run_serve(*args); });
}

}  // namespace cascade::cli
