/// `cascade index`: builds an on-disk inverted index from a collection (docs/formats/index.md).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "collection/reader.hpp"
#include "index/builder.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade::cli {

namespace {

struct IndexArgs {
    std::string collection;
    std::string format = "auto";
    std::string index;
    std::vector<std::string> fields;
    bool positions = false;
    unsigned threads = 1;
    std::uint64_t memory_mb = 1024;
    std::string analyzer = "english";
    std::string stemmer = "porter";
    bool no_stopwords = false;
    bool quiet = false;
};

void run_index(const IndexArgs& args) {
    text::AnalyzerOptions analyzer_options;
    analyzer_options.kind = args.analyzer;
    analyzer_options.stemmer = args.stemmer;
    analyzer_options.stopwords = !args.no_stopwords;
    const auto analyzer = text::make_analyzer(analyzer_options);
    // The budget is kept in bytes: a megabyte count past 2^44 would wrap around to a tiny one.
    if (args.memory_mb < 1 || args.memory_mb > (UINT64_MAX >> 20)) {
        throw UsageError(fmt::format("--memory-mb must be between 1 and {}", UINT64_MAX >> 20));
    }
    auto docs = open_documents(args.collection, args.format);

    index::BuildOptions options;
    options.fields = args.fields;
    options.positions = args.positions;
    options.threads = args.threads;
    options.memory_budget = args.memory_mb << 20;
    options.progress = !args.quiet;
    options.source = args.collection;
    const auto s = index::build_index(*docs, *analyzer, args.index, options);

    const double per_posting =
        s.num_postings > 0 ? static_cast<double>(s.postings_bytes) / s.num_postings : 0.0;
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
    cmd->add_option("--format", args->format, "Collection format (default: auto)");
    cmd->add_option("--index", args->index, "Output index directory (replaced atomically)")
        ->required();
    cmd->add_option("--fields", args->fields,
                    "Index title and text as separate fields (e.g. title,text, Anserini's BEIR "
                    "multifield); default: one field 'contents' = title + text (BEIR flat)")
        ->delimiter(',');
    cmd->add_flag("--positions", args->positions, "Store term positions");
    cmd->add_option("--threads", args->threads, "Analysis threads")->check(CLI::Range(1U, 256U));
    cmd->add_option("--memory-mb", args->memory_mb,
                    "In-memory postings budget before spilling a sorted run (default 1024)")
        ->check(CLI::Range(static_cast<std::uint64_t>(1), static_cast<std::uint64_t>(1) << 20));
    cmd->add_option("--analyzer", args->analyzer, "english (default) or neutral");
    cmd->add_option("--stemmer", args->stemmer, "porter (default) or none");
    cmd->add_flag("--no-stopwords", args->no_stopwords, "Keep stop words");
    cmd->add_flag("--quiet", args->quiet, "No progress bar");
    cmd->callback([args] { run_index(*args); });
}

}  // namespace cascade::cli
