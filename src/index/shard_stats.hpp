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
class GlobalStatsCounter {
    static constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;

public:
    explicit GlobalStatsCounter(std::size_t num_fields) : m_fields(num_fields) {}

    /// One document's id, in collection order (feeds the set fingerprint).
    void add_document(std::string_view id);
    /// One document's field: its length in tokens and its distinct terms.
    void add_length(std::size_t field, std::uint32_t length);
    void add_term(std::size_t field, std::string_view term);

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
        std::uint64_t length_hash = kFnvOffsetBasis;
    };
    std::vector<Field> m_fields;
    std::uint64_t m_num_docs = 0;
    // FNV-1a over the ids, and per field over its lengths: each sequence arrives in collection
    // order, but they interleave differently with the build's batching.
    std::uint64_t m_id_hash = kFnvOffsetBasis;
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
