#pragma once
/// Document identifier reordering by recursive graph bisection ("BP"): Dhulipala, Kabiljo,
/// Karrer, Ottaviano, Pupyrev & Shalita, "Compressing Graphs and Indexes with Recursive Graph
/// Bisection", KDD 2016; the settings follow Mackenzie, Petri & Moffat, "Faster Index
/// Reordering with Bipartite Graph Partitioning", SIGIR 2021.
///
/// Documents that share terms get close internal docids, so posting lists have small gaps:
/// smaller blocks, and block maxima that bound tighter (faster dynamic pruning). Rankings are
/// unchanged: scores do not depend on docids and ties are broken by external id
/// (Index::id_ranks), so a reordered index returns the same runs.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "collection/reader.hpp"
#include "index/index.hpp"

namespace cascade::index {

struct BpOptions {
    /// Swap rounds per bisection (Dhulipala et al. use 20).
    unsigned iterations = 20;
    /// Stop bisecting partitions smaller than this.
    std::uint32_t min_partition = 32;
    /// Terms in fewer documents than this are left out of the cost (they barely move it and
    /// cost time); PISA's tool skips short lists the same way.
    std::uint32_t min_doc_freq = 2;
    /// Threads for the recursion (the two halves of a bisection are independent).
    unsigned threads = 1;
    /// Called with (bisections done, bisections planned) while it runs.
    std::function<void(std::uint64_t, std::uint64_t)> progress;
};

/// What bp_order did, for logs and the benchmark.
struct BpSummary {
    std::uint64_t terms = 0;     ///< terms that entered the cost
    std::uint64_t postings = 0;  ///< their postings (the forward index's size)
    std::uint32_t depth = 0;     ///< levels of bisection
    double seconds = 0.0;
};

/// The BP order of `index`'s documents over every field's postings: order[i] is the current
/// docid to place at position i. Deterministic (no randomness, ties by docid).
[[nodiscard]] std::vector<std::uint32_t> bp_order(const Index& index, const BpOptions& options,
                                                  BpSummary* summary = nullptr);

/// Log2-gap cost of `index`'s postings under `order` (bits a gap coder would need, the
/// objective BP minimises): sum over posting lists of log2(gap + 1). For reports and tests.
[[nodiscard]] double log_gap_cost(const Index& index, const std::vector<std::uint32_t>& order);

/// Reads `index`'s stored documents in `order` (a permutation of its docids): feed it to
/// build_index with the same analyzer and options to write the reordered index.
class ReorderedReader : public DocumentReader {
public:
    ReorderedReader(const Index& index, std::vector<std::uint32_t> order);
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override { return m_next; }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_order.size(); }

private:
    const Index* m_index;
    std::vector<std::uint32_t> m_order;
    std::size_t m_next = 0;
};

}  // namespace cascade::index
