/// `cascade rerank`: scores (query, document) pairs with a cross-encoder or an LLM yes/no
/// re-ranker folder (decoders score logit(yes) − logit(no); --evidence-tokens adds the text they
/// write after a yes verdict).
#include <cstdio>
#include <map>
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

struct RerankArgs {
    EncoderArgs encoder;
    std::string method = "pointwise";
    ListRerankOptions list;
};

/// --method listwise / first / icr: each query's documents (in input order) are ranked
/// together; one score per input line, in input order.
void run_list_rerank(const RerankArgs& args) {
    ListRerankOptions list = args.list;
    list.method = parse_list_method(args.method);
    const ModelPool pool(ModelPoolOptions::for_command());
    const ListReranker model = pool.list_reranker(args.encoder.model, list);
    std::vector<std::string> order;  // queries by first appearance
    std::map<std::string, std::vector<std::size_t>> lines;
    std::vector<std::string> documents;
    for (auto& row : read_jsonl_strings(args.encoder.input, {"query", "document"})) {
        auto [it, added] = lines.try_emplace(row[0]);
        if (added)
            order.push_back(row[0]);
        it->second.push_back(documents.size());
        documents.push_back(std::move(row[1]));
    }
    std::vector<float> scores(documents.size(), 0.0F);
    for (const std::string& query : order) {
        const auto& at = lines.at(query);
        std::vector<std::string> docs;
        for (std::size_t i : at)
            docs.push_back(documents[i]);
        const std::vector<float> s = model.score(query, docs);
        for (std::size_t j = 0; j < at.size(); ++j)
            scores[at[j]] = s[j];
    }
    std::string out;
    for (float s : scores)
        out += fmt::format("{{\"score\": {}}}\n", s);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

void run_rerank(const RerankArgs& rerank) {
    if (rerank.method != "pointwise") {
        run_list_rerank(rerank);
        return;
    }
    const EncoderArgs& args = rerank.encoder;
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
    auto args = std::make_shared<RerankArgs>();
    auto* cmd = app.add_subcommand(
        "rerank", "Score query-document pairs with a cross-encoder (prints {\"score\": logit})");
    add_encoder_options(cmd, args->encoder,
                        "Hugging Face model folder (config.json, model.safetensors, "
                        "tokenizer.json)",
                        "JSONL of {\"query\", \"document\"} pairs");
    cmd->add_option("--method", args->method,
                    "pointwise (pair by pair; cross-encoders and LLM yes/no re-rankers), or for "
                    "a decoder: listwise (RankGPT windows), first (FIRST) or icr (attention); "
                    "list methods rank each query's documents together and print n - rank "
                    "(icr: its score)")
        ->check(CLI::IsMember({"pointwise", "listwise", "first", "icr"}))
        ->capture_default_str();
    cmd->add_option("--window", args->list.window, "listwise/first: passages per window")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--stride", args->list.stride, "listwise/first: how far each window moves up")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--passage-tokens", args->list.passage_tokens,
                    "list methods: documents cut to this many tokens (0: whole)")
        ->capture_default_str();
    cmd->callback([args] { run_rerank(*args); });
}

}  // namespace cascade::cli
