/// `cascade index`: builds an on-disk inverted index from a collection (docs/formats/index.md).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/shard.hpp>
#include <cascade/token_index.hpp>

#include "commands.hpp"
#include "dist.hpp"

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
    ImpactIndexOptions impact;
    std::string colbert;  ///< ColBERT folder: add the multivector part
    std::string tilde;    ///< TILDEv2 folder: add the TILDE part
    /// TILDE expansion model folder (BertLMHeadModel), or ielab's expanded collection (JSONL
    /// pid/psg); m: tokens taken before filtering
    std::string tilde_expansion;
    std::string tilde_expansion_file;
    std::size_t expansion_terms = 200;
    std::string token_codec = "fp16";
    std::uint32_t shard = 0;     ///< --shard: which shard to build
    std::uint32_t shard_of = 0;  ///< --of: shards in the set (0: an ordinary index)
};

std::string describe_build(const std::string& dir, const IndexBuildReport& s) {
    const double per_posting = s.num_postings > 0 ? static_cast<double>(s.postings_bytes) /
                                                        static_cast<double>(s.num_postings)
                                                  : 0.0;
    const double docs_per_s = s.seconds > 0 ? s.num_docs / s.seconds : 0.0;
    return fmt::format(
        "index {}: {} docs, {} terms, {} postings; postings {:.2f} bytes/posting, index {:.1f} "
        "MB; {} spill(s); {:.2f} s, {:.0f} docs/s\n",
        dir, s.num_docs, s.num_terms, s.num_postings, per_posting,
        static_cast<double>(s.index_bytes) / 1e6, s.spilled_runs, s.seconds, docs_per_s);
}

std::string describe_impact(const std::string& dir, const ImpactIndexReport& r) {
    std::string out = fmt::format(
        "impact {}: {} docs, {} terms, {} postings; quantize {}, max impact {}; {:.1f} MB; "
        "{:.2f} s\n",
        dir, r.num_docs, r.num_terms, r.num_postings, r.quantizer, r.max_impact,
        static_cast<double>(r.bytes) / 1e6, r.seconds);
    if (r.dropped_postings > 0 || r.docs_without_postings > 0) {
        out += fmt::format(
            "impact {}: {} weight(s) quantised to 0 were dropped; {} document(s) "
            "have no impact posting\n",
            dir, r.dropped_postings, r.docs_without_postings);
    }
    if (!r.in_order) {
        out += fmt::format(
            "impact {}: the vectors were not in index order and were sorted in "
            "memory\n",
            dir);
    }
    return out;
}

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

void run_index_and_parts(const IndexArgs& args);

/// The token-level parts asked for (after the index exists).
void run_token_parts(const IndexArgs& args) {
    TokenIndexOptions options;
    options.threads = args.options.threads;
    options.progress = !args.quiet;
    if (!args.colbert.empty()) {
        options.model.dir = args.colbert;
        options.codec = args.token_codec;
        const TokenIndexReport r = add_colbert_part(args.index, options);
        std::fputs(fmt::format("colbert {}: {} docs, {} token vectors of {} floats ({}, {:.1f} per "
                               "doc); {:.1f} MB; {:.2f} s\n",
                               args.index, r.num_docs, r.tokens, r.dim, args.token_codec,
                               r.num_docs > 0 ? static_cast<double>(r.tokens) / r.num_docs : 0.0,
                               static_cast<double>(r.bytes) / 1e6, r.seconds)
                       .c_str(),
                   stdout);
    }
    if (!args.tilde.empty()) {
        options.model.dir = args.tilde;
        options.expansion.dir = args.tilde_expansion;
        options.expansion_file = args.tilde_expansion_file;
        options.expansion_terms = args.expansion_terms;
        const TokenIndexReport r = add_tilde_part(args.index, options);
        if (!r.expansion.empty())
            std::fputs(fmt::format("tilde {}: expanded by {}\n", args.index, r.expansion).c_str(),
                       stdout);
        std::fputs(fmt::format("tilde {}: {} docs, {} token weights ({:.1f} per doc); {:.1f} MB; "
                               "{:.2f} s\n",
                               args.index, r.num_docs, r.tokens,
                               r.num_docs > 0 ? static_cast<double>(r.tokens) / r.num_docs : 0.0,
                               static_cast<double>(r.bytes) / 1e6, r.seconds)
                       .c_str(),
                   stdout);
    }
}

