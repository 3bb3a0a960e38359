#pragma once
/// Read access to an on-disk cascade index (built by index::build_index / `cascade index`).
///
/// An index directory holds a manifest plus, per field, a term dictionary, compressed
/// postings (blocks of 128 doc-id gaps and freqs with per-block BM25 bounds), optional
/// positions and document-length norms; and, shared by all fields, the external-id map and a
/// zstd-compressed document store. Files are memory-mapped; open() checks magic, version,
/// sizes and CRC32 checksums so a truncated, corrupted or other-version index is refused
/// with a CorruptionError instead of being read past its end. Layouts: docs/formats/index.md.
///
/// Internal docids are 0-based in collection order. Every accessor is const and safe to call
/// from several threads; cursors are per-thread.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collection/types.hpp"
#include "index/bm25_params.hpp"
#include "index/posting_cursor.hpp"
#include "index/small_float.hpp"

namespace cascade::index {

/// The BM25 parameters the stored block-max pairs are chosen for: Bm25Params' defaults
/// (index/bm25_params.hpp, which cites them), as the doubles the manifest records.
inline constexpr double kDefaultK1 = Bm25Params::kDefaultK1;
inline constexpr double kDefaultB = Bm25Params::kDefaultB;

/// Collection statistics of one field, as Lucene defines them.
struct FieldStats {
    std::string name;
    /// Documents with at least one term in the field (Lucene Terms.getDocCount()).
    std::uint32_t doc_count = 0;
    /// Sum of the field's document lengths in tokens (Lucene Terms.getSumTotalTermFreq());
    /// avgdl = sum_total_term_freq / doc_count.
    std::uint64_t sum_total_term_freq = 0;
    std::uint64_t num_terms = 0;     ///< distinct terms
    std::uint64_t num_postings = 0;  ///< sum of doc_freq over terms
};

class MappedFile;

/// One indexed field: dictionary, postings and document lengths.
class FieldIndex {
public:
    [[nodiscard]] const FieldStats& stats() const { return m_stats; }
    [[nodiscard]] const std::string& name() const { return m_stats.name; }

    /// Looks a term up (exact bytes, already analyzed); nullopt when absent. O(log terms).
    /// Once a field has answered kTermSampleAfter lookups, it builds an array of every
    /// kTermSampleStride-th term's first 8 bytes and narrows each binary search with it first.
    [[nodiscard]] std::optional<TermInfo> term(std::string_view term) const;
    /// term() for each of `texts` into `out` (the same size), the searches run side by side:
    /// each is a chain of cache misses (dictionary offsets, term bytes, the entry), and a
    /// query's terms are independent, so their misses can overlap instead of queueing.
    /// term() is this for one text.
    void terms(std::span<const std::string_view> texts,
               std::span<std::optional<TermInfo>> out) const;
    /// Terms per entry of the lookup's sample (see term()).
    static constexpr std::uint64_t kTermSampleStride = 16;
    /// Lookups a field answers before it builds the sample. Building it reads a 16th of the
    /// dictionary: about 10 ms on the 1M synthetic corpus's million terms, mostly page faults,
    /// which a process answering a few queries should not pay; a batch or a server recovers it
    /// within about a thousand queries.
    static constexpr std::uint64_t kTermSampleAfter = 1024;
    /// The term with dictionary ordinal `ordinal` (terms sorted by bytes), 0 <= ordinal <
    /// stats().num_terms.
    [[nodiscard]] std::string_view term_at(std::uint64_t ordinal) const;
    [[nodiscard]] TermInfo term_info_at(std::uint64_t ordinal) const;
    /// A cursor positioned on the first posting of `info`'s list.
    [[nodiscard]] PostingCursor postings(const TermInfo& info) const;
    /// Starts loading what postings(info) reads first (the list's block table and first
    /// block), so that a query's lists can be fetched from memory together rather than one
    /// after the other. Reads nothing itself.
    void prefetch_postings(const TermInfo& info) const;

    /// Lucene's one-byte norm of `docid`'s length in this field (int_to_byte4(length)).
    [[nodiscard]] std::uint8_t norm(std::uint32_t docid) const { return m_norms[docid]; }
    /// Norm bytes of all documents, indexed by docid.
    [[nodiscard]] std::span<const std::uint8_t> norms() const { return m_norms; }
    /// Exact length in tokens of `docid` in this field.
    [[nodiscard]] std::uint32_t length(std::uint32_t docid) const;

