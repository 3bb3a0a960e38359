// TILDE passage expansion speed (model/token_expand.hpp): passages/s of the expansion forward
// pass (128-token passage inputs, first-position MLM logits, top m, filters) at 1 and 2
// threads on a model folder, over the first N documents of a BEIR corpus.jsonl.
//   bench_tilde_expand --model DIR --corpus corpus.jsonl [--docs 256] [--terms 200]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "model/token_expand.hpp"

int main(int argc, char** argv) {
    CLI::App app("TILDE expansion passages/s");
    std::string model;
    std::string corpus;
    std::size_t docs = 256;
    std::size_t terms = 200;
    app.add_option("--model", model, "BertLMHeadModel folder")->required();
    app.add_option("--corpus", corpus, "BEIR corpus.jsonl")->required();
    app.add_option("--docs", docs, "passages");
    app.add_option("--terms", terms, "m");
    CLI11_PARSE(app, argc, argv);
    std::vector<std::string> texts;
    std::ifstream in(corpus);
    std::string line;
    while (texts.size() < docs && std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        texts.push_back(j.value("title", "") + " " + j.value("text", ""));
    }
    using namespace cascade::model;
    TildeExpander expander(model, EncoderOptions{32, 2, false});
    std::vector<Encoding> encodings;
    std::size_t tokens = 0;
    for (const auto& t : texts) {
        encodings.push_back(expander.encode_passage(t));
        tokens += encodings.back().ids.size();
    }
    std::printf("%zu passages, %.1f tokens each (max %zu), m=%zu\n", texts.size(),
                static_cast<double>(tokens) / static_cast<double>(texts.size()),
                expander.max_length(), terms);
    for (std::size_t threads : {1UL, 2UL}) {
        (void)expander.expand({encodings.begin(), encodings.begin() + 8}, terms, threads);
        const auto start = std::chrono::steady_clock::now();
        const auto out = expander.expand(encodings, terms, threads);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::size_t added = 0;
        for (const auto& e : out)
            added += e.size();
        std::printf("threads %zu: %.1f passages/s (%.2f s), %.1f new tokens per passage\n", threads,
                    static_cast<double>(texts.size()) / s, s,
                    static_cast<double>(added) / static_cast<double>(out.size()));
    }
    return 0;
}
