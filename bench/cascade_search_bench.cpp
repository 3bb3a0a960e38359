/// cascade's side of the first-stage benchmark, measured exactly as xapian_driver measures
/// Xapian: index opened once, untimed warm-up queries, then every query through the public
/// retriever with T threads pulling from a shared counter, the external id of every hit
/// looked up (as a run needs), wall time, process CPU time and per-query latency.
///
///   cascade_search_bench --index DIR --queries queries.tsv --algorithm maxscore --k 10
///                        --threads 2 [--run OUT]
///
/// Prints one `key=value` line (timing.hpp) for bench/run_first_stage.sh.

#include <atomic>
#include <cstdio>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "collection/reader.hpp"
#include "collection/trec_io.hpp"
#include "index/index.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "timing.hpp"
#include "util/error.hpp"

namespace cascade::bench {
namespace {

struct Options {
    std::string index;
    std::string queries;
    std::string algorithm = "maxscore";
    std::size_t k = 10;
    unsigned threads = 1;
    std::size_t warmup = 500;
    std::size_t limit = 0;
    std::string run;
};

using Results = std::vector<std::vector<retrieve::Hit>>;

/// Searches queries[next..] one at a time; records latency and (when given) the hits.
void search_worker(const retrieve::Bm25Retriever& retriever, std::span<const Query> queries,
                   std::size_t k, std::atomic<std::size_t>& next, std::vector<double>& latency,
                   Results* results, std::size_t& id_bytes) {
    for (std::size_t i; (i = next.fetch_add(1)) < queries.size();) {
        const auto start = Clock::now();
        auto hits = retriever.search(queries.subspan(i, 1), k);
        for (const auto& hit : hits[0]) {
            id_bytes += std::string(retriever.external_id(hit.docid)).size();
        }
        latency[i] = seconds_since(start);
        if (results != nullptr)
            (*results)[i] = std::move(hits[0]);
    }
}

int run(const Options& opt) {
    std::vector<Query> queries = read_queries(opt.queries);
    if (opt.limit != 0 && queries.size() > opt.limit)
        queries.resize(opt.limit);
    // Start-up: open the index and everything the first query needs (the id ranks included).
    const auto open_start = Clock::now();
    const index::Index index = index::Index::open(opt.index);
    retrieve::Bm25Options options;
    options.algorithm = retrieve::parse_algorithm(opt.algorithm);
    options.threads = 1;  // parallelism comes from the workers below, as in xapian_driver
    const retrieve::Bm25Retriever retriever(index, options);
    (void)index.id_ranks();
    const double open_seconds = seconds_since(open_start);

    std::size_t id_bytes = 0;
    if (opt.warmup > 0) {
        const std::span<const Query> warm(queries.data(), std::min(opt.warmup, queries.size()));
        std::vector<double> ignored(warm.size());
        std::atomic<std::size_t> next{0};
        search_worker(retriever, warm, opt.k, next, ignored, nullptr, id_bytes);
    }

    std::vector<double> latency(queries.size(), 0.0);
    Results results(opt.run.empty() ? 0 : queries.size());
    Results* results_ptr = opt.run.empty() ? nullptr : &results;
    std::vector<std::size_t> thread_id_bytes(opt.threads, 0);
    std::atomic<std::size_t> next{0};
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < opt.threads; ++t) {
        workers.emplace_back([&, t] {
            search_worker(retriever, queries, opt.k, next, latency, results_ptr,
                          thread_id_bytes[t]);
        });
    }
    for (auto& w : workers)
        w.join();
    const double wall = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;

    if (!opt.run.empty())
        write_run(opt.run, retrieve::to_run(retriever, queries, results, "cascade"));
    const std::string prefix =
        "engine=cascade mode=search algorithm=" + opt.algorithm + " k=" + std::to_string(opt.k) +
        " threads=" + std::to_string(opt.threads) + " open_seconds=" + std::to_string(open_seconds);
    print_search_summary(prefix, latency, wall, cpu);
    return 0;
}

}  // namespace
}  // namespace cascade::bench

int main(int argc, char** argv) {
    cascade::bench::Options opt;
    CLI::App app{"cascade first-stage query throughput, measured like xapian_driver",
                 "cascade_search_bench"};
    app.add_option("--index", opt.index, "index built by `cascade index`")->required();
    app.add_option("--queries", opt.queries, "query file (TSV, JSONL, TREC topics)")->required();
    app.add_option("--algorithm", opt.algorithm, "exhaustive, maxscore, wand or bmw")
        ->capture_default_str();
    app.add_option("--k", opt.k, "hits per query")->capture_default_str();
    app.add_option("--threads", opt.threads, "search threads")
        ->capture_default_str()
        ->check(CLI::Range(1U, 256U));
    app.add_option("--warmup", opt.warmup, "untimed queries run first")->capture_default_str();
    app.add_option("--limit", opt.limit, "use only the first N queries (0 = all)");
    app.add_option("--run", opt.run, "write a TREC run here");
    CLI11_PARSE(app, argc, argv);
    try {
        return cascade::bench::run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cascade_search_bench: error: %s\n", e.what());
        return 1;
    }
}
