/// `cascade train-ltr`: trains a LambdaMART re-ranker (XGBoost rank:ndcg) on BM25 (or a
/// pipeline's) candidates of judged training queries, choosing rounds and tree depth by
/// grouped cross-validation, and saves it with its feature list; `--apply` re-ranks the BM25
/// candidates of a query set with a saved model and writes the run.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/ltr.hpp>
#include <cascade/search.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

struct TrainLtrArgs {
    std::string index;
    std::string queries;
    std::string qrels;
    std::string model;
    std::string run;
    std::string qids_from;
    std::string tag = "cascade-ltr";
    LtrTrainOptions options;  ///< also --k1/--b (options.bm25) and --depth
    std::string pipeline;
    bool apply = false;
    bool verbose = false;
    bool no_cv = false;
    bool fixed_settings_given = false;  ///< --rounds, --max-depth, --validation, --early-stopping
};

/// The cross-validation table: one line per setting, then the chosen one.
std::string format_cv(const LtrTrainReport& report, std::size_t folds, std::uint64_t seed) {
    std::string out = fmt::format(
        "cv folds\t{} (queries sharing a relevant document kept in one fold; {} groups; seed "
        "{})\ncv fold queries\t",
        folds, report.cv_groups, seed);
    for (std::size_t i = 0; i < report.cv_fold_queries.size(); ++i) {
        out += fmt::format("{}{}", i == 0 ? "" : " ", report.cv_fold_queries[i]);
    }
    out += fmt::format("\ncv\tmax_depth\trounds\tmean ndcg@{}\tsd\tper fold\n", report.eval_at);
    for (const LtrCvSetting& s : report.cv) {
        out +=
            fmt::format("cv\t{}\t{}\t{:.4f}\t{:.4f}\t", s.max_depth, s.rounds, s.mean_ndcg, s.sd);
        for (std::size_t i = 0; i < s.fold_ndcg.size(); ++i) {
            out += fmt::format("{}{:.4f}", i == 0 ? "" : " ", s.fold_ndcg[i]);
        }
        out += "\n";
    }
    const LtrCvSetting& chosen = report.cv[report.cv_chosen];
    out += fmt::format("cv chosen\tmax_depth {} rounds {} (mean ndcg@{} {:.4f})\n",
                       chosen.max_depth, chosen.rounds, report.eval_at, chosen.mean_ndcg);
    return out;
}

std::vector<Query> load_queries(const std::string& path, const std::string& qids_from) {
    std::vector<Query> queries = read_queries(path);
    if (!qids_from.empty()) {
        const Qrels qrels = read_qrels(qids_from);
        std::erase_if(queries, [&](const Query& q) { return !qrels.by_query.contains(q.id); });
    }
    return queries;
}