/// `--shard i --of N`: one shard of a document-partitioned set (docs/scale-out.md); returns
/// what to print.
std::string run_shard(const IndexArgs& args, const StatsExchange* exchange = nullptr) {
    if (args.collection.empty()) {
        throw UsageError("--shard/--of build a shard from a collection: give --collection");
    }
    if (!args.impact.vectors.empty() || !args.dense.embedder.empty() ||
        !args.dense.vectors.empty() || !args.colbert.empty() || !args.tilde.empty()) {
        throw UsageError(
            "--shard/--of build the inverted index only (no --embedder, --vectors, "
            "--impact-vectors, --colbert or --tilde)");
    }
    IndexBuildOptions options = args.options;
    options.stopwords = !args.no_stopwords;
    options.progress = !args.quiet;
    const IndexBuildReport r =
        exchange != nullptr
            ? build_shard(args.collection, args.index, args.shard, args.shard_of, options,
                          *exchange)
            : build_shard(args.collection, args.index, args.shard, args.shard_of, options);
    return describe_build(args.index, r) +
           fmt::format("shard {}: {} of {} (document j of the collection in shard j mod {})\n",
                       args.index, args.shard, args.shard_of, args.shard_of);
}

/// Under a launcher with N > 1 ranks: rank r builds shard r of N into OUT/shard-r, and rank 0
/// then writes OUT/shards.txt listing the N folders, so `--index OUT` (the folder or the file)
/// names the set. Rank r analyzes only its own documents (j mod N = r) and the ranks combine
/// their statistics in one allgather; every shard is byte for byte the serial `--shard r --of
/// N` build.
void run_shard_ranks(const IndexArgs& args, Communicator& comm) {
    namespace fs = std::filesystem;
    const auto rank = static_cast<std::uint32_t>(comm.rank());
    const auto size = static_cast<std::uint32_t>(comm.size());
    const fs::path out(args.index);
    const std::string name = fmt::format("shard-{}", rank);
    std::string report;
    run_agreed(comm, [&] {
        if (args.shard_of > 0 || args.shard > 0) {
            throw UsageError(fmt::format(
                "--shard/--of are taken from the launch ({} ranks: rank r builds shard r of {} "
                "into {}/shard-r); drop them, or run without mpirun",
                size, size, args.index));
        }
        if (fs::exists(out / "manifest")) {
            throw UsageError(fmt::format(
                "{} holds an index; under mpirun --index names a folder for the shard-0 .. "
                "shard-{} folders and shards.txt: give another one",
                args.index, size - 1));
        }
        fs::create_directories(out);
        IndexArgs mine = args;
        mine.index = (out / name).string();
        mine.shard = rank;
        mine.shard_of = size;
        mine.quiet = args.quiet || rank != 0;
        // One exchange of the ranks' statistics: each analyzes only its own documents.
        const StatsExchange exchange = [&comm](const std::string& bytes) {
            return agreed_allgather(comm, bytes);
        };
        report = run_shard(mine, &exchange);
    });
    const std::vector<std::string> reports = comm.gather(report);
    if (rank != 0) {
        return;
    }
    for (const std::string& line : reports) {
        std::fputs(line.c_str(), stdout);
    }
    const fs::path list = out / std::string(kShardSetFile);
    const fs::path staging = out / (std::string(kShardSetFile) + ".tmp");
    {
        std::ofstream file(staging);
        file << "# shard set written by mpirun -np " << size << " cascade index\n";
        for (std::uint32_t s = 0; s < size; ++s) {
            file << "shard-" << s << '\n';
        }
        if (!file.flush()) {
            throw IoError("cannot write " + staging.string());
        }
    }
    fs::rename(staging, list);
    std::fputs(
        fmt::format("set {}: {} shards, listed in {}\n", args.index, size, list.string()).c_str(),
        stdout);
}

void run_index(const IndexArgs& args) {
    if (Communicator& comm = world(); comm.size() > 1) {
        run_shard_ranks(args, comm);
        return;
    }
    if (args.shard_of > 0) {
        std::fputs(run_shard(args).c_str(), stdout);
        return;
    }
    if (args.shard > 0) {
        throw UsageError("--shard needs --of (the number of shards)");
    }
    const bool tokens = !args.colbert.empty() || !args.tilde.empty();
    if (args.collection.empty() && args.impact.vectors.empty() && args.dense.embedder.empty() &&
        args.dense.vectors.empty() && tokens) {
        run_token_parts(args);  // parts for an existing index
        return;
    }
    run_index_and_parts(args);
    if (tokens)
        run_token_parts(args);
}

