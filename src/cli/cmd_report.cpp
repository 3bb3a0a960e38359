/// `cascade report`: one self-contained HTML page comparing runs (measure table with
/// significance, per-query differences, recall against depth, score distributions and, given a
/// timings file, effectiveness against latency).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/report.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

struct ReportArgs {
    std::string qrels;
    std::vector<std::string> runs;
    std::string stage_runs;
    std::string timings;
    std::string out;
    std::string title = "cascade report";
    std::vector<std::string> measures;
    std::string delta_measure = "ndcg_cut.10";
    std::vector<int> depths;
    std::uint64_t trials = 100000;
    std::uint64_t seed = 1;
};

/// The `*.run` files of a `cascade run --stage-runs` folder, in name (stage) order.
std::vector<std::filesystem::path> stage_run_files(const std::string& dir) {
    if (!std::filesystem::is_directory(dir)) {
        throw UsageError(fmt::format("--stage-runs {}: not a folder", dir));
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".run") {
            files.push_back(entry.path());
        }
    }
    if (files.empty()) {
        throw UsageError(fmt::format("--stage-runs {}: no *.run file in it", dir));
    }
    std::sort(files.begin(), files.end());
    return files;
}

void run_report(const ReportArgs& args) {
    ReportInput input;
    input.title = args.title;
    input.qrels = read_qrels(args.qrels);
    for (const std::string& path : args.runs) {
        input.runs.push_back({std::filesystem::path(path).filename().string(), read_run(path)});
    }
    if (!args.stage_runs.empty()) {
        for (const std::filesystem::path& path : stage_run_files(args.stage_runs)) {
            input.runs.push_back({path.stem().string(), read_run(path.string())});
        }
    }
    if (input.runs.empty()) {
        throw UsageError("give at least one --run FILE or --stage-runs DIR");
    }
    if (!args.timings.empty()) {
        input.timings = read_timings(args.timings);
    }
    if (!args.measures.empty()) {
        input.measures = args.measures;
    }
    input.delta_measure = args.delta_measure;
    if (!args.depths.empty()) {
        input.depths = args.depths;
    }
    input.trials = args.trials;
    input.seed = args.seed;
    write_html_report(args.out, input);
    std::fprintf(stderr, "report %s: %zu run(s)%s\n", args.out.c_str(), input.runs.size(),
                 input.timings.empty() ? "" : ", with timings");
}

}  // namespace

void add_report_command(CLI::App& app) {
    auto args = std::make_shared<ReportArgs>();
    auto* cmd = app.add_subcommand(
        "report",
        "Write one self-contained HTML report comparing runs: measures with significance, "
        "per-query differences, recall against depth, score distributions, effectiveness "
        "against latency");
    cmd->add_option("--qrels", args->qrels, "Relevance judgments (TREC qrels or BEIR TSV)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--run", args->runs,
                    "TREC run (repeatable); the first is the baseline of the comparisons")
        ->check(CLI::ExistingFile)
        ->allow_extra_args(false);
    cmd->add_option("--stage-runs", args->stage_runs,
                    "Folder of `cascade run --stage-runs`: its *.run files in name order, after "
                    "the --run files");
    cmd->add_option("--timings", args->timings,
                    "Timings file of `cascade run --timings`: adds effectiveness against latency")
        ->check(CLI::ExistingFile);
    cmd->add_option("--out", args->out, "HTML file to write")->required();
    cmd->add_option("--title", args->title, "Page title (default \"cascade report\")");
    cmd->add_option("-m,--measure", args->measures,
                    "trec_eval measure of the table (repeatable). Default: ndcg_cut.10, map, "
                    "recall.100, P.10")
        ->allow_extra_args(false);
    cmd->add_option("--delta-measure", args->delta_measure,
                    "Measure of the per-query difference charts (default ndcg_cut.10)");
    cmd->add_option("--depths", args->depths,
                    "Cut-offs of the recall chart, ascending (default 10,20,50,100,200,500,1000)")
        ->delimiter(',')
        ->allow_extra_args(false);
    cmd->add_option("--trials", args->trials, "Randomization test trials (default 100000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "Randomization test seed (default 1)");
    cmd->callback([args] { run_report(*args); });
}

}  // namespace cascade::cli
