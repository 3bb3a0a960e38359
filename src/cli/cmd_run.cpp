/// `cascade run`: runs a pipeline file (retrieve, then re-rank) over a query set or one typed
/// query, writes the final run (and optionally each stage's), prints the per-stage table.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/report.hpp>

#include "cli_common.hpp"
#include "commands.hpp"

namespace cascade::cli {

namespace {

struct RunArgs {
    std::string pipeline;
    std::string index;
    std::string queries;
    std::string format = "auto";
    std::string qids_from;
    std::string run;
    std::string qrels;
    std::string stage_runs;
    std::string query;
    std::string report;
    std::string timings;
    std::size_t show = 10;
    unsigned threads = 1;
    std::size_t batch = 1;
};

std::vector<Query> load_queries(const RunArgs& args) {
    if (!args.query.empty()) {
        return {Query{"query", args.query}};
    }
    return load_query_set(args.queries, args.format, args.qids_from);
}

/// File name of a stage's run: "01_bm25.run", "02_rm3_rm3.run".
std::string stage_run_name(std::size_t i, const std::string& label) {
    std::string name = fmt::format("{:02}_{}", i + 1, label);
    for (char& c : name) {
        if (c == '/' || c == ' ')
            c = '_';
    }
    return name + ".run";
}

/// --timings and --report: the per-stage timings file, and the HTML report over the stages'
/// runs with the first stage as the baseline.
void write_stage_report(const RunArgs& args, const PipelineResult& result) {
    if (!args.timings.empty()) {
        write_timings(args.timings, stage_timings(result));
    }
    if (args.report.empty()) {
        return;
    }
    ReportInput input;
    input.title = fmt::format("cascade run {}", args.pipeline);
    input.qrels = read_qrels(args.qrels);
    for (const StageReport& stage : result.stages) {
        input.runs.push_back({stage.label, *stage.run});
    }
    input.timings = stage_timings(result);
    write_html_report(args.report, input);
}

void run_pipeline_command(const RunArgs& args) {
    if (args.query.empty() && (args.queries.empty() || args.run.empty())) {
        throw UsageError("give --queries FILE and --run OUT, or --query TEXT");
    }
    if (!args.query.empty() && !args.queries.empty()) {
        throw UsageError("--query and --queries exclude each other");
    }
    std::vector<Query> queries = load_queries(args);
    const Index index = Index::open(args.index);
    const Pipeline pipeline = Pipeline::load(args.pipeline, index, std::max(1U, args.threads));
    Qrels qrels;
    PipelineRunOptions options;
    options.threads = std::max(1U, args.threads);
    options.batch = std::max<std::size_t>(1, args.batch);
    options.keep_runs = !args.stage_runs.empty() || !args.report.empty();
    if (!args.report.empty() && args.qrels.empty()) {
        throw UsageError("--report needs --qrels (the report evaluates every stage)");
    }
    if (!args.qrels.empty()) {
        qrels = read_qrels(args.qrels);
        options.qrels = &qrels;
    }
    const PipelineResult result = pipeline.run(queries, options);
    if (!args.run.empty()) {
        write_run(args.run, result.run);
    }
    if (!args.stage_runs.empty()) {
        std::filesystem::create_directories(args.stage_runs);
        for (std::size_t i = 0; i < result.stages.size(); ++i) {
            write_run(
                (std::filesystem::path(args.stage_runs) / stage_run_name(i, result.stages[i].label))
                    .string(),
                *result.stages[i].run);
        }
    }
    write_stage_report(args, result);
    if (!args.query.empty()) {
        print_hits(index, result.run, args.show);
    }
    std::string out = fmt::format("queries {}, pipeline {}\n", queries.size(), args.pipeline);
    out += format_report(result);
    std::fwrite(out.data(), 1, out.size(), args.query.empty() ? stdout : stderr);
}

}  // namespace

void run_pipeline_query(const std::string& pipeline_file, const std::string& index_dir,
                        const std::string& query, std::size_t show) {
    RunArgs args;
    args.pipeline = pipeline_file;
    args.index = index_dir;
    args.query = query;
    args.show = show;
    run_pipeline_command(args);
}

void add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    auto* cmd = app.add_subcommand(
        "run", "Run a pipeline file (first stage, then re-ranking stages) and time every stage");
    cmd->add_option("--pipeline", args->pipeline, "Pipeline file (YAML; examples/pipelines/)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--index", args->index, "Index directory built by `cascade index`")->required();
    cmd->add_option("--queries", args->queries, "Queries: BEIR/JSONL, TSV, TREC topics")
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", args->format, "Query file format (default auto)");
    cmd->add_option("--qids-from", args->qids_from, "Run only the queries judged in this qrels")
        ->check(CLI::ExistingFile);
    cmd->add_option("--run", args->run, "TREC run file to write (the final stage's ranking)");
    cmd->add_option("--qrels", args->qrels,
                    "Judgments: print nDCG@10, R@100 and MAP after every stage")
        ->check(CLI::ExistingFile);
    cmd->add_option("--stage-runs", args->stage_runs, "Folder for every stage's run");
    cmd->add_option("--threads", args->threads, "Queries run at once (default 1)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--batch", args->batch,
                    "Queries each thread sends through a stage together, so model stages batch "
                    "across queries (default 1; the run does not depend on it)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--timings", args->timings,
                    "Write each stage's latency (p50/p95, total) and measures as a TSV file for "
                    "`cascade report --timings` (docs/report.md)");
    cmd->add_option("--report", args->report,
                    "Write an HTML report over the stages' runs (first stage as the baseline) "
                    "and their timings; needs --qrels (docs/report.md)");
    cmd->add_option("--query", args->query,
                    "One query typed here: print its hits with titles (the table goes to stderr)");
    cmd->add_option("--show", args->show, "Hits printed with --query (default 10)");
    cmd->callback([args] { run_pipeline_command(*args); });
}

}  // namespace cascade::cli
