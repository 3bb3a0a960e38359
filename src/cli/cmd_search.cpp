/// `cascade search`: BM25 first-stage retrieval over a cascade index, written as a TREC run.
/// It runs the implicit pipeline `first_stage: {type: bm25, ...}` (cascade/search.hpp), so it
/// is the same code as a bm25 stage in a pipeline file; `--dense` and `--impact` run the dense
/// and impact first stages the same way.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/search.hpp>
#include <cascade/shard.hpp>

#include "cli_common.hpp"
#include "commands.hpp"
#include "dist.hpp"

namespace cascade::cli {

namespace {

struct SearchArgs {
    std::string index;
    std::string queries;
    std::string format = "auto";
    std::string qids_from;
    std::string run;
    SearchOptions options;  ///< k1, b, algorithm, fields, k, threads, remove_query, tag
    std::string pipeline;
    std::string query;
    std::size_t show = 10;
    std::string split = "queries";  ///< under mpirun: split the queries or the shards
};

/// `--query TEXT`: one typed query, its hits printed with titles; through the pipeline file
/// when `--pipeline` is given, else the BM25 pipeline of the command's options.
void run_one_query(const SearchArgs& args) {
    if (!args.pipeline.empty()) {
        run_pipeline_query(args.pipeline, args.index, args.query, args.show);
        return;
    }
    // One folder, a comma-separated list of shard folders or a shard-set file, as --queries.
    const ShardSet shards = ShardSet::open(shard_paths(args.index));
    SearchOptions options = args.options;
    options.k = std::max(args.options.k, args.show);
    options.remove_query = false;  // the typed query has no id of its own
    options.progress = false;
    const std::vector<Query> one{Query{"query", args.query}};
    std::vector<Index> opened;
    for (std::size_t s = 0; s < shards.size(); ++s)
        opened.push_back(shards.shard(s));
    print_hits(opened, search(shards, one, options).run, args.show);
}

/// What a rank opened under `--split shards`: its folders and their shard identities, as
/// bytes for the exchange in which the ranks check that together they hold one whole set.
std::string pack_part(const ShardSet& part) {
    nlohmann::json j = nlohmann::json::array();
    for (std::size_t i = 0; i < part.size(); ++i) {
        nlohmann::json e{{"dir", part.dir(i).string()}};
        if (const auto info = shard_info(part.shard(i))) {
            e["shard"] = info->shard;
            e["count"] = info->count;
            e["fingerprint"] = info->fingerprint;
            e["docs"] = info->collection_docs;
        }
        j.push_back(std::move(e));
    }
    return j.dump();
}

/// Every rank's folders, checked as one set (ShardSet::open's errors, thrown by rank 0 only,
/// since every rank finds the same fault); returns whether the set has several shards.
bool check_parts(const std::vector<std::string>& parts, Communicator& comm) {
    std::vector<std::filesystem::path> dirs;
    std::vector<std::optional<ShardInfo>> infos;
    for (const std::string& part : parts) {
        for (const auto& e : nlohmann::json::parse(part)) {
            dirs.emplace_back(e["dir"].get<std::string>());
            if (e.contains("shard")) {
                infos.push_back(ShardInfo{
                    e["shard"].get<std::uint32_t>(), e["count"].get<std::uint32_t>(),
                    e["fingerprint"].get<std::uint64_t>(), e["docs"].get<std::uint64_t>()});
            } else {
                infos.emplace_back();
            }
        }
    }
    try {
        check_shard_set(dirs, infos);
    } catch (const UsageError&) {
        if (comm.rank() == 0) {
            throw;
        }
        return false;
    }
    return infos.size() > 1 || (infos[0] && infos[0]->count > 1);
}

/// `--split shards` under N ranks: rank r opens the folders r, r+N, r+2N, ... of the set (in
/// the order --index lists them) and searches every query on its shards; the ranks check
/// together that their folders make one whole set, and rank 0 merges the ranks' lists as the
/// serial search merges its shards' (merge_runs), so the run is the serial one byte for byte.
/// For a set too large for one machine's memory. Ranks beyond the number of shards hold none
/// and contribute nothing; a plain index is searched by rank 0 alone.
void run_search_shards(const SearchArgs& args, SearchOptions options,
                       const std::function<std::vector<Query>()>& load, Communicator& comm) {
    const auto start = std::chrono::steady_clock::now();
    options.progress = options.progress && comm.rank() == 0;
    std::size_t total = 0;
    SearchResult mine;
    mine.run.tag = options.tag;
    std::string held;
    run_agreed(comm, [&] {
        const std::vector<Query> queries = load();
        total = queries.size();
        const std::vector<std::filesystem::path> dirs =
            share_of(shard_paths(args.index), comm.rank(), comm.size());
        const ShardSet part = ShardSet::open_part(dirs);
        const bool several = check_parts(agreed_allgather(comm, pack_part(part)), comm);
        if (several && (options.dense || options.impact)) {
            throw UsageError(
                "--dense and --impact search one index; shards are searched with BM25");
        }
        held = fmt::format("{} shard(s), {} docs", part.size(), part.num_docs());
        if (part.size() == 0) {
            return;
        }
        SearchOptions per_rank = options;
        per_rank.remove_query = false;  // after the merge, as the single index does after its k
        mine = search(part, queries, per_rank);
    });
    std::vector<std::string> parts = comm.gather(pack_run(mine.run));
    const std::vector<std::string> seconds =
        comm.gather(fmt::format("{}, {:.3f} s searching", held, mine.seconds));
    if (comm.rank() != 0) {
        return;
    }
    std::vector<Run> runs(parts.size());
    for (std::size_t r = 0; r < parts.size(); ++r) {
        unpack_run(parts[r], runs[r]);
        runs[r].tag = options.tag;
        parts[r] = {};
    }
    const Run run = merge_runs(std::move(runs), options.k, options.remove_query);
    write_run(args.run, run);
    std::size_t without_hits = 0;
    for (const auto& [qid, entries] : run.by_query) {
        without_hits += entries.empty() ? 1 : 0;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string out = fmt::format(
        "queries\t{}\nqueries without hits\t{}\nhits\t{}\nretriever\t{}\nalgorithm\t{}\n"
        "threads\t{} per rank\nranks\t{} (split shards)\nseconds\t{:.3f}\nqueries/s\t{:.1f}\n"
        "run\t{}\n",
        total, without_hits, run.num_entries(), mine.retriever, mine.algorithm, options.threads,
        comm.size(), wall, wall > 0 ? static_cast<double>(total) / wall : 0.0, args.run);
    for (std::size_t r = 0; r < seconds.size(); ++r) {
        out += fmt::format("rank {}\t{}\n", r, seconds[r]);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
}

/// Under a launcher with several ranks: query i is searched by rank i mod N over the same
/// index or shard set, rank 0 gathers the lists and writes the one run (the serial run byte
/// for byte: every query's list is computed as it is serially).
void run_search_ranks(const SearchArgs& args, SearchOptions options,
                      const std::function<std::vector<Query>()>& load, Communicator& comm) {
    const auto start = std::chrono::steady_clock::now();
    options.progress = options.progress && comm.rank() == 0;
    std::size_t total = 0;
    SearchResult mine;
    run_agreed(comm, [&] {
        const std::vector<Query> queries = load();
        total = queries.size();
        const std::vector<Query> share = share_of(queries, comm.rank(), comm.size());
        const ShardSet shards = ShardSet::open(shard_paths(args.index));
        mine = search(shards, share, options);
    });
    const std::vector<std::string> parts = comm.gather(pack_run(mine.run));
    const std::vector<std::string> seconds = comm.gather(fmt::format("{:.3f}", mine.seconds));
    if (comm.rank() != 0) {
        return;
    }
    Run run;
    run.tag = mine.run.tag;
    for (const std::string& part : parts) {
        unpack_run(part, run);
    }
    write_run(args.run, run);
    std::size_t without_hits = 0;
    for (const auto& [qid, entries] : run.by_query) {
        without_hits += entries.empty() ? 1 : 0;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string out = fmt::format(
        "queries\t{}\nqueries without hits\t{}\nhits\t{}\nretriever\t{}\nalgorithm\t{}\n"
        "threads\t{}\nranks\t{}\nseconds\t{:.3f}\nqueries/s\t{:.1f}\nrun\t{}\n",
        total, without_hits, run.num_entries(), mine.retriever, mine.algorithm, mine.threads,
        comm.size(), wall, wall > 0 ? static_cast<double>(total) / wall : 0.0, args.run);
    for (std::size_t r = 0; r < seconds.size(); ++r) {
        out += fmt::format("rank {}\t{} s searching\n", r, seconds[r]);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
}

void run_search(const SearchArgs& args) {
    if (args.query.empty() && (args.queries.empty() || args.run.empty())) {
        throw UsageError("give --queries FILE and --run OUT, or --query TEXT");
    }
    if (!args.query.empty() && !args.queries.empty()) {
        throw UsageError("--query and --queries exclude each other");
    }
    if (args.options.impact && !args.query.empty()) {
        throw UsageError(
            "--impact searches a query-vector file: give --queries FILE (TSV or "
            "JSONL vectors) and --run OUT");
    }
    if (args.options.impact && args.options.dense) {
        throw UsageError("--dense and --impact exclude each other");
    }
    if (!args.pipeline.empty() && args.query.empty()) {
        throw UsageError("--pipeline searches one --query; for query sets use `cascade run`");
    }
    const SearchOptions& options = args.options;
    if (options.k == 0) {
        throw UsageError("--k must be at least 1");
    }
    // The tag is the last whitespace-separated column of every run line: a tag with spaces
    // would write a run that neither trec_eval nor `cascade eval` can read back.
    if (options.tag.empty() || options.tag.find_first_of(" \t\r\n\v\f") != std::string::npos) {
        throw UsageError(
            fmt::format("--tag '{}' must be one word without whitespace", options.tag));
    }
    // Checked here, before any file is read, so that a bad option is reported first.
    check(options);
    if (!args.query.empty()) {
        if (world().rank() == 0) {  // one typed query: answered once, not by every rank
            run_one_query(args);
        }
        return;
    }
    SearchOptions run_options = options;
    auto load = [&args, &run_options] {
        std::vector<Query> queries;
        if (args.options.impact) {
            // The vector file is both the query set and, keyed by id, the queries' vectors.
            queries = read_impact_queries(args.queries);
            if (!args.qids_from.empty()) {
                const Qrels qrels = read_qrels(args.qids_from);
                std::erase_if(queries,
                              [&](const Query& q) { return !qrels.by_query.contains(q.id); });
            }
            run_options.impact_queries = args.queries;
        } else {
            queries = load_query_set(args.queries, args.format, args.qids_from);
        }
        return queries;
    };
    Communicator& comm = world();
    if (comm.size() > 1) {
        if (args.split == "shards") {
            run_search_shards(args, run_options, load, comm);
        } else {
            run_search_ranks(args, run_options, load, comm);
        }
        return;
    }
    const std::vector<Query> queries = load();
    // One folder, a comma-separated list of shard folders or a shard-set file.
    const ShardSet shards = ShardSet::open(shard_paths(args.index));
    std::vector<double> shard_seconds;
    const SearchResult result = search(shards, queries, run_options, &shard_seconds);
    write_run(args.run, result.run);

    const std::string out = fmt::format(
        "queries\t{}\nqueries without hits\t{}\nhits\t{}\nretriever\t{}\nalgorithm\t{}\n"
        "threads\t{}\nseconds\t{:.3f}\nqueries/s\t{:.1f}\nrun\t{}\n",
        queries.size(), result.queries_without_hits, result.run.num_entries(), result.retriever,
        result.algorithm, result.threads, result.seconds,
        result.seconds > 0 ? static_cast<double>(queries.size()) / result.seconds : 0.0, args.run);
    std::fwrite(out.data(), 1, out.size(), stdout);
    for (std::size_t s = 0; shards.size() > 1 && s < shards.size(); ++s) {
        const std::string line = fmt::format(
            "shard {}\t{} docs, {:.3f} s, {:.1f} queries/s\t{}\n", s, shards.shard(s).num_docs(),
            shard_seconds[s],
            shard_seconds[s] > 0 ? static_cast<double>(queries.size()) / shard_seconds[s] : 0.0,
            shards.dir(s).string());
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
}

}  // namespace

void add_search_command(CLI::App& app) {
    auto args = std::make_shared<SearchArgs>();
    SearchOptions& o = args->options;
    o.progress = true;
    auto* cmd = app.add_subcommand(
        "search", "BM25 retrieval (Lucene/Anserini-exact scores) over an index, to a TREC run");
    cmd->add_option("--index", args->index,
                    "Index directory built by `cascade index`; or the shards of one set "
                    "(--shard/--of) as DIR0,DIR1,... or a file listing one folder per line")
        ->required();
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
    cmd->add_option("--split", args->split,
                    "Under mpirun -np N: 'queries' (rank r searches queries r, r+N, ... over "
                    "the whole set) or 'shards' (rank r opens only the set's folders r, r+N, ... "
                    "and searches every query; for a set too large for one machine). Serially "
                    "both give the same run")
        ->check(CLI::IsMember({"queries", "shards"}))
        ->capture_default_str();
    cmd->add_option("--k", o.k, "Hits per query (default 1000)");
    cmd->add_option("--algorithm", o.algorithm,
                    "Top-k algorithm: exhaustive, maxscore (default), wand, bmw, bmm; all give "
                    "the same run");
    cmd->add_option("--threads", o.threads, "Search threads (default 1)");
    cmd->add_option("--k1", o.bm25.k1,
                    fmt::format("BM25 k1 (default {}, Anserini's)", bm25_defaults().k1));
    cmd->add_option("--b", o.bm25.b,
                    fmt::format("BM25 b (default {}, Anserini's)", bm25_defaults().b));
    cmd->add_option("--fields", o.fields,
                    "Fields and weights, e.g. title,text or title=1.0,text=0.5 "
                    "(default: every indexed field, weight 1)");
    cmd->add_flag("--remove-query", o.remove_query,
                  "Drop hits whose document id equals the query id (Anserini -removeQuery)");
    cmd->add_option("--tag", o.tag, "Run tag (default cascade)");
    cmd->add_flag("--dense", o.dense,
                  "Search the index's dense part (cascade index --embedder/--vectors) instead of "
                  "BM25; queries are embedded with the model it was built with");
    cmd->add_option("--dense-method", o.dense_method,
                    "auto (hnsw-int8, or hnsw, when built), exact, int8 (int8 scan + fp32 "
                    "rescoring), hnsw, or hnsw-int8 (the graph walked on the int8 codes, the "
                    "best found re-scored in fp32)")
        ->check(CLI::IsMember({"auto", "exact", "int8", "hnsw", "hnsw-int8"}))
        ->capture_default_str();
    cmd->add_option("--ef", o.ef, "HNSW candidates explored per query (at least --k is used)")
        ->check(CLI::Range(static_cast<std::size_t>(1), static_cast<std::size_t>(1) << 20))
        ->capture_default_str();
    cmd->add_option("--embedder", o.embedder,
                    "Model folder embedding the queries (default: the one the dense part records)");
    cmd->add_option(
        "--query-vectors", o.query_vectors,
        "The queries' vectors, JSONL {\"id\", \"vector\"} (for imported document vectors)");
    cmd->add_flag("--impact", o.impact,
                  "Search the index's impact part (cascade index --impact-vectors) with learned-"
                  "sparse query vectors: --queries is then Anserini's pre-tokenised TSV "
                  "(qid<TAB>term term ..., a term n times weighs n) or JSONL {\"id\", "
                  "\"vector\": {\"term\": weight}}; every --algorithm gives the same run");
    cmd->callback([args] { run_search(*args); });
}

}  // namespace cascade::cli
