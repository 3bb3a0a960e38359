/// `cascade convert`: writes any supported collection as a BEIR folder (docs/collections.md).
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/progress.hpp>

#include "commands.hpp"

namespace cascade::cli {

namespace {

constexpr std::size_t kMaxWarningsShown = 10;

struct ConvertArgs {
    ConvertOptions options;
    std::string output;
    bool overwrite = false;
};

void run_convert(const ConvertArgs& args) {
    namespace fs = std::filesystem;
    if (fs::exists(args.output) && !args.overwrite) {
        throw UsageError(
            fmt::format("output '{}' exists; pass --overwrite to replace it", args.output));
    }
    if (fs::exists(args.output) && fs::exists(args.options.input) &&
        fs::equivalent(args.output, args.options.input)) {
        throw UsageError("--output must differ from --input");
    }
    Progress progress("convert", 0, "docs", stderr_is_terminal());
    ConvertReport report =
        convert_to_beir(args.options, args.output, [&](std::uint64_t n) { progress.set(n); });
    progress.finish();
    for (std::size_t i = 0; i < report.warnings.size() && i < kMaxWarningsShown; ++i) {
        std::fprintf(stderr, "cascade: warning: %s\n", report.warnings[i].c_str());
    }
    if (report.warnings.size() > kMaxWarningsShown) {
        std::fprintf(stderr, "cascade: warning: ... and %zu more warnings\n",
                     report.warnings.size() - kMaxWarningsShown);
    }
    std::string out = fmt::format(
        "format\t{}\ndocuments\t{}\nduplicate documents skipped\t{}\nqueries\t{}\n"
        "judged queries\t{}\nqrels pairs\t{}\noutput\t{}\n",
        report.format, report.documents, report.duplicate_documents, report.queries,
        report.judged_queries, report.qrels_pairs, args.output);
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_convert_command(CLI::App& app) {
    auto args = std::make_shared<ConvertArgs>();
    auto* cmd = app.add_subcommand(
        "convert",
        "Write a collection (BEIR, JSONL, TSV, TREC, or a classic SMART-era collection) as a BEIR "
        "folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv");
    cmd->add_option("--from", args->options.format,
                    "Input format: auto, beir, jsonl, tsv, trec, smart, cisi, cranfield, medline, "
                    "adi, npl, lisa, time (default auto)");
    cmd->add_option("--input", args->options.input,
                    "Documents: a BEIR or classic collection folder, or a JSONL/TSV/SMART file")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--output", args->output, "BEIR folder to write")->required();
    cmd->add_option("--queries", args->options.queries,
                    "Query file (BEIR/JSONL, TSV, TREC topics); default: the input's own")
        ->check(CLI::ExistingFile);
    cmd->add_option("--qrels", args->options.qrels,
                    "Qrels file (TREC or BEIR TSV); default: the input's own")
        ->check(CLI::ExistingFile);
    cmd->add_option("--split", args->options.split,
                    "Qrels split to read from a BEIR input and to write (default test)");
    cmd->add_flag("--overwrite", args->overwrite, "Replace an existing output folder");
    cmd->callback([args] { run_convert(*args); });
}

}  // namespace cascade::cli
