#pragma once
/// Collection-wide statistics for a document-partitioned shard (`cascade index --shard i --of
/// N`): what a shard build counts over the whole collection and stores in its `global_stats`
/// file, so that every shard scores BM25 exactly as the single index would
/// (docs/scale-out.md; layout in docs/formats/index.md).
///
/// Partition: document j of the collection (0-based, in reading order) belongs to shard
/// j mod N. Each shard build reads and analyzes every document, inverts only its own, and
/// counts per field, over all documents, the documents with the field, the summed lengths and
/// the document frequency of every term. Ties are broken by external id, which does not
/// depend on the partition, so merging the shards' top-k lists by (score desc, id asc) gives
/// the single index's list.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/file_io.hpp"

namespace cascade::index {

/// The `global_stats` file of a shard and its magic.
inline constexpr std::string_view kGlobalStatsFile = "global_stats";
inline constexpr std::string_view kGlobalStatsMagic = "CSCD-GST";

/// Which shard a build writes: shard `shard` of `count` (count 0 = an ordinary index).
struct ShardSpec {
    std::uint32_t shard = 0;
    std::uint32_t count = 0;
    [[nodiscard]] bool sharded() const { return count > 0; }
    /// Whether document `ordinal` of the collection belongs to this shard.
    [[nodiscard]] bool owns(std::uint64_t ordinal) const {
        return count == 0 || ordinal % count == shard;
    }
};

/// Throws UsageError unless 0 <= shard < count (or count is 0).
void validate(const ShardSpec& spec);

/// Counts the statistics of every document of a collection, field by field.
///
/// The set fingerprint hashes the documents' ids and field lengths per residue class (document
/// j in class j mod N, N the shard count), each class in collection order, then the classes in
/// order: so a counter that saw only one class (one MPI rank's documents, `first` = r and
/// `stride` = N) holds that class's part, and merge() combines the ranks' counters into what one
/// counter over every document holds.
class GlobalStatsCounter {
    static constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;

public:
    /// Counts documents first, first + stride, ... of a collection split into `classes` (the
    /// shard count; 0 is taken as 1).
    explicit GlobalStatsCounter(std::size_t num_fields, std::uint32_t classes = 1,
                                std::uint64_t first = 0, std::uint64_t stride = 1);

    /// One document's id, in collection order (feeds the set fingerprint).
    void add_document(std::string_view id);
    /// One document's field: its length in tokens and its distinct terms.
    void add_length(std::size_t field, std::uint32_t length);
    void add_term(std::size_t field, std::string_view term);

    /// This counter's sums, fingerprint parts and document frequencies as bytes.
    [[nodiscard]] std::string serialize() const;
    /// Adds another counter's serialize() (a disjoint set of documents of the same collection
    /// and fields): sums, the residue classes it counted, and the document frequencies of the
    /// terms this counter already has (a shard needs only its own terms'). Throws CorruptionError
    /// for bytes of another shape.
    void merge(std::string_view bytes);

    [[nodiscard]] std::uint64_t num_docs() const { return m_num_docs; }
    [[nodiscard]] std::uint32_t doc_count(std::size_t field) const {
        return m_fields[field].doc_count;
    }
    [[nodiscard]] std::uint64_t sum_total_term_freq(std::size_t field) const {
        return m_fields[field].sum_total_term_freq;
    }
    /// Lucene's avgdl in double (what the field writer chooses block-max pairs with).
    [[nodiscard]] double avgdl(std::size_t field) const;
    /// Documents of the collection containing `term` in `field` (0 when none).
    [[nodiscard]] std::uint32_t doc_freq(std::size_t field, std::string_view term) const;
    /// The set's fingerprint: the documents' ids and field lengths in order, with `salt`
    /// (shard count, analyzer, field names): equal for every shard of one build of a set.
    [[nodiscard]] std::uint64_t fingerprint(std::string_view salt) const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept;
    };
    struct Field {
        std::uint32_t doc_count = 0;
        std::uint64_t sum_total_term_freq = 0;
        std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> doc_freq;
        std::vector<std::uint64_t> length_hash;  ///< per residue class
        std::uint64_t next = 0;                  ///< ordinal of the next length
    };
    /// The residue class of the `i`-th document this counter sees.
    [[nodiscard]] std::size_t class_of(std::uint64_t i) const {
        return static_cast<std::size_t>((m_first + i * m_stride) % m_id_hash.size());
    }
    std::vector<Field> m_fields;
    std::uint64_t m_num_docs = 0;
    std::uint64_t m_first = 0;
    std::uint64_t m_stride = 1;
    // FNV-1a over the ids, and per field over its lengths, per residue class: each sequence
    // arrives in collection order, but they interleave differently with the build's batching.
    std::vector<std::uint64_t> m_id_hash;
    std::vector<std::uint64_t> m_class_docs;  ///< documents counted per residue class
};

/// What a shard's `global_stats` file holds, per field in index order.
struct GlobalFieldStats {
    std::uint32_t doc_count = 0;
    std::uint64_t sum_total_term_freq = 0;
    /// Collection-wide doc_freq of each of the shard's terms, in its dictionary order.
    std::vector<std::uint32_t> doc_freq;
};

/// Writes `dir`/global_stats: shard identity, the collection's document count and, per field,
/// the global statistics. Returns the file's digest for the manifest.
FileDigest write_global_stats(const std::filesystem::path& dir, const ShardSpec& spec,
                              std::uint64_t fingerprint, std::uint64_t collection_docs,
                              const std::vector<GlobalFieldStats>& fields);

}  // namespace cascade::index