void run_train(const TrainLtrArgs& args) {
    if (args.qrels.empty()) {
        throw UsageError("--qrels (the training judgments) is required unless --apply is given");
    }
    const Index index = Index::open(args.index);
    check(args.options.bm25);
    const std::vector<Query> queries = read_queries(args.queries);
    const Qrels qrels = read_qrels(args.qrels);
    auto on_round = [&](const std::string& line) {
        if (args.verbose || line.starts_with("cross-validation:")) {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
    };
    LtrTrainOptions options = args.options;
    options.pipeline = args.pipeline;
    if (args.no_cv) {
        options.cv_folds = 0;
    }
    if (options.cv_folds > 0 && args.fixed_settings_given) {
        std::fprintf(stderr,
                     "note: --rounds, --max-depth, --validation and --early-stopping apply with "
                     "--no-cv; cross-validation chooses rounds and depth from --cv-rounds and "
                     "--cv-depths\n");
    }
    std::vector<std::string> excluded;
    for (const std::string& name : options.exclude_features) {
        if (name == "document") {
            for (const std::string& d : ltr_document_features()) {
                excluded.push_back(d);
            }
        } else {
            excluded.push_back(name);
        }
    }
    options.exclude_features = excluded;
    const LtrTrainReport report = train_ltr(index, queries, qrels, options, args.model, on_round);
    std::string out = report.cv.empty() ? "" : format_cv(report, options.cv_folds, options.seed);
    out += fmt::format(
        "queries\t{}\ntrain queries\t{}\nvalidation queries\t{}\n"
        "dropped (no relevant candidate)\t{}\nrows\t{}\nfeatures\t{}\nrounds run\t{}\n"
        "best iteration\t{}\ntrain ndcg@{}\t{:.4f}\nvalidation ndcg@{}\t{}\nmodel\t{}\n",
        report.queries, report.train_queries, report.valid_queries, report.dropped_queries,
        report.rows, report.features.size(), report.rounds_run, report.best_iteration,
        report.eval_at, report.train_ndcg, report.eval_at,
        std::isnan(report.valid_ndcg) ? std::string("n/a")
                                      : fmt::format("{:.4f}", report.valid_ndcg),
        args.model);
    if (!options.exclude_features.empty()) {
        out += "excluded features\t";
        for (std::size_t i = 0; i < options.exclude_features.size(); ++i) {
            out += (i == 0 ? "" : ",") + options.exclude_features[i];
        }
        out += "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
}

void run_apply(const TrainLtrArgs& args) {
    if (args.run.empty()) {
        throw UsageError("--apply needs --run OUT");
    }
    const Index index = Index::open(args.index);
    const LtrReranker ranker = LtrReranker::load(index, args.model);
    const std::vector<Query> queries = load_queries(args.queries, args.qids_from);
    const Run run = ranker.rerank_bm25(queries, args.options.depth, args.tag);
    write_run(args.run, run);
    const std::string out =
        fmt::format("queries\t{}\nhits\t{}\ndepth\t{}\nrun\t{}\n", queries.size(),
                    run.num_entries(), args.options.depth, args.run);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_train_ltr_command(CLI::App& app) {
    auto args = std::make_shared<TrainLtrArgs>();
    LtrTrainOptions& o = args->options;
    auto* cmd = app.add_subcommand(
        "train-ltr", "Train a LambdaMART re-ranker (XGBoost rank:ndcg) on BM25 candidates");
    cmd->add_option("--index", args->index, "Index directory built by `cascade index`")->required();
    cmd->add_option("--queries", args->queries, "Queries: BEIR/JSONL, TSV, TREC topics")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--qrels", args->qrels, "Training judgments (unjudged candidates = 0)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--model", args->model, "Model directory to write (or read with --apply)")
        ->required();
    cmd->add_option("--depth", o.depth, "BM25 candidates per query (default 100)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--cv-folds", o.cv_folds,
                    "Cross-validation folds choosing rounds and tree depth; queries sharing a "
                    "relevant document stay in one fold (default 5; 0 = --no-cv)")
        ->check(CLI::Range(0, 100));
    cmd->add_flag("--no-cv", args->no_cv,
                  "No cross-validation: --rounds and --max-depth with early stopping on a "
                  "--validation share (the behaviour before cross-validation)");
    cmd->add_option("--cv-depths", o.cv_depths, "Candidate tree depths (default 2,4,6)")
        ->delimiter(',');
    cmd->add_option("--cv-rounds", o.cv_rounds,
                    "Candidate boosting rounds (default 100,200,300,400,500)")
        ->delimiter(',');
    cmd->add_option("--exclude-features", o.exclude_features,
                    "Computed features to leave out, comma-separated; 'document' = the features "
                    "of the document alone (doc_length), which can identify documents")
        ->delimiter(',');
    cmd->add_option("--pipeline", args->pipeline,
                    "Train on this pipeline's final candidates (cut to --depth) instead of BM25's: "
                    "the stages before the ltr stage it will run in")
        ->check(CLI::ExistingFile);
    cmd->add_option("--stage-features", o.stage_features,
                    "Features recorded by the --pipeline's stages to use as inputs, "
                    "comma-separated (rm3_score, rm3_rank, fusion_score, ...)")
        ->delimiter(',');
    cmd->add_option("--validation", o.validation,
                    "With --no-cv: share of training queries held out for early stopping "
                    "(default 0.2)")
        ->check(CLI::Range(0.0, 0.95));
    cmd->add_option("--rounds", o.rounds, "With --no-cv: boosting rounds at most (default 500)");
    cmd->add_option("--early-stopping", o.early_stopping,
                    "With --no-cv: rounds without a better validation ndcg before stopping "
                    "(default 100)");
    cmd->add_option("--seed", o.seed, "Seed of the folds or split and of XGBoost (default 42)");
    cmd->add_option("--eta", o.eta, "Learning rate (default 0.1)");
    cmd->add_option("--max-depth", o.max_depth, "With --no-cv: tree depth (default 4)");
    cmd->add_option("--min-child-weight", o.min_child_weight,
                    "Minimum hessian per leaf (default 5)");
    cmd->add_option("--subsample", o.subsample, "Row sampling per tree (default 1)");
    cmd->add_option("--colsample", o.colsample, "Feature sampling per tree (default 1)");
    cmd->add_option("--threads", o.threads, "XGBoost threads (default 1, reproducible)");
    cmd->add_option(
        "--k1", o.bm25.k1,
        fmt::format("BM25 k1 of the first stage and features (default {})", bm25_defaults().k1));
    cmd->add_option(
        "--b", o.bm25.b,
        fmt::format("BM25 b of the first stage and features (default {})", bm25_defaults().b));
    cmd->add_flag("--verbose", args->verbose, "Print XGBoost's evaluation line every round");
    cmd->add_flag("--apply", args->apply,
                  "Re-rank the BM25 top --depth of --queries with the saved --model into --run");
    cmd->add_option("--run", args->run, "With --apply: TREC run file to write");
    cmd->add_option("--qids-from", args->qids_from,
                    "With --apply: only the queries judged in this qrels file")
        ->check(CLI::ExistingFile);
    cmd->add_option("--tag", args->tag, "With --apply: run tag (default cascade-ltr)");
    cmd->callback([args, cmd] {
        for (const char* option : {"--rounds", "--max-depth", "--validation", "--early-stopping"}) {
            args->fixed_settings_given = args->fixed_settings_given || cmd->count(option) > 0;
        }
        args->apply ? run_apply(*args) : run_train(*args);
    });
}

}  // namespace cascade::cli
