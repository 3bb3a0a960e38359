/// `cascade rerank`: scores (query, document) pairs with a cross-encoder model folder.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/encoder_cli.hpp"
#include "model/text_encoders.hpp"

namespace cascade::cli {
namespace {

void run_rerank(const EncoderArgs& args) {
    model::CrossEncoder encoder(args.model, args.options(), args.max_length);
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto& row : read_jsonl_strings(args.input, {"query", "document"})) {
        pairs.emplace_back(std::move(row[0]), std::move(row[1]));
    }
    const auto scores = encoder.score(pairs);
    std::string out;
    for (float s : scores)
        out += fmt::format("{{\"score\": {}}}\n", s);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_rerank_command(CLI::App& app) {
    auto args = std::make_shared<EncoderArgs>();
    auto* cmd = app.add_subcommand(
        "rerank", "Score query-document pairs with a cross-encoder (prints {\"score\": logit})");
    add_encoder_options(cmd, *args,
                        "Hugging Face model folder (config.json, model.safetensors, "
                        "tokenizer.json)",
                        "JSONL of {\"query\", \"document\"} pairs", "pairs");
    cmd->callback([args] { run_rerank(*args); });
}

}  // namespace cascade::cli
