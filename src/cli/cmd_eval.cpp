/// `cascade eval`: trec_eval-identical evaluation (see docs/eval.md).
#include <cstdio>
#include <memory>

#include <cascade/collection.hpp>
#include <cascade/eval.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

struct EvalArgs {
    std::string qrels;
    std::string run;
    std::vector<std::string> measures;
    bool per_query = false;
    bool complete = false;
    int level = 1;
    long max_docs = -1;
    int version = 10;
};

void run_eval(const EvalArgs& args) {
    const Qrels qrels = read_qrels(args.qrels);
    const Run run = read_run(args.run);
    EvalOptions options;
    options.measures = args.measures;
    options.relevance_level = args.level;
    options.average_complete = args.complete;
    options.max_docs_per_query = args.max_docs;
    options.run_label = args.run;
    options.trec_eval_version = args.version;
    const std::string text = evaluate(qrels, run, options).format_trec_eval(args.per_query);
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

void add_eval_command(CLI::App& app) {
    auto args = std::make_shared<EvalArgs>();
    auto* cmd = app.add_subcommand(
        "eval", "Evaluate a TREC run against qrels, printing exactly what trec_eval 10.0 prints");
    cmd->add_option("--qrels", args->qrels, "Relevance judgments (TREC qrels or BEIR TSV)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--run", args->run, "TREC run: qid Q0 docid rank score tag")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-m,--measure", args->measures,
                    "Measure, measure.params or nickname (official, all_trec, set); repeatable. "
                    "Default: official")
        ->allow_extra_args(false);
    cmd->add_flag("-q,--query-eval", args->per_query, "Also print every query's values");
    cmd->add_flag("-c,--complete", args->complete,
                  "Average over all qrels queries; queries missing from the run score 0");
    cmd->add_option("-l,--level-for-rel", args->level,
                    "Minimum grade that counts as relevant (default 1)");
    cmd->add_option("-M,--max-retrieved", args->max_docs,
                    "Evaluate only the top N documents of each query")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--trec-eval-version", args->version,
                    "Reproduce trec_eval 10 (default) or 9 where they differ (docs/eval.md)")
        ->check(CLI::IsMember({9, 10}));
    cmd->callback([args] { run_eval(*args); });
}

}  // namespace cascade::cli
