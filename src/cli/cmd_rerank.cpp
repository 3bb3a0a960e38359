/// `cascade rerank`: scores (query, document) pairs with a cross-encoder or an LLM yes/no
/// re-ranker folder (decoders score logit(yes) − logit(no); --evidence-tokens adds the text they
/// write after a yes verdict).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cascade/collection.hpp>
#include <cascade/model.hpp>

#include "commands.hpp"
#include "encoder_cli.hpp"

namespace cascade::cli {
namespace {

void run_rerank(const EncoderArgs& args) {
    const ModelPool pool(ModelPoolOptions::for_command());
    const CrossEncoder model = pool.cross_encoder(args.model);
    std::vector<std::string> queries;
    std::vector<std::string> documents;
    for (auto& row : read_jsonl_strings(args.input, {"query", "document"})) {
        queries.push_back(std::move(row[0]));
        documents.push_back(std::move(row[1]));
    }
    // One request: the model sorts all pairs by length into its forward passes.
    const std::vector<float> scores = model.score_pairs(queries, documents);
    // LLM yes/no re-rankers with --evidence-tokens: what the model writes after a yes verdict.
    const std::vector<std::string> evidence = args.model.evidence_tokens > 0
                                                  ? model.evidence(queries, documents, scores)
                                                  : std::vector<std::string>{};
    std::string out;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (!evidence.empty() && scores[i] > 0.0F)
            out += fmt::format("{{\"score\": {}, \"evidence\": {}}}\n", scores[i],
                               nlohmann::json(evidence[i])
                                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        else
            out += fmt::format("{{\"score\": {}}}\n", scores[i]);
    }
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
                        "JSONL of {\"query\", \"document\"} pairs");
    cmd->callback([args] { run_rerank(*args); });
}

}  // namespace cascade::cli