    /// The statistics BM25 scores with: for a shard (Index::shard()), the whole collection's
    /// doc_count and sum_total_term_freq (num_terms and num_postings stay the shard's); for an
    /// ordinary index, stats().
    [[nodiscard]] const FieldStats& collection_stats() const {
        return m_global_doc_freq != nullptr ? m_collection_stats : m_stats;
    }
    /// The doc_freq BM25's idf uses for `info` (a term of this field): the whole collection's
    /// for a shard, else info.doc_freq.
    [[nodiscard]] std::uint32_t collection_doc_freq(const TermInfo& info) const {
        return m_global_doc_freq != nullptr
                   ? load<std::uint32_t>(m_global_doc_freq + info.ordinal * 4)
                   : info.doc_freq;
    }

private:
    friend class Index;
    /// Counts a lookup, builds the sample once kTermSampleAfter have been counted, and
    /// narrows [lo, hi) to where `term` must be when the sample is ready.
    void narrow(std::string_view term, std::uint64_t& lo, std::uint64_t& hi) const;
    /// The lookup's array: prefix_key of every kTermSampleStride-th term, built once
    /// kTermSampleAfter lookups have been counted (term() says why).
    struct TermSample {
        std::atomic<std::uint64_t> lookups{0};
        std::atomic<bool> ready{false};  // keys are complete
        std::once_flag built;
        std::vector<std::uint64_t> keys;
    };
    FieldStats m_stats;
    std::shared_ptr<TermSample> m_sample = std::make_shared<TermSample>();
    FieldStats m_collection_stats;
    const std::uint8_t* m_global_doc_freq = nullptr;  // u32[num_terms], shards only
    std::uint32_t m_num_docs = 0;
    const std::uint8_t* m_term_offsets = nullptr;  // u64[num_terms + 1]
    const std::uint8_t* m_term_entries = nullptr;  // TermEntry[num_terms]
    const char* m_term_bytes = nullptr;
    const std::uint8_t* m_postings = nullptr;
    const std::uint8_t* m_positions = nullptr;
    std::span<const std::uint8_t> m_norms;
    const std::uint8_t* m_lengths = nullptr;  // u32[num_docs]
};

/// Where a shard stands in its set (docs/scale-out.md).
struct ShardInfo {
    std::uint32_t shard = 0;            ///< 0-based
    std::uint32_t count = 0;            ///< shards in the set
    std::uint64_t fingerprint = 0;      ///< equal for every shard of one set
    std::uint64_t collection_docs = 0;  ///< documents of the whole collection
};

/// Options for Index::open.
struct OpenOptions {
    /// Verify every file's CRC32 and the O(size) structure checks (reads each file once).
    /// Size/magic/version checks always run.
    bool verify_checksums = true;
    /// Verified once, recorded: when the index folder's `verified` stamp still vouches for
    /// every file (unchanged since a full verification), skip what verify_checksums would
    /// repeat; after a full verification, write the stamp (best effort). false: verify fully
    /// on every open and write nothing.
    bool trust_verified_stamp = true;
};

/// A memory-mapped, read-only index. Movable, not copyable.
class Index {
public:
    /// Opens the index in `dir`. Throws IoError when files cannot be opened/mapped and
    /// CorruptionError (naming the file and what is wrong) on a wrong magic, another format
    /// version, a size/offset mismatch or a checksum failure.
    static Index open(const std::filesystem::path& dir, const OpenOptions& options = {});

    Index(Index&&) noexcept;
    Index& operator=(Index&&) noexcept;
    ~Index();

    [[nodiscard]] std::uint32_t num_docs() const { return m_num_docs; }
    /// text::Analyzer::name() of the analyzer that built the index; pass it to
    /// text::make_analyzer to analyze queries identically.
    [[nodiscard]] const std::string& analyzer_name() const { return m_analyzer; }
    /// BM25 parameters the stored block-max (freq, norm) pairs were chosen for.
    [[nodiscard]] double k1() const { return m_k1; }
    [[nodiscard]] double b() const { return m_b; }
    [[nodiscard]] bool has_positions() const { return m_has_positions; }
    /// True when the document store holds title and text (always, in version 1).
    [[nodiscard]] bool has_documents() const { return m_docstore != nullptr; }

