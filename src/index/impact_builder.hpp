#pragma once
/// Imports learned-sparse document vectors (a JsonVectorCollection file, collection/
/// sparse_vectors.hpp) into the impact part of an existing index (index/impact_index.hpp).
///
/// Two passes over the file. The first checks every record and maps its id to the index's
/// docid: an id the index lacks, an id given twice and an index document without a vector are
/// InputErrors naming them (and the line); it also finds what `auto` and `linear` quantisation
/// need (the largest weight, whether every weight is whole). The second quantises and inverts:
/// streaming when the file lists the documents in index order, else through memory (about 8
/// bytes per posting). The part is written under an AtomicDirectory: on any error the index,
/// and an impact part it already had, stay as they were.

#include <cstdint>
#include <filesystem>
#include <string>

#include "index/builder.hpp"
#include "index/impact_index.hpp"
#include "index/index.hpp"

namespace cascade::index {

struct ImpactBuildOptions {
    std::string vectors;            ///< the JsonVectorCollection file (plain or .gz)
    std::string quantize = "auto";  ///< ImpactQuantizer spec (index/impact_quantizer.hpp)
    std::uint64_t memory_budget = 1ULL << 30;
    bool progress = true;
    std::filesystem::path temp_dir;  ///< spill files; empty = the staging folder
};

struct ImpactBuildSummary {
    BuildSummary build;    ///< the part's own index (num_docs, terms, postings, bytes, seconds)
    ImpactMeta meta;       ///< what impact.meta records (quantizer, max impact, ...)
    bool in_order = true;  ///< the file listed the documents in index order (streamed)
    double scan_seconds = 0.0;
};

/// Builds (or replaces, atomically) the impact part of the index `main`, open from
/// `index_dir`. Throws UsageError for a bad --quantize spec, InputError for a malformed file,
/// ids that do not match the index's, weights that are not whole numbers under `none` or whose
/// impact would exceed kMaxImpact; IoError on write failures.
ImpactBuildSummary add_impact_part(const Index& main, const std::filesystem::path& index_dir,
                                   const ImpactBuildOptions& options);

}  // namespace cascade::index
