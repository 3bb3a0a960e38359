#pragma once
/// The on-disk inverted index: build one from a collection, open one, read its documents.
/// Formats: docs/formats/index.md.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/types.hpp>

namespace cascade {

/// How to build an index (`cascade index`'s options).
struct IndexBuildOptions {
    /// Collection format: auto, beir, jsonl, tsv, trec, smart, or a classic collection's name.
    std::string format = "auto";
    /// Empty: one field "contents" = title + " " + text (Anserini's BEIR "flat" indexes);
    /// else one field per name, of "title" and "text" (Anserini's BEIR "multifield").
    std::vector<std::string> fields;
    bool positions = false;            ///< store term positions
    unsigned threads = 1;              ///< analysis threads (>= 1)
    std::uint64_t memory_mb = 1024;    ///< in-memory postings budget before a spill, in MiB
    std::string analyzer = "english";  ///< english (Lucene's English analyzer) or neutral
    std::string stemmer = "porter";    ///< porter, snowball or none
    bool stopwords = true;             ///< drop Lucene's English stop words
    bool progress = true;              ///< progress bar on stderr (terminals only)
};

/// What a build did.
struct IndexBuildReport {
    std::uint32_t num_docs = 0;
    std::uint64_t num_terms = 0;       ///< summed over fields
    std::uint64_t num_postings = 0;    ///< summed over fields
    std::uint64_t index_bytes = 0;     ///< all files of the index
    std::uint64_t postings_bytes = 0;  ///< postings files only
    std::uint32_t spilled_runs = 0;
    double seconds = 0.0;
};

/// How to add a dense part to an index (`cascade index --embedder` / `--vectors`): one vector
/// per document, searched exactly or through an HNSW graph (docs/dense.md).
struct DenseIndexOptions {
    /// A model folder (bi-encoder or static embedding model): documents are embedded as
    /// "title text", and the folder is recorded so queries are embedded the same way.
    std::string embedder;
    /// Or vectors computed elsewhere: .npy / .fvecs in collection order, or JSONL
    /// {"id", "vector"} with every document's id.
    std::string vectors;
    std::string metric = "cosine";  ///< cosine (vectors normalised) or ip (inner product)
    bool int8 = true;               ///< also store int8 codes for the int8 scan
    bool hnsw = true;               ///< build the HNSW graph
    unsigned m = 16;                ///< HNSW links per node (2m on level 0)
    unsigned ef_construction = 200;
    unsigned threads = 1;        ///< embedding and graph-building threads
    std::size_t max_length = 0;  ///< embedder tokens per text; 0 = the model's limit
    bool progress = true;        ///< progress bars on stderr (terminals only)
};

/// What adding a dense part did.
struct DenseIndexReport {
    std::uint32_t count = 0;
    std::uint32_t dim = 0;
    std::string embedder;  ///< as recorded: "model <fingerprint> <folder>" or "vectors <file>"
    std::uint64_t bytes = 0;
    double embed_seconds = 0.0;  ///< embedding or reading the vectors
    double build_seconds = 0.0;  ///< quantising, building the graph, writing
};

/// How to add a learned-sparse (impact) part to an index (`cascade index --impact-vectors`):
/// SPLADE / uniCOIL document vectors in Anserini's JsonVectorCollection JSONL, quantised to
/// integer impacts and stored as an inverted index beside the BM25 one (docs/sparse.md).
struct ImpactIndexOptions {
    /// JSONL (plain or .gz), one document per line: {"id" (or "docid"), "contents",
    /// "vector": {"term": weight, ...}} with integer or float weights >= 0.
    std::string vectors;
    /// How weights become integer impacts: "auto" (whole-number weights kept as they are, else
    /// scale:100), "none" (whole numbers required), "trunc" (Anserini's cast to int),
    /// "scale:F" (round(w x F), naver/splade's and Pyserini's exports use F = 100) or
    /// "linear:B" (PISA's B-bit linear quantiser over the collection's largest weight).
    std::string quantize = "auto";
    std::uint64_t memory_mb = 1024;  ///< in-memory postings budget before a spill, in MiB
    bool progress = true;            ///< progress bars on stderr (terminals only)
};

/// What adding an impact part did.
struct ImpactIndexReport {
    std::uint32_t num_docs = 0;
    std::uint64_t num_terms = 0;
    std::uint64_t num_postings = 0;
    std::uint32_t max_impact = 0;
    std::uint32_t docs_without_postings = 0;  ///< documents whose weights all quantised to 0
    std::uint64_t dropped_postings = 0;       ///< weights that quantised to 0
    std::string quantizer;                    ///< the scheme as resolved, e.g. "scale:100"
    bool in_order = true;  ///< the file listed documents in index order (else read via memory)
    std::uint64_t bytes = 0;
    double seconds = 0.0;
};

/// What building an index together with its impact part did.
struct IndexWithImpactReport {
    IndexBuildReport index;
    ImpactIndexReport impact;
};

/// A read-only, memory-mapped index. A cheap handle: copies share one open index. Every
/// accessor is const and safe to call from several threads.
class Index {
public:
    /// Reads every document of `collection` and writes the index to `dir`, replacing an
    /// existing one only once the new one is complete. Throws UsageError for bad options
    /// (analyzer, stemmer, memory budget, fields), InputError for malformed or duplicate
    /// documents (`path:line: what`), IoError on write failures.
    static IndexBuildReport build(const std::string& collection, const std::filesystem::path& dir,
                                  const IndexBuildOptions& options = {});
    /// Opens the index in `dir`, checking every file's magic, version, size and checksum.
    /// Throws IoError when it cannot be read, CorruptionError when it is damaged or of another
    /// format version.
    static Index open(const std::filesystem::path& dir);
    /// Adds (or replaces, atomically) the dense part of the index in `dir`; the inverted files
    /// are not touched. Throws UsageError for bad options, InputError for vectors that do not
    /// fit the collection (count, ids, dimension, NaN/Inf: naming file and vector).
    static DenseIndexReport add_dense(const std::filesystem::path& dir,
                                      const DenseIndexOptions& options);

