/// `cascade rerank`: scores (query, document) pairs with a cross-encoder model folder.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/encoder_cli.hpp"
#include "runtime/model_pool.hpp"

namespace cascade::cli {
namespace {

void run_rerank(const EncoderArgs& args) {
    runtime::ModelPool pool(command_pool_options());
    auto model = pool.get(args.model, runtime::Task::ScorePairs);
    std::vector<model::Encoding> pairs;
    for (auto& row : read_jsonl_strings(args.input, {"query", "document"}))
        pairs.push_back(std::move(
            model->model().encode_pairs(row[0], std::span(&row[1], 1), model->max_length())[0]));
    // One request: the model sorts all pairs by length into its forward passes.
    const auto scores = model->scheduler()
                            .submit(std::move(pairs), runtime::Scheduler::Clock::time_point::max())
                            .get();
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
                        "JSONL of {\"query\", \"document\"} pairs");
    cmd->callback([args] { run_rerank(*args); });
}

}  // namespace cascade::cli
