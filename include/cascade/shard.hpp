#pragma once
/// Document-partitioned shards that score exactly as one index (`cascade index --shard i --of
/// N`, `cascade search --index DIR0,DIR1,...`; docs/scale-out.md).
///
/// Document j of the collection (0-based, in reading order) goes to shard j mod N. Every shard
/// build reads the whole collection once and stores, beside its own documents' postings, the
/// collection's statistics (document count, summed field lengths, the document frequency of
/// each of its terms), so BM25 scores each document of a shard bit for bit as the single
/// index would. Searching the N shards and merging their top-k lists by (score desc, id asc)
/// gives the single index's run, byte for byte.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/index.hpp>
#include <cascade/search.hpp>
#include <cascade/types.hpp>

namespace cascade {

/// Where a shard stands in its set.
struct ShardInfo {
    std::uint32_t shard = 0;            ///< 0-based
    std::uint32_t count = 0;            ///< shards in the set
    std::uint64_t fingerprint = 0;      ///< equal for every shard of one build of a set
    std::uint64_t collection_docs = 0;  ///< documents of the whole collection
};

/// Builds shard `shard` of `count` of `collection` into `dir` (IndexBuildOptions as
/// Index::build). Throws UsageError when shard >= count or count is 0, and Index::build's
/// errors. A duplicate document id is found only among the shard's own documents.
IndexBuildReport build_shard(const std::string& collection, const std::filesystem::path& dir,
                             std::uint32_t shard, std::uint32_t count,
                             const IndexBuildOptions& options = {});

/// Gives every builder of a set the others' statistics: called once with this builder's bytes,
/// returns every builder's bytes in shard order (an allgather; MPI_Allgatherv under mpirun).
using StatsExchange = std::function<std::vector<std::string>(const std::string&)>;

/// As build_shard, for one of `count` builders that build the set's shards at once (one MPI
/// rank each): reads the collection but parses (where the format allows skipping a record
/// unparsed: JSONL) and analyzes only the shard's own documents, and gets the
/// collection's statistics (per field document count and summed lengths, the document
/// frequencies of its terms, the set fingerprint) through one call of `exchange`. The shard's
/// files are byte for byte those of build_shard(collection, dir, shard, count, options).
IndexBuildReport build_shard(const std::string& collection, const std::filesystem::path& dir,
                             std::uint32_t shard, std::uint32_t count,
                             const IndexBuildOptions& options, const StatsExchange& exchange);

/// The shard identity of `index`; nullopt for an ordinary index.
[[nodiscard]] std::optional<ShardInfo> shard_info(const Index& index);

/// The shard-set file `mpirun -np N cascade index --index OUT` writes into OUT beside the
/// folders shard-0 .. shard-(N-1).
inline constexpr std::string_view kShardSetFile = "shards.txt";

/// The shard folders a `--index` value names: a shard-set file (one folder per line; blank
/// lines and lines starting with '#' skipped; relative paths are relative to the file's
/// folder), a folder holding no index but a shard-set file named kShardSetFile (what mpirun
/// builds), one folder, or, when `spec` names no existing path, a comma-separated list of
/// folders (so a folder whose name holds a comma is read as itself). Throws InputError for an
/// empty set file.
[[nodiscard]] std::vector<std::filesystem::path> shard_paths(const std::string& spec);

/// The shards of one set, opened and checked, in shard order. A single ordinary index is a
/// set of one.
class ShardSet {
public:
    /// Opens every folder and checks that they are shards 0 .. N-1 of one set: each a shard,
    /// the same N and fingerprint, every shard once. Throws UsageError naming the folder at
    /// fault (not a shard, another set, a repeated shard) or the missing shards.
    static ShardSet open(const std::vector<std::filesystem::path>& dirs);
    /// Some shards of one set, for a searcher that holds only part of it (one MPI rank of
    /// several, `--split shards`): checked as open() checks, except that shards may be missing
    /// and `dirs` may be empty. Check the whole set where the parts meet (check_shard_set),
    /// and merge the parts' runs with merge_runs.
    static ShardSet open_part(const std::vector<std::filesystem::path>& dirs);

    [[nodiscard]] std::size_t size() const { return m_shards.size(); }
    [[nodiscard]] const Index& shard(std::size_t i) const { return m_shards[i]; }
    [[nodiscard]] const std::filesystem::path& dir(std::size_t i) const { return m_dirs[i]; }
    /// Documents over all shards.
    [[nodiscard]] std::uint64_t num_docs() const;

private:
    static ShardSet open_checked(const std::vector<std::filesystem::path>& dirs, bool complete);

    std::vector<Index> m_shards;
    std::vector<std::filesystem::path> m_dirs;
};

/// Throws the UsageError ShardSet::open would throw for the folders `dirs` whose identities
/// (shard_info, in the same order) are `infos`: for searchers that each opened part of a set
/// (ShardSet::open_part) and exchanged what they opened.
void check_shard_set(const std::vector<std::filesystem::path>& dirs,
                     const std::vector<std::optional<ShardInfo>>& infos);

/// Merges runs over disjoint documents of the same queries (shards', or ranks' over parts of a
/// set), each searched with at least `k` hits per query and without remove_query: per query
/// the best `k` by (score desc, document id asc), then the query's own id dropped when
/// `remove_query`, ranks renumbered. Exact, since the best k of a union are among the best k
/// of each part; search(ShardSet) merges its shards' runs with it. The tag is the first
/// part's that has one.
[[nodiscard]] Run merge_runs(std::vector<Run> parts, std::size_t k, bool remove_query);

/// BM25 over every shard of `shards`, merged: the run search() gives over the single index of
/// the whole collection, byte for byte (options as search(); dense and impact searches are
/// refused with UsageError when there is more than one shard). With options.threads >= the
/// number of shards the shards are searched at once, threads / shards threads each; otherwise
/// one after another with options.threads threads each. `shard_seconds` (when given) gets each
/// shard's search time. A part of a set (ShardSet::open_part) is searched as the shards it
/// holds; search it with remove_query false and merge the parts with merge_runs. Throws
/// UsageError for an empty set.
[[nodiscard]] SearchResult search(const ShardSet& shards, std::span<const Query> queries,
                                  const SearchOptions& options = {},
                                  std::vector<double>* shard_seconds = nullptr);

}  // namespace cascade