void run_index_and_parts(const IndexArgs& args) {
    const bool dense = !args.dense.embedder.empty() || !args.dense.vectors.empty();
    const bool impact = !args.impact.vectors.empty();
    if (!args.dense.embedder.empty() && !args.dense.vectors.empty())
        throw UsageError("--embedder and --vectors exclude each other");
    ImpactIndexOptions impact_options = args.impact;
    impact_options.progress = !args.quiet;
    impact_options.memory_mb = args.options.memory_mb;
    if (args.collection.empty() && !impact) {
        if (!dense)
            throw UsageError(
                "give --collection (and --embedder MODEL or --vectors FILE to add a dense part, "
                "--impact-vectors FILE to add an impact part), or --embedder/--vectors/"
                "--impact-vectors alone to add a part to an existing index");
        run_dense(args);
        return;
    }
    IndexBuildOptions options = args.options;
    options.stopwords = !args.no_stopwords;
    options.progress = !args.quiet;
    if (impact) {
        // With --collection (or without it and without an index at --index): the index and its
        // impact part in one go; otherwise the part is added to the existing index.
        const bool existing =
            args.collection.empty() &&
            std::filesystem::exists(std::filesystem::path(args.index) / "manifest");
        if (existing) {
            std::fputs(
                describe_impact(args.index, Index::add_impact(args.index, impact_options)).c_str(),
                stdout);
        } else {
            const IndexWithImpactReport r =
                Index::build_with_impact(args.collection, args.index, options, impact_options);
            std::fputs((describe_build(args.index, r.index) + describe_impact(args.index, r.impact))
                           .c_str(),
                       stdout);
        }
    } else {
        std::fputs(
            describe_build(args.index, Index::build(args.collection, args.index, options)).c_str(),
            stdout);
    }
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
                    "(omit it to add a dense or impact part to the existing index)");
    cmd->add_option("--format", args->options.format, "Collection format (default: auto)");
    cmd->add_option("--index", args->index, "Output index directory (replaced atomically)")
        ->required();
    cmd->add_option("--fields", args->options.fields,
                    "Index title and text as separate fields (e.g. title,text, Anserini's BEIR "
                    "multifield); default: one field 'contents' = title + text (BEIR flat)")
        ->delimiter(',');
    cmd->add_flag("--positions", args->options.positions, "Store term positions");
    cmd->add_option("--shard", args->shard,
                    "Build shard I (0-based) of --of N: document j of the collection goes to shard "
                    "j mod N, with the whole collection's BM25 statistics (docs/scale-out.md)");
    cmd->add_option("--of", args->shard_of, "Number of shards of the set (with --shard)")
        ->check(CLI::Range(1U, 65536U));
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
    cmd->add_flag("--no-int8", args->no_int8,
                  "Dense part without int8 codes (searches then walk the HNSW graph on the fp32 "
                  "vectors)");
    cmd->add_option("--impact-vectors", args->impact.vectors,
                    "Also build an impact (learned-sparse) part from SPLADE/uniCOIL vectors: "
                    "JSONL[.gz] {\"id\", \"contents\", \"vector\": {\"term\": weight}} "
                    "(Anserini's JsonVectorCollection). Alone: adds the part to the existing "
                    "index, or, when there is none, builds one whose documents are the file's "
                    "ids and contents");
    cmd->add_option("--colbert", args->colbert,
                    "ColBERT folder (colbert-ai HF_ColBERT): add token vectors for the maxsim "
                    "stage (with --collection, or alone for an existing index)");
    cmd->add_option("--token-codec", args->token_codec,
                    "ColBERT token vectors: fp16 (default) or int8 (about half the bytes)");
    CLI::Option* tilde = cmd->add_option(
        "--tilde", args->tilde, "TILDEv2 folder: add per-token weights for the tilde stage");
    CLI::Option* expansion =
        cmd->add_option("--tilde-expansion", args->tilde_expansion,
                        "With --tilde: expand each document first with this TILDE expansion model "
                        "(BertLMHeadModel folder, e.g. ielab/TILDE), as TILDEv2 is indexed");
    CLI::Option* expansion_file =
        cmd->add_option("--tilde-expansion-file", args->tilde_expansion_file,
                        "With --tilde: expansions made elsewhere, ielab/TILDE expansion.py's JSONL "
                        "{\"pid\", \"psg\": [token ids]} (one line per document)");
    expansion->needs(tilde)->excludes(expansion_file);
    expansion_file->needs(tilde);
    cmd->add_option("--expansion-terms", args->expansion_terms,
                    "With --tilde-expansion: the top M vocabulary tokens, before dropping those "
                    "in the passage and stop words (default 200, the paper's m)")
        ->needs(expansion)
        ->check(CLI::Range(static_cast<std::size_t>(1), static_cast<std::size_t>(1000000)));
    cmd->add_option("--quantize", args->impact.quantize,
                    "Weights to integer impacts: auto (whole numbers kept, else scale:100), "
                    "none, trunc (Anserini), scale:F (round(w*F)), linear:B (PISA, B bits)")
        ->capture_default_str();
    cmd->callback([args] { run_index(*args); });
}

}  // namespace cascade::cli
