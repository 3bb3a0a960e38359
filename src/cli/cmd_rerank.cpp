/// `cascade rerank`: scores (query, document) pairs with a cross-encoder model folder.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "model/text_encoders.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade::cli {
namespace {

struct RerankArgs {
    std::string model;
    std::string input;
    std::size_t batch_size = 32;
    std::size_t max_length = 0;
    int threads = 1;
    bool int8 = false;
};

/// Reads `{"query": ..., "document": ...}` lines; blank lines are skipped.
std::vector<std::pair<std::string, std::string>> read_pairs(const std::string& path) {
    LineReader reader(path);
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string line;
    while (reader.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            reader.fail("malformed JSON (expected {\"query\": ..., \"document\": ...})");
        }
        for (const char* key : {"query", "document"}) {
            if (!j.is_object() || !j.contains(key) || !j[key].is_string())
                reader.fail(fmt::format("missing string field \"{}\"", key));
            if (j[key].get_ref<const std::string&>().find_first_not_of(" \t\r\n") ==
                std::string::npos)
                reader.fail(fmt::format("empty {}", key));
        }
        pairs.emplace_back(j["query"].get<std::string>(), j["document"].get<std::string>());
    }
    return pairs;
}

void run_rerank(const RerankArgs& args) {
    model::EncoderOptions options{args.batch_size, args.threads, args.int8};
    model::CrossEncoder encoder(args.model, options, args.max_length);
    const auto pairs = read_pairs(args.input);
    const auto scores = encoder.score(pairs);
    std::string out;
    for (float s : scores) out += fmt::format("{{\"score\": {}}}\n", s);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_rerank_command(CLI::App& app) {
    auto args = std::make_shared<RerankArgs>();
    auto* cmd = app.add_subcommand(
        "rerank", "Score query-document pairs with a cross-encoder (prints {\"score\": logit})");
    cmd->add_option("--model", args->model, "Hugging Face model folder (config.json, "
                    "model.safetensors, tokenizer.json)")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--input", args->input, "JSONL of {\"query\", \"document\"} pairs")
        ->required()->check(CLI::ExistingFile);
    cmd->add_option("--batch-size", args->batch_size, "pairs per forward pass")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-length", args->max_length,
                    "tokens per pair incl. special tokens (default: tokenizer/model limit)");
    cmd->add_option("--threads", args->threads, "CPU threads")->check(CLI::PositiveNumber);
    cmd->add_flag("--int8", args->int8, "dynamic int8 quantization of the linear layers");
    cmd->callback([args] { run_rerank(*args); });
}

}  // namespace cascade::cli
