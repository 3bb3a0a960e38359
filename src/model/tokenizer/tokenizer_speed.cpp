/// Measures tokenizer load time and throughput on a JSONL corpus (BEIR corpus.jsonl:
/// title + " " + text per line). Prints one table row per tokenizer; timing is informative
/// only and never a test.
///
///   tokenizer_speed CORPUS.jsonl TOKENIZER.json [TOKENIZER.json ...]

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
    std::printf("| tokenizer | load s | encode s (cold cache) | encode s (warm) | tokens | MB/s |\n");
    for (int k = 2; k < argc; ++k) {
        auto t0 = std::chrono::steady_clock::now();
        auto tok = cascade::model::Tokenizer::from_file(argv[k]);
        double load = seconds_since(t0);
        double runs[2] = {0, 0};
        std::size_t tokens = 0;
        for (double& r : runs) {
            tokens = 0;
            t0 = std::chrono::steady_clock::now();
            for (const auto& d : docs) tokens += tok.encode(d).size();
            r = seconds_since(t0);
        }
        std::printf("| %s | %.2f | %.2f | %.2f | %zu | %.1f |\n", argv[k], load, runs[0], runs[1],
                    tokens, static_cast<double>(bytes) / 1e6 / runs[0]);
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
    }
}
