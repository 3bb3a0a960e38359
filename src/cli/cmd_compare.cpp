/// `cascade compare`: per-query differences of two runs with paired significance tests.
#include <cstdio>
#include <memory>

#include <cascade/collection.hpp>
#include <cascade/eval.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

struct CompareArgs {
    std::string qrels;
    std::string run_a;
    std::string run_b;
    std::string subset;
    std::vector<std::string> measures;
    int level = 1;
    bool complete = false;
    bool summary_only = false;
    std::uint64_t trials = 100000;
    std::uint64_t seed = 1;
};

void run_compare(const CompareArgs& args) {
    const Qrels qrels = read_qrels(args.qrels);
    const Run a = read_run(args.run_a);
    const Run b = read_run(args.run_b);
    CompareOptions options;
    options.measures = args.measures;
    options.relevance_level = args.level;
    options.all_qrels_queries = args.complete;
    options.trials = args.trials;
    options.seed = args.seed;
    options.label_a = args.run_a;
    options.label_b = args.run_b;
    const Comparison comparison = compare_runs(qrels, a, b, options);
    const std::string text = args.subset.empty()
                                 ? comparison.format(args.summary_only)
                                 : comparison.format_split(read_query_subset(args.subset),
                                                           args.subset, args.summary_only);
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

void add_compare_command(CLI::App& app) {
    auto args = std::make_shared<CompareArgs>();
    auto* cmd = app.add_subcommand(
        "compare",
        "Compare two runs query by query: differences, wins/ties/losses, paired t-test and "
        "randomization test p-values");
    cmd->add_option("--qrels", args->qrels, "Relevance judgments (TREC qrels or BEIR TSV)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("run_a", args->run_a, "Baseline run (A)")->required()->check(CLI::ExistingFile);
    cmd->add_option("run_b", args->run_b, "Run compared with it (B)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-m,--measure", args->measures,
                    "trec_eval measure (map, ndcg_cut.10, P.5,10...); repeatable. Default: map, "
                    "ndcg_cut.10, recall.100")
        ->allow_extra_args(false);
    cmd->add_option("-l,--level-for-rel", args->level, "Minimum grade that counts as relevant");
    cmd->add_flag("-c,--complete", args->complete,
                  "Compare over every qrels query, also those neither run retrieves for");
    cmd->add_option("--trials", args->trials, "Randomization test trials (default 100000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "Randomization test seed (default 1)");
    cmd->add_option("--subset", args->subset,
                    "Also compare over the queries listed in FILE and over the others, each with "
                    "its own table: one query id per line, or a qrels-like file (first column)")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--summary-only", args->summary_only, "Print only the summary table");
    cmd->callback([args] { run_compare(*args); });
}

}  // namespace cascade::cli
