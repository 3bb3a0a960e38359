/// `cascade index`: builds an on-disk inverted index from a collection (docs/formats/index.md).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include <cascade/error.hpp>
#include <cascade/index.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

struct IndexArgs {
    std::string collection;
    std::string index;
    IndexBuildOptions options;  ///< every option but the two below
    bool no_stopwords = false;
    bool quiet = false;
    DenseIndexOptions dense;
    bool no_int8 = false;
    bool no_hnsw = false;
};

void run_dense(const IndexArgs& args) {
    DenseIndexOptions dense = args.dense;
    dense.int8 = !args.no_int8;
    dense.hnsw = !args.no_hnsw;
    dense.threads = args.options.threads;
    dense.progress = !args.quiet;
    const DenseIndexReport r = Index::add_dense(args.index, dense);
    std::fputs(fmt::format("dense {}: {} vectors of {} floats ({}), {}{}; {:.1f} MB; embedding "
                           "{:.2f} s, index {:.2f} s\n",
                           args.index, r.count, r.dim, dense.metric,
                           dense.hnsw ? fmt::format("HNSW M={} ef_construction={}", dense.m,
                                                    dense.ef_construction)
                                      : std::string("exact only"),
                           dense.int8 ? ", int8 codes" : "", static_cast<double>(r.bytes) / 1e6,
                           r.embed_seconds, r.build_seconds)
                   .c_str(),
               stdout);
}

void run_index(const IndexArgs& args) {
    const bool dense = !args.dense.embedder.empty() || !args.dense.vectors.empty();
    if (!args.dense.embedder.empty() && !args.dense.vectors.empty())
        throw UsageError("--embedder and --vectors exclude each other");
    if (args.collection.empty()) {
        if (!dense)
            throw UsageError(
                "give --collection (and --embedder MODEL or --vectors FILE to add "
                "a dense part), or --embedder/--vectors alone to add a dense part "
                "to an existing index");
        run_dense(args);
        return;
    }
    IndexBuildOptions options = args.options;
    options.stopwords = !args.no_stopwords;
    options.progress = !args.quiet;
    const IndexBuildReport s = Index::build(args.collection, args.index, options);

    const double per_posting = s.num_postings > 0 ? static_cast<double>(s.postings_bytes) /
                                                        static_cast<double>(s.num_postings)
                                                  : 0.0;
    const double docs_per_s = s.seconds > 0 ? s.num_docs / s.seconds : 0.0;
    std::fputs(
        fmt::format("index {}: {} docs, {} terms, {} postings; postings {:.2f} bytes/posting, "
                    "index {:.1f} MB; {} spill(s); {:.2f} s, {:.0f} docs/s\n",
                    args.index, s.num_docs, s.num_terms, s.num_postings, per_posting,
                    static_cast<double>(s.index_bytes) / 1e6, s.spilled_runs, s.seconds, docs_per_s)
            .c_str(),
        stdout);
    if (dense)
        run_dense(args);
}

}  // namespace

void add_index_command(CLI::App& app) {
    auto args = std::make_shared<IndexArgs>();
    auto* cmd =
        app.add_subcommand("index", "Build an inverted index (BM25-ready) from a collection");
    cmd->add_option("--collection", args->collection,
                    "Collection: BEIR folder, corpus.jsonl[.gz], *.tsv[.gz], classic collections "
                    "(omit it to add a dense part to the existing index)");
    cmd->add_option("--format", args->options.format, "Collection format (default: auto)");
    cmd->add_option("--index", args->index, "Output index directory (replaced atomically)")
        ->required();
    cmd->add_option("--fields", args->options.fields,
                    "Index title and text as separate fields (e.g. title,text, Anserini's BEIR "
                    "multifield); default: one field 'contents' = title + text (BEIR flat)")
        ->delimiter(',');
    cmd->add_flag("--positions", args->options.positions, "Store term positions");
    cmd->add_option("--threads", args->options.threads, "Analysis threads")
        ->check(CLI::Range(1U, 256U));
    cmd->add_option("--memory-mb", args->options.memory_mb,
                    "In-memory postings budget before spilling a sorted run (default 1024)")
        ->check(CLI::Range(static_cast<std::uint64_t>(1), static_cast<std::uint64_t>(1) << 20));
    cmd->add_option("--analyzer", args->options.analyzer, "english (default) or neutral");
    cmd->add_option("--stemmer", args->options.stemmer, "porter (default) or none");
    cmd->add_flag("--no-stopwords", args->no_stopwords, "Keep stop words");
    cmd->add_flag("--quiet", args->quiet, "No progress bar");
    cmd->add_option("--embedder", args->dense.embedder,
                    "Also build a dense part: embed every document (title + text) with this model "
                    "folder (bi-encoder or static embedding model)");
    cmd->add_option("--vectors", args->dense.vectors,
                    "Or build the dense part from vectors made elsewhere: .npy/.fvecs in "
                    "collection order, or JSONL {\"id\", \"vector\"}");
    cmd->add_option("--metric", args->dense.metric, "Dense similarity: cosine or ip")
        ->check(CLI::IsMember({"cosine", "ip"}))
        ->capture_default_str();
    cmd->add_option("--hnsw-m", args->dense.m, "HNSW links per node (2M on level 0)")
        ->check(CLI::Range(2U, 64U))
        ->capture_default_str();
    cmd->add_option("--ef-construction", args->dense.ef_construction,
                    "HNSW candidates while linking")
        ->check(CLI::Range(1U, 100000U))
        ->capture_default_str();
    cmd->add_flag("--no-hnsw", args->no_hnsw, "Dense part without a graph (exact search only)");
    cmd->add_flag("--no-int8", args->no_int8, "Dense part without int8 codes");
    cmd->callback([args] { run_index(*args); });
}

}  // namespace cascade::cli
