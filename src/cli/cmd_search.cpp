/// `cascade search`: BM25 first-stage retrieval over a cascade index, written as a TREC run.
/// It runs the implicit pipeline `first_stage: {type: bm25, ...}` (pipeline/bm25_pipeline.hpp)
/// through the pipeline runner, so it is the same code as a bm25 stage in a pipeline file.
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "collection/reader.hpp"
#include "collection/trec_io.hpp"
#include "index/index.hpp"
#include "pipeline/bm25_pipeline.hpp"
#include "pipeline/runner.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace cascade::cli {

namespace {

/// Queries searched per progress-bar update (threads share each batch).
constexpr std::size_t kProgressBatch = 64;

/// Anserini's BM25 defaults, the ones every BM25 user starts from.
constexpr retrieve::Bm25Params kDefaults{};

struct SearchArgs {
    std::string index;
    std::string queries;
    std::string format = "auto";
    std::string qids_from;
    std::string run;
    std::string tag = "cascade";
    std::string algorithm = "maxscore";
    std::string fields;
    std::size_t k = 1000;
    unsigned threads = 1;
    float k1 = kDefaults.k1;
    float b = kDefaults.b;
    bool remove_query = false;
    std::string pipeline;
    std::string query;
    std::size_t show = 10;
};

/// `--query TEXT`: one typed query, its hits printed with titles; through the pipeline file
/// when `--pipeline` is given, else the BM25 pipeline of the command's options.
void run_one_query(const SearchArgs& args, pipeline::Bm25StageSpec spec) {
    if (!args.pipeline.empty()) {
        run_pipeline_query(args.pipeline, args.index, args.query, args.show);
        return;
    }
    index::Index index = index::Index::open(args.index);
    spec.k = std::max(args.k, args.show);
    spec.remove_query = false;  // the typed query has no id of its own
    const unsigned threads = std::max(1U, args.threads);
    const pipeline::Pipeline bm25 = pipeline::bm25_pipeline(index, spec, threads);
    std::vector<Query> one{Query{"query", args.query}};
    pipeline::RunnerOptions options;
    options.threads = threads;
    print_hits(index, pipeline::run_pipeline(bm25, index, one, options).run, args.show);
}

void run_search(const SearchArgs& args) {
    if (args.query.empty() && (args.queries.empty() || args.run.empty())) {
        throw UsageError("give --queries FILE and --run OUT, or --query TEXT");
    }
    if (!args.query.empty() && !args.queries.empty()) {
        throw UsageError("--query and --queries exclude each other");
    }
    if (!args.pipeline.empty() && args.query.empty()) {
        throw UsageError("--pipeline searches one --query; for query sets use `cascade run`");
    }
    if (args.k == 0) {
        throw UsageError("--k must be at least 1");
    }
    // The tag is the last whitespace-separated column of every run line: a tag with spaces
    // would write a run that neither trec_eval nor `cascade eval` can read back.
    if (args.tag.empty() || args.tag.find_first_of(" \t\r\n\v\f") != std::string::npos) {
        throw UsageError(fmt::format("--tag '{}' must be one word without whitespace", args.tag));
    }
    // Parsed here, before any file is read, so that a bad option is reported first.
    pipeline::Bm25StageSpec spec;
    spec.params = {args.k1, args.b};
    spec.algorithm = retrieve::parse_algorithm(args.algorithm);
    if (!args.fields.empty()) {
        spec.fields = retrieve::parse_field_weights(args.fields);
    }
    spec.k = args.k;
    spec.remove_query = args.remove_query;
    spec.name = args.tag;
    if (!args.query.empty()) {
        run_one_query(args, spec);
        return;
    }
    std::vector<Query> queries = load_query_set(args.queries, args.format, args.qids_from);
    index::Index index = index::Index::open(args.index);
    const unsigned threads = std::max(1U, args.threads);
    const pipeline::Pipeline bm25 = pipeline::bm25_pipeline(index, spec, threads);
    pipeline::RunnerOptions options;
    options.threads = threads;

    Progress progress("search", queries.size(), "queries", stderr_is_terminal());
    auto start = std::chrono::steady_clock::now();
    Run run;
    run.tag = bm25.name();
    for (std::size_t i = 0; i < queries.size(); i += kProgressBatch) {
        std::span<const Query> batch(queries.data() + i,
                                     std::min(kProgressBatch, queries.size() - i));
        for (auto& [qid, entries] :
             pipeline::run_pipeline(bm25, index, batch, options).run.by_query) {
            run.by_query[qid] = std::move(entries);
        }
        progress.set(i + batch.size());
    }
    progress.finish();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_run(args.run, run);

    std::size_t empty = 0;
    for (const auto& [qid, entries] : run.by_query) {
        empty += entries.empty() ? 1 : 0;
    }
    std::string out = fmt::format(
        "queries\t{}\nqueries without hits\t{}\nhits\t{}\nretriever\t{}\nalgorithm\t{}\n"
        "threads\t{}\nseconds\t{:.3f}\nqueries/s\t{:.1f}\nrun\t{}\n",
        queries.size(), empty, run.num_entries(), bm25.branches().front().head().retriever().name(),
        retrieve::algorithm_name(spec.algorithm), threads, seconds,
        seconds > 0 ? static_cast<double>(queries.size()) / seconds : 0.0, args.run);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_search_command(CLI::App& app) {
    auto args = std::make_shared<SearchArgs>();
    auto* cmd = app.add_subcommand(
        "search", "BM25 retrieval (Lucene/Anserini-exact scores) over an index, to a TREC run");
    cmd->add_option("--index", args->index, "Index directory built by `cascade index`")->required();
    cmd->add_option("--queries", args->queries,
                    "Queries: BEIR/JSONL, TSV (qid<TAB>text), TREC topics; plain or .gz")
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", args->format, "Query file format: auto, jsonl, tsv, trec, ...");
    cmd->add_option("--qids-from", args->qids_from,
                    "Search only the queries judged in this qrels file")
        ->check(CLI::ExistingFile);
    cmd->add_option("--run", args->run, "TREC run file to write");
    cmd->add_option("--query", args->query,
                    "One query typed here instead of --queries/--run: print its hits with titles");
    cmd->add_option("--pipeline", args->pipeline,
                    "With --query: run this pipeline file (examples/pipelines/) instead of BM25")
        ->check(CLI::ExistingFile);
    cmd->add_option("--show", args->show, "Hits printed with --query (default 10)");
    cmd->add_option("--k", args->k, "Hits per query (default 1000)");
    cmd->add_option("--algorithm", args->algorithm,
                    "Top-k algorithm: exhaustive, maxscore (default), wand, bmw, bmm; all give "
                    "the same run");
    cmd->add_option("--threads", args->threads, "Search threads (default 1)");
    cmd->add_option("--k1", args->k1,
                    fmt::format("BM25 k1 (default {}, Anserini's)", kDefaults.k1));
    cmd->add_option("--b", args->b, fmt::format("BM25 b (default {}, Anserini's)", kDefaults.b));
    cmd->add_option("--fields", args->fields,
                    "Fields and weights, e.g. title,text or title=1.0,text=0.5 "
                    "(default: every indexed field, weight 1)");
    cmd->add_flag("--remove-query", args->remove_query,
                  "Drop hits whose document id equals the query id (Anserini -removeQuery)");
    cmd->add_option("--tag", args->tag, "Run tag (default cascade)");
    cmd->callback([args] { run_search(*args); });
}

}  // namespace cascade::cli
