/// `cascade encode-sparse`: a collection or a query file through a SPLADE model into the
/// vector files Anserini and Pyserini use for learned-sparse retrieval.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <cascade/sparse.hpp>

#include "commands.hpp"
#include "encoder_cli.hpp"

namespace cascade::cli {
namespace {

struct EncodeSparseArgs {
    EncoderArgs encoder;
    std::string output;
    SparseEncodeOptions options;
    bool quiet = false;
};

void run_encode_sparse(EncodeSparseArgs& args) {
    args.options.model = args.encoder.model;
    args.options.progress = !args.quiet;
    const SparseEncodeReport r = encode_sparse(args.encoder.input, args.output, args.options);
    std::fprintf(
        stderr, "%s",
        fmt::format("encode-sparse {}: {} {}, {:.1f} terms each, {:.1f} s\n", args.output, r.texts,
                    args.options.queries ? "queries" : "documents",
                    r.texts > 0 ? static_cast<double>(r.terms) / static_cast<double>(r.texts) : 0.0,
                    r.seconds)
            .c_str());
}

}  // namespace

void add_encode_sparse_command(CLI::App& app) {
    auto args = std::make_shared<EncodeSparseArgs>();
    auto* cmd = app.add_subcommand(
        "encode-sparse",
        "Encode a collection or queries with a SPLADE model into Anserini/Pyserini's vector "
        "JSONL (documents: {\"id\", \"contents\", \"vector\"}) or pre-tokenised query TSV, "
        "for cascade index --impact-vectors and cascade search --impact");
    add_encoder_options(cmd, args->encoder, "SPLADE model folder (Hugging Face BertForMaskedLM)",
                        "Collection (as cascade index reads it) or, with --queries, a query file");
    cmd->add_option("--output", args->output,
                    "File to write: JSONL, or with --queries a .tsv of pre-tokenised queries")
        ->required();
    cmd->add_flag("--queries", args->options.queries, "The input is a query file");
    cmd->add_option("--format", args->options.format, "Collection format, as cascade index")
        ->capture_default_str();
    cmd->add_option("--top-k", args->options.top_k, "Terms kept per text by weight (0: all)")
        ->capture_default_str();
    cmd->add_option("--scale", args->options.scale,
                    "Write round(weight x N) as integers (Pyserini: 100); 0 keeps floats")
        ->capture_default_str();
    cmd->add_flag("--quiet", args->quiet, "No progress bar");
    cmd->callback([args] { run_encode_sparse(*args); });
}

}  // namespace cascade::cli
