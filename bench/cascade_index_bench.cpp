/// Builds a cascade index exactly as `cascade index` does (same library call, default
/// english+porter+stop analyzer, no positions) and prints one `key=value` line with wall and
/// CPU time, so the benchmark does not need the whole CLI (and its model layers) to link.
///
///   cascade_index_bench --collection corpus.jsonl --index DIR [--threads N]

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "collection/reader.hpp"
#include "index/builder.hpp"
#include "text/analyzer.hpp"
#include "timing.hpp"

int main(int argc, char** argv) {
    std::string collection;
    std::string dir;
    unsigned threads = 1;
    std::uint64_t memory_mb = 1024;
    CLI::App app{"cascade index build throughput", "cascade_index_bench"};
    app.add_option("--collection", collection, "JSONL corpus")->required();
    app.add_option("--index", dir, "output index folder (replaced)")->required();
    app.add_option("--threads", threads, "analysis threads")->capture_default_str();
    app.add_option("--memory-mb", memory_mb, "postings memory before a spill (MiB)")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        const auto start = cascade::bench::Clock::now();
        const double cpu_start = cascade::bench::cpu_seconds();
        const auto analyzer = cascade::text::make_analyzer(cascade::text::AnalyzerOptions{});
        auto docs = cascade::open_documents(collection);
        cascade::index::BuildOptions options;
        options.threads = threads;
        options.memory_budget = memory_mb << 20;
        options.progress = false;
        options.source = collection;
        const auto s = cascade::index::build_index(*docs, *analyzer, dir, options);
        const double wall = cascade::bench::seconds_since(start);
        const double cpu = cascade::bench::cpu_seconds() - cpu_start;
        std::printf(
            "engine=cascade mode=index docs=%u terms=%llu postings=%llu seconds=%.3f "
            "cpu_seconds=%.3f docs_per_s=%.0f bytes=%llu postings_bytes=%llu "
            "bytes_per_posting=%.3f postings_bytes_per_posting=%.3f spills=%u threads=%u\n",
            s.num_docs, static_cast<unsigned long long>(s.num_terms),
            static_cast<unsigned long long>(s.num_postings), wall, cpu,
            static_cast<double>(s.num_docs) / wall, static_cast<unsigned long long>(s.index_bytes),
            static_cast<unsigned long long>(s.postings_bytes),
            static_cast<double>(s.index_bytes) / static_cast<double>(s.num_postings),
            static_cast<double>(s.postings_bytes) / static_cast<double>(s.num_postings),
            s.spilled_runs, threads);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cascade_index_bench: error: %s\n", e.what());
        return 1;
    }
}