    /// Adds (or replaces, atomically) the impact part of the index in `dir`, matching the
    /// vectors to the index's documents by id; the inverted files are not touched. Throws
    /// UsageError for a bad --quantize spec, InputError (`file:line: what`) for malformed
    /// vectors, ids the index lacks or repeats, index documents without a vector, fractional
    /// weights under "none" and impacts above 2^24. On any error the index stays as it was.
    static ImpactIndexReport add_impact(const std::filesystem::path& dir,
                                        const ImpactIndexOptions& options);
    /// Builds the index and its impact part in one go, replacing `dir` only once both are
    /// complete. `collection` empty: the vectors file is also the collection (each line's id
    /// and contents), so later stages have the documents' text. Errors as build() and
    /// add_impact().
    static IndexWithImpactReport build_with_impact(const std::string& collection,
                                                   const std::filesystem::path& dir,
                                                   const IndexBuildOptions& options,
                                                   const ImpactIndexOptions& impact);

    /// Documents in the index; internal ids are 0 .. num_docs() - 1 in collection order.
    [[nodiscard]] std::uint32_t num_docs() const;
    /// External (collection) id of internal `docid`.
    [[nodiscard]] std::string_view external_id(std::uint32_t docid) const;
    /// Internal id of an external id, or nullopt. O(log num_docs).
    [[nodiscard]] std::optional<std::uint32_t> internal_id(std::string_view external) const;
    /// The stored document (id, title, text).
    [[nodiscard]] Document document(std::uint32_t docid) const;
    /// Names of the indexed fields, in index order ({"contents"} for a flat index).
    [[nodiscard]] std::vector<std::string> fields() const;
    /// True when the index has an impact part (built with --impact-vectors).
    [[nodiscard]] bool has_impact() const;

    struct Impl;  ///< opaque outside the library
    [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
    explicit Index(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace cascade
