/// `cascade embed`: embeds texts with a bi-encoder (sentence-transformers) model folder.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "model/text_encoders.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade::cli {
namespace {

struct EmbedArgs {
    std::string model;
    std::string input;
    std::size_t batch_size = 32;
    std::size_t max_length = 0;
    int threads = 1;
    bool int8 = false;
};

/// Reads `{"text": ...}` lines; blank lines are skipped.
std::vector<std::string> read_texts(const std::string& path) {
    LineReader reader(path);
    std::vector<std::string> texts;
    std::string line;
    while (reader.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            reader.fail("malformed JSON (expected {\"text\": ...})");
        }
        if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
            reader.fail("missing string field \"text\"");
        if (j["text"].get_ref<const std::string&>().find_first_not_of(" \t\r\n") ==
            std::string::npos)
            reader.fail("empty text");
        texts.push_back(j["text"].get<std::string>());
    }
    return texts;
}

void run_embed(const EmbedArgs& args) {
    model::EncoderOptions options{args.batch_size, args.threads, args.int8};
    model::BiEncoder encoder(args.model, options, args.max_length);
    const auto texts = read_texts(args.input);
    const auto vectors = encoder.embed(texts);
    std::string out;
    for (const auto& v : vectors) out += fmt::format("{{\"embedding\": [{}]}}\n", fmt::join(v, ", "));
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_embed_command(CLI::App& app) {
    auto args = std::make_shared<EmbedArgs>();
    auto* cmd = app.add_subcommand(
        "embed", "Embed texts with a bi-encoder (prints {\"embedding\": [...]} per line)");
    cmd->add_option("--model", args->model, "Hugging Face / sentence-transformers model folder")
        ->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--input", args->input, "JSONL of {\"text\": ...} lines")
        ->required()->check(CLI::ExistingFile);
    cmd->add_option("--batch-size", args->batch_size, "texts per forward pass")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-length", args->max_length,
                    "tokens per text incl. special tokens (default: tokenizer/model limit)");
    cmd->add_option("--threads", args->threads, "CPU threads")->check(CLI::PositiveNumber);
    cmd->add_flag("--int8", args->int8, "dynamic int8 quantization of the linear layers");
    cmd->callback([args] { run_embed(*args); });
}

}  // namespace cascade::cli
