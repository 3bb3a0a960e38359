#pragma once
/// HNSW (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
/// Hierarchical Navigable Small World graphs", TPAMI 2018) over inner-product scores: a graph per
/// level, level 0 holding every vector with up to 2*M links, level L >= 1 the nodes drawn at
/// least that high with up to M links; links chosen by the paper's neighbour-selection heuristic
/// (Algorithm 4, without extending candidates or keeping pruned ones).
///
/// The graph is laid out flat so that the file the dense index writes is the build's memory,
/// dumped, and a search runs on the memory map without copying: see docs/formats/index.md.
/// Levels are drawn up front from the seed (node i's level depends only on seed and i), so the
/// layout is known before any link is made; with 1 build thread the graph is deterministic.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace cascade::index {

struct HnswParams {
    std::uint32_t m = 16;                 ///< links per node above level 0 (2*m on level 0)
    std::uint32_t ef_construction = 200;  ///< candidate list size while linking
    std::uint64_t seed = 100;             ///< level draws
};

/// A scored neighbour: (inner product, node).
using ScoredNode = std::pair<float, std::uint32_t>;

/// The int8 codes of the vectors a graph links, as quantize_i8 makes them: `dim` codes and one
/// scale per vector.
struct HnswCodes {
    const std::int8_t* codes = nullptr;  ///< count * dim
    const float* scales = nullptr;       ///< count
};

/// Read-only view of a graph and the vectors it links (in memory or memory-mapped).
struct HnswView {
    std::uint32_t m = 0;
    std::uint32_t count = 0;
    std::uint32_t dim = 0;
    std::uint32_t entry = 0;
    std::uint32_t max_level = 0;
    const std::uint32_t* level0 = nullptr;         ///< count blocks of (1 + 2m): size, links
    const std::uint64_t* upper_offsets = nullptr;  ///< count + 1 offsets into `upper` (u32s)
    const std::uint32_t* upper = nullptr;          ///< per node, levels 1..L blocks of (1 + m)
    const float* vectors = nullptr;                ///< count * dim

    /// The k nodes with the largest inner product with `query` that the search finds, best
    /// first (ties by node), exploring `ef` (>= k) candidates on level 0.
    [[nodiscard]] std::vector<ScoredNode> search(const float* query, std::size_t k,
                                                 std::size_t ef) const;
    /// The same search walked on int8 codes (a quarter of fp32's bytes to read per node), then
    /// the best `rescore` (>= k) nodes it found re-scored in fp32: scores are exact inner
    /// products, the set found is approximate twice (the graph, the codes).
    [[nodiscard]] std::vector<ScoredNode> search_int8(const float* query, const HnswCodes& codes,
                                                      std::size_t k, std::size_t ef,
                                                      std::size_t rescore) const;
    /// Links of `node` on `level` (level <= the node's level).
    [[nodiscard]] std::span<const std::uint32_t> links(std::uint32_t node,
                                                       std::uint32_t level) const;
    /// The node's level (0 for most nodes).
    [[nodiscard]] std::uint32_t level_of(std::uint32_t node) const;
};

/// A graph in memory, as build_hnsw makes it and the dense index stores it.
struct HnswGraph {
    std::uint32_t m = 0;
    std::uint32_t count = 0;
    std::uint32_t entry = 0;
    std::uint32_t max_level = 0;
    std::vector<std::uint32_t> level0;
    std::vector<std::uint64_t> upper_offsets;
    std::vector<std::uint32_t> upper;

    [[nodiscard]] HnswView view(const float* vectors, std::uint32_t dim) const;
};

/// Builds the graph over `count` vectors of `dim` floats on `threads` threads (>= 1);
/// `progress(done)` is called from time to time with the number of vectors linked.
[[nodiscard]] HnswGraph build_hnsw(const float* vectors, std::uint32_t count, std::uint32_t dim,
                                   const HnswParams& params, std::size_t threads,
                                   const std::function<void(std::uint64_t)>& progress = {});

/// The level HNSW draws for `node`: floor(-ln(u) / ln(m)), u uniform in (0, 1] from `seed`.
[[nodiscard]] std::uint32_t hnsw_level(std::uint64_t seed, std::uint32_t node, std::uint32_t m);

}  // namespace cascade::index
