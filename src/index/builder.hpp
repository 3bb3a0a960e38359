#pragma once
/// Builds an on-disk index from a document stream in bounded memory.
///
/// Documents are analyzed in parallel batches and inverted in collection order (internal
/// docid = ordinal). Postings accumulate in memory; when the estimate passes the memory
/// budget they are spilled as a sorted run to a temporary file, and the runs are k-way merged
/// into the final files at the end (external-memory inversion, Witten, Moffat & Bell,
/// "Managing Gigabytes", 2nd ed., ch. 5). The output is byte-identical whatever the budget
/// or thread count. Everything is written under an AtomicDirectory, so an interrupted build
/// leaves no loadable index at `dir`.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "index/shard_stats.hpp"
#include "text/analyzer.hpp"

namespace cascade::index {

/// Options of build_index.
struct BuildOptions {
    /// Empty: one field "contents" = title + " " + text (Anserini's BEIR "flat" indexes).
    /// Otherwise one field per name; accepted names are "title" and "text" (Anserini's BEIR
    /// "multifield" indexes).
    std::vector<std::string> fields;
    bool positions = false;
    unsigned threads = 1;                      ///< analysis workers (>= 1)
    std::uint64_t memory_budget = 1ULL << 30;  ///< bytes of in-memory postings before a spill
    std::size_t batch_docs = 1024;             ///< documents per analysis batch
    bool progress = true;                      ///< progress bar on stderr (terminals only)
    /// Names the collection in error messages (e.g. its path).
    std::string source = "collection";
    /// Directory for spill files; empty = inside the index's staging directory.
    std::filesystem::path temp_dir;
    /// Build shard `shard.shard` of `shard.count` (document j goes to shard j mod count), with
    /// the whole collection's statistics in its global_stats file; count 0: the whole index.
    ShardSpec shard;
    /// With a shard: analyze only the shard's own documents and count their statistics, then
    /// call this to combine the counters of every shard's build (one MPI rank per shard:
    /// GlobalStatsCounter::serialize/merge); the files are those of the build that analyzes
    /// the whole collection. Empty: this build counts over the whole collection itself.
    std::function<void(GlobalStatsCounter&)> combine_stats;
};

/// What build_index did.
struct BuildSummary {
    std::uint32_t num_docs = 0;
    std::uint64_t num_terms = 0;       ///< summed over fields
    std::uint64_t num_postings = 0;    ///< summed over fields
    std::uint64_t index_bytes = 0;     ///< all files of the index
    std::uint64_t postings_bytes = 0;  ///< postings files only
    std::uint32_t spilled_runs = 0;
    double seconds = 0.0;
};

/// One document whose terms arrive with their frequencies (a pre-tokenised or learned-sparse
/// collection, where a term's "frequency" is its integer impact): distinct terms, freqs >= 1.
struct PretokenizedDoc {
    std::string id;
    std::vector<std::string> terms;
    std::vector<std::uint32_t> freqs;
};

/// Yields the documents of a pre-tokenised collection in docid order.
class PretokenizedSource {
public:
    virtual ~PretokenizedSource() = default;
    /// The next document into `doc`; false at the end. Throws InputError for bad input.
    virtual bool next(PretokenizedDoc& doc) = 0;
    /// Where the document last returned comes from ("path:line"), for duplicate-id errors.
    [[nodiscard]] virtual std::string location() const { return {}; }
    /// Progress: units consumed so far and in total (0 = unknown).
    [[nodiscard]] virtual std::uint64_t consumed() const { return 0; }
    [[nodiscard]] virtual std::uint64_t total() const { return 0; }
};

/// Options of build_pretokenized_index.
struct PretokenizedBuildOptions {
    std::string field = "contents";  ///< the one field's name
    /// Recorded as the manifest's analyzer name: says how the terms were made (no text analyzer
    /// of that name exists, so the folder is never searched as a BM25 index by mistake).
    std::string analyzer = "pretokenized";
    std::uint64_t memory_budget = 1ULL << 30;  ///< bytes of in-memory postings before a spill
    std::size_t batch_docs = 1024;             ///< documents between memory checks
    bool progress = true;                      ///< progress bar on stderr (terminals only)
    std::string source = "collection";         ///< names the collection in error messages
    std::filesystem::path temp_dir;            ///< spill files; empty = the staging directory
    /// Called with the staging directory once the index files are complete, before it is
    /// renamed into place: writes companion files that must appear atomically with them.
    std::function<void(const std::filesystem::path&)> before_commit;
};

/// Writes an index of one field from pre-tokenised documents: each (term, freq) becomes a
/// posting of that freq, a document's length is the sum of its freqs (the token count of the
/// pseudo-document that repeats each term freq times, as Anserini's JsonVectorCollection builds
/// it), and the document store keeps ids only. Files, block maxima and the atomic replacement
/// of `dir` are those of build_index. Throws InputError for a duplicate id.
BuildSummary build_pretokenized_index(PretokenizedSource& docs, const std::filesystem::path& dir,
                                      const PretokenizedBuildOptions& options);

/// Reads every document of `docs`, analyzes it with `analyzer` and writes the index to `dir`
/// (replacing an existing one only once the new one is complete). Throws InputError for a
/// duplicate external id ("path:line: duplicate document id 'X' (document #N, first seen as
/// document #M)", located by DocumentReader::location()), UsageError for bad
/// options, IoError on write failures.
BuildSummary build_index(DocumentReader& docs, const text::Analyzer& analyzer,
                         const std::filesystem::path& dir, const BuildOptions& options);

}  // namespace cascade::index
