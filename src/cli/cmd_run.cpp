/// `cascade run`: runs a pipeline file (retrieve, then re-rank) over a query set or one typed
/// query, writes the final run (and optionally each stage's), prints the per-stage table.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/eval.hpp>
#include <cascade/index.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/report.hpp>

#include "cli_common.hpp"
#include "commands.hpp"
#include "dist.hpp"

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

/// nDCG@10, R@100 and MAP of a stage's run, as the pipeline runner computes them (trec_eval
/// -c over the judged queries that were run; 0 when no judged query has a result).
StageMetrics stage_metrics(const Qrels& judged, const Run& run) {
    StageMetrics m;
    bool any = false;
    for (const auto& [qid, entries] : run.by_query) {
        any = any || (!entries.empty() && judged.by_query.contains(qid));
    }
    if (!any) {
        return m;
    }
    EvalOptions options;
    options.measures = {"ndcg_cut.10", "recall.100", "map"};
    options.average_complete = true;
    const Evaluation e = evaluate(judged, run, options);
    m.ndcg_at_10 = e.summary("ndcg_cut_10").value_or(0.0);
    m.recall_at_100 = e.summary("recall_100").value_or(0.0);
    m.map = e.summary("map").value_or(0.0);
    return m;
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

/// The final run, the stage runs, the timings and report files, and the per-stage table.
/// Under `ranks` > 1 the table's thread count (summed over the ranks, which the overhead
/// figure needs) is written as ranks x threads per rank.
void write_outputs(const RunArgs& args, const Index& index, std::size_t num_queries,
                   const PipelineResult& result, int ranks = 1) {
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
    std::string out = fmt::format("queries {}, pipeline {}\n", num_queries, args.pipeline);
    std::string table = format_report(result);
    if (ranks > 1) {
        const std::string summed = fmt::format(", {} thread(s),", result.threads);
        if (const auto at = table.find(summed); at != std::string::npos) {
            table.replace(
                at, summed.size(),
                fmt::format(", {} ranks x {} thread(s),", ranks, std::max(1U, args.threads)));
        }
    }
    out += table;
    std::fwrite(out.data(), 1, out.size(), args.query.empty() ? stdout : stderr);
}

/// One rank's PipelineResult as bytes: the runs (pack_run) and each stage's counts and
/// latencies; what rank 0 merges.
std::string pack_result(const PipelineResult& r) {
    nlohmann::json j;
    j["wall"] = r.wall_seconds;
    j["output"] = r.output_seconds;
    j["threads"] = r.threads;
    const std::string run = pack_run(r.run);
    j["run"] = nlohmann::json::binary(std::vector<std::uint8_t>(run.begin(), run.end()));
    for (const StageReport& stage : r.stages) {
        nlohmann::json s;
        s["label"] = stage.label;
        s["describe"] = stage.describe;
        s["in"] = stage.candidates_in;
        s["out"] = stage.candidates_out;
        s["ms"] = stage.latency_ms;
        s["seconds"] = stage.total_seconds;
        if (stage.run) {
            const std::string bytes = pack_run(*stage.run);
            s["run"] =
                nlohmann::json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
        }
        j["stages"].push_back(std::move(s));
    }
    const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(j);
    return {cbor.begin(), cbor.end()};
}

std::string binary_string(const nlohmann::json& j) {
    const auto& b = j.get_binary();
    return {b.begin(), b.end()};
}

/// Rank 0: the ranks' results as one, as the serial run would report it (latencies in rank
/// order, not query order; the loop's wall time is the slowest rank's). Stage metrics are
/// computed over the merged stage runs, as the runner computes them over the queries run.
PipelineResult merge_results(const std::vector<std::string>& parts, const std::string& tag,
                             const std::vector<Query>& queries, const Qrels* qrels) {
    PipelineResult result;
    result.threads = 0;
    for (const std::string& part : parts) {
        const nlohmann::json j = nlohmann::json::from_cbor(part);
        result.wall_seconds = std::max(result.wall_seconds, j["wall"].get<double>());
        result.output_seconds = std::max(result.output_seconds, j["output"].get<double>());
        result.threads += j["threads"].get<unsigned>();
        unpack_run(binary_string(j["run"]), result.run);
        const auto& stages = j.contains("stages") ? j["stages"] : nlohmann::json::array();
        result.stages.resize(stages.size());
        for (std::size_t i = 0; i < stages.size(); ++i) {
            StageReport& st = result.stages[i];
            const auto& s = stages[i];
            st.label = s["label"].get<std::string>();
            st.describe = s["describe"].get<std::string>();
            st.candidates_in += s["in"].get<std::size_t>();
            st.candidates_out += s["out"].get<std::size_t>();
            for (const double ms : s["ms"].get<std::vector<double>>()) {
                st.latency_ms.push_back(ms);
            }
            st.total_seconds += s["seconds"].get<double>();
            result.stage_seconds += s["seconds"].get<double>();
            if (s.contains("run")) {
                if (!st.run) {
                    st.run = Run{};
                    st.run->tag = tag;
                }
                unpack_run(binary_string(s["run"]), *st.run);
            }
        }
    }
    result.run.tag = tag;
    result.threads = std::max(1U, result.threads);
    if (qrels != nullptr) {
        Qrels judged;
        for (const Query& q : queries) {
            if (auto it = qrels->by_query.find(q.id); it != qrels->by_query.end()) {
                judged.by_query.insert(*it);
            }
        }
        for (StageReport& st : result.stages) {
            st.metrics = stage_metrics(judged, *st.run);
        }
    }
    return result;
}

/// Under a launcher with several ranks: query i runs on rank i mod N through the same pipeline
/// over the same index; rank 0 merges the runs, stage runs and stage counts and writes them.
void run_pipeline_ranks(const RunArgs& args, Communicator& comm) {
    std::vector<Query> queries;
    std::optional<Index> index;
    PipelineResult mine;
    Qrels qrels;
    run_agreed(comm, [&] {
        if (!args.report.empty() && args.qrels.empty()) {
            throw UsageError("--report needs --qrels (the report evaluates every stage)");
        }
        queries = load_queries(args);
        index = Index::open(args.index);
        const Pipeline pipeline = Pipeline::load(args.pipeline, *index, std::max(1U, args.threads));
        if (!args.qrels.empty()) {
            qrels = read_qrels(args.qrels);
        }
        PipelineRunOptions options;
        options.threads = std::max(1U, args.threads);
        options.batch = std::max<std::size_t>(1, args.batch);
        options.keep_runs = !args.stage_runs.empty() || !args.report.empty() || !args.qrels.empty();
        const std::vector<Query> share = share_of(queries, comm.rank(), comm.size());
        mine = pipeline.run(share, options);
    });
    const std::vector<std::string> parts = comm.gather(pack_result(mine));
    if (comm.rank() != 0) {
        return;
    }
    const PipelineResult result =
        merge_results(parts, mine.run.tag, queries, args.qrels.empty() ? nullptr : &qrels);
    write_outputs(args, *index, queries.size(), result, comm.size());
}

void run_pipeline_command(const RunArgs& args) {
    if (args.query.empty() && (args.queries.empty() || args.run.empty())) {
        throw UsageError("give --queries FILE and --run OUT, or --query TEXT");
    }
    if (!args.query.empty() && !args.queries.empty()) {
        throw UsageError("--query and --queries exclude each other");
    }
    if (Communicator& comm = world(); comm.size() > 1) {
        if (args.query.empty()) {
            run_pipeline_ranks(args, comm);
            return;
        }
        if (comm.rank() != 0) {
            return;  // one typed query: answered once, by rank 0
        }
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
    write_outputs(args, index, queries.size(), result);
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
