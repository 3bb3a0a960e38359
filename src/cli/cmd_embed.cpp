/// `cascade embed`: embeds texts with a bi-encoder (sentence-transformers) model folder.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cascade/collection.hpp>
#include <cascade/model.hpp>

#include "commands.hpp"
#include "encoder_cli.hpp"

namespace cascade::cli {
namespace {

void run_embed(const EncoderArgs& args) {
    const ModelPool pool(ModelPoolOptions::for_command());
    const BiEncoder model = pool.bi_encoder(args.model);
    std::vector<std::string> texts;
    for (auto& row : read_jsonl_strings(args.input, {"text"})) {
        texts.push_back(std::move(row[0]));
    }
    const std::vector<float> flat = model.embed(texts);
    const std::size_t dim = model.dimension();
    std::string out;
    for (std::size_t i = 0; i < texts.size(); ++i)
        out += fmt::format("{{\"embedding\": [{}]}}\n",
                           fmt::join(std::span(flat).subspan(i * dim, dim), ", "));
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_embed_command(CLI::App& app) {
    auto args = std::make_shared<EncoderArgs>();
    auto* cmd = app.add_subcommand(
        "embed", "Embed texts with a bi-encoder (prints {\"embedding\": [...]} per line)");
    add_encoder_options(cmd, *args, "Hugging Face / sentence-transformers model folder",
                        "JSONL of {\"text\": ...} lines");
    cmd->callback([args] { run_embed(*args); });
}

}  // namespace cascade::cli
