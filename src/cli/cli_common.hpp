#pragma once
/// Pieces several subcommands share: loading a query set, printing hits with titles, and the
/// one-typed-query mode of a pipeline.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <cascade/index.hpp>
#include <cascade/types.hpp>

namespace cascade::cli {

/// Reads the queries of `path` (any read_queries format), refuses repeated ids, and keeps only
/// the queries judged in `qids_from` when it is not empty.
[[nodiscard]] std::vector<Query> load_query_set(const std::string& path, const std::string& format,
                                                const std::string& qids_from);

/// Prints the first `show` hits of `run` as `rank  docid  score  title` (the start of the text
/// when a document has no title) on stdout; a hit's title comes from the first of `indexes`
/// (the shards of a set, or one index) that holds its document.
void print_hits(std::span<const Index> indexes, const Run& run, std::size_t show);
inline void print_hits(const Index& index, const Run& run, std::size_t show) {
    print_hits(std::span<const Index>(&index, 1), run, show);
}

/// Runs the pipeline file over one typed query and prints its hits with titles on stdout and
/// the per-stage table on stderr (`cascade run --query`, `cascade search --pipeline --query`).
void run_pipeline_query(const std::string& pipeline_file, const std::string& index_dir,
                        const std::string& query, std::size_t show);

}  // namespace cascade::cli
