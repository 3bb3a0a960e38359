/// `cascade embed`: embeds texts with a bi-encoder (sentence-transformers) model folder.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/encoder_cli.hpp"
#include "model/text_encoders.hpp"

namespace cascade::cli {
namespace {

void run_embed(const EncoderArgs& args) {
    model::BiEncoder encoder(args.model, args.options(), args.max_length);
    std::vector<std::string> texts;
    for (auto& row : read_jsonl_strings(args.input, {"text"})) {
        texts.push_back(std::move(row[0]));
    }
    const auto vectors = encoder.embed(texts);
    std::string out;
    for (const auto& v : vectors)
        out += fmt::format("{{\"embedding\": [{}]}}\n", fmt::join(v, ", "));
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_embed_command(CLI::App& app) {
    auto args = std::make_shared<EncoderArgs>();
    auto* cmd = app.add_subcommand(
        "embed", "Embed texts with a bi-encoder (prints {\"embedding\": [...]} per line)");
    add_encoder_options(cmd, *args, "Hugging Face / sentence-transformers model folder",
                        "JSONL of {\"text\": ...} lines", "texts");
    cmd->callback([args] { run_embed(*args); });
}

}  // namespace cascade::cli