    /// Fields in index order: {"contents"} for a flat index, e.g. {"title","text"} multifield.
    [[nodiscard]] std::size_t num_fields() const { return m_fields.size(); }
    [[nodiscard]] const FieldIndex& field(std::size_t i) const { return m_fields[i]; }
    /// The field called `name`, or nullptr.
    [[nodiscard]] const FieldIndex* find_field(std::string_view name) const;

    /// External (collection) id of internal `docid`.
    [[nodiscard]] std::string_view external_id(std::uint32_t docid) const;
    /// Per internal docid, the rank of its external id among all of them in byte order (0 = the
    /// smallest): comparing ranks orders documents as comparing their ids does, so score ties
    /// are broken with an integer comparison. Stored at build time (docids version 3) and used
    /// in place; for a version-2 file, computed from the stored sorted permutation on the first
    /// call (O(num_docs)), then shared. Safe from several threads.
    [[nodiscard]] std::span<const std::uint32_t> id_ranks() const;
    /// Internal docid of an external id, or nullopt. O(log num_docs).
    [[nodiscard]] std::optional<std::uint32_t> internal_id(std::string_view external) const;
    /// The stored document (id, title, text); decompresses one zstd block (~32 KB).
    [[nodiscard]] Document document(std::uint32_t docid) const;

    /// The folder the index was opened from (its dense part, if any, is dense_dir(dir())).
    [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

    /// True when open() skipped the checksums because the `verified` stamp vouched for every
    /// file (OpenOptions::trust_verified_stamp).
    [[nodiscard]] bool opened_on_stamp() const { return !m_deep_checks && m_stamp_trusted; }

    /// Set for a shard built with `--shard i --of N`; its fields then score with the whole
    /// collection's statistics (FieldIndex::collection_stats).
    [[nodiscard]] const std::optional<ShardInfo>& shard() const { return m_shard; }

    /// Total bytes of the index files (for bytes-per-posting reports).
    [[nodiscard]] std::uint64_t total_bytes() const { return m_total_bytes; }

private:
    using FileMapper = std::function<const MappedFile&(const std::string&, std::string_view)>;
    Index();
    void load_manifest(const std::filesystem::path& dir, const OpenOptions& options);
    void setup_field(std::size_t field, const FileMapper& map);
    void setup_ids(const MappedFile& file);
    void setup_docstore(const MappedFile& file);
    /// Reads a shard's global_stats (shard_stats.cpp) after the fields are set up.
    void setup_global_stats(const MappedFile& file, std::uint32_t shard, std::uint32_t count);

    struct IdRanks {
        std::once_flag once;
        std::vector<std::uint32_t> ranks;
    };

    std::vector<std::unique_ptr<MappedFile>> m_files;
    std::unique_ptr<IdRanks> m_id_ranks = std::make_unique<IdRanks>();  ///< docids version 2
    std::span<const std::uint32_t> m_stored_id_ranks;  ///< in the docids file (version 3)
    std::vector<FieldIndex> m_fields;
    std::uint32_t m_num_docs = 0;
    std::string m_analyzer;
    double m_k1 = kDefaultK1;
    double m_b = kDefaultB;
    bool m_has_positions = false;
    bool m_deep_checks = true;  ///< during open(): run the O(size) checks
    bool m_stamp_trusted = false;
    std::uint64_t m_total_bytes = 0;
    std::optional<ShardInfo> m_shard;
    std::filesystem::path m_dir;
    // External ids: u64 offsets[num_docs + 1], bytes, u32 sorted permutation[num_docs].
    const std::uint8_t* m_id_offsets = nullptr;
    const char* m_id_bytes = nullptr;
    const std::uint8_t* m_id_sorted = nullptr;
    // Document store: u32 first docid per block[num_blocks + 1], u64 offsets[num_blocks + 1].
    const std::uint8_t* m_docstore = nullptr;
    const std::uint8_t* m_doc_block_first = nullptr;
    const std::uint8_t* m_doc_block_offsets = nullptr;
    std::uint32_t m_doc_num_blocks = 0;
};

}  // namespace cascade::index
