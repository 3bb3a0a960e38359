/// Measures tokenizer load time and throughput on a JSONL corpus (BEIR corpus.jsonl:
/// title + " " + text per line). Prints one table row per tokenizer; timing is informative
/// only and never a test.
///
///   tokenizer_speed CORPUS.jsonl TOKENIZER.json [TOKENIZER.json ...]

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Process CPU seconds: on a shared machine wall time overstates the work.
double cpu_seconds() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

int run(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: tokenizer_speed CORPUS.jsonl TOKENIZER.json...\n");
        return 2;
    }
    std::vector<std::string> docs;
    std::size_t bytes = 0;
    cascade::LineReader reader(argv[1]);
    std::string line;
    while (reader.next(line)) {
        auto j = nlohmann::json::parse(line);
        std::string title = j.value("title", std::string());
        docs.push_back((title.empty() ? "" : title + " ") + j.value("text", std::string()));
        bytes += docs.back().size();
    }
    std::printf("%zu docs, %.1f MB\n", docs.size(), static_cast<double>(bytes) / 1e6);
    std::printf(
        "| tokenizer | load s (cpu) | encode s wall, cold | encode s cpu, cold | "
        "encode s cpu, warm | tokens | MB/s (cpu, cold) |\n");
    for (int k = 2; k < argc; ++k) {
        double c0 = cpu_seconds();
        auto tok = cascade::model::Tokenizer::from_file(argv[k]);
        double load = cpu_seconds() - c0;
        double wall[2] = {0, 0};
        double cpu[2] = {0, 0};
        std::size_t tokens = 0;
        for (int r = 0; r < 2; ++r) {
            tokens = 0;
            auto t0 = std::chrono::steady_clock::now();
            c0 = cpu_seconds();
            for (const auto& d : docs)
                tokens += tok.encode(d).size();
            cpu[r] = cpu_seconds() - c0;
            wall[r] = seconds_since(t0);
        }
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %zu | %.1f |\n", argv[k], load, wall[0],
                    cpu[0], cpu[1], tokens, static_cast<double>(bytes) / 1e6 / cpu[0]);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const cascade::Error& e) {
        std::fprintf(stderr, "tokenizer_speed: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tokenizer_speed: %s\n", e.what());
        return 1;
    }
}
