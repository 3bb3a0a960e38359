/// `cascade index`: builds an on-disk inverted index from a collection (docs/formats/index.md).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

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
};

void run_index(const IndexArgs& args) {
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
}

}  // namespace

void add_index_command(CLI::App& app) {
    auto args = std::make_shared<IndexArgs>();
    auto* cmd =
        app.add_subcommand("index", "Build an inverted index (BM25-ready) from a collection");
    cmd->add_option("--collection", args->collection,
                    "Collection: BEIR folder, corpus.jsonl[.gz], *.tsv[.gz], classic collections")
        ->required();
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
    cmd->callback([args] { run_index(*args); });
}

}  // namespace cascade::cli
