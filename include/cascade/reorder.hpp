#pragma once
/// Document identifier reordering of an index by recursive graph bisection (BP: Dhulipala et
/// al., KDD 2016): documents sharing terms get close ids, so posting lists compress better and
/// block maxima bound tighter. Runs are unchanged (ties go by external id).

#include <cstdint>
#include <filesystem>

namespace cascade {

/// Options of reorder_index.
struct ReorderOptions {
    unsigned iterations = 20;        ///< swap rounds per bisection
    std::uint32_t min_doc_freq = 2;  ///< terms in fewer documents are left out of the cost
    unsigned threads = 1;            ///< bisection and rebuild threads
    bool progress = true;            ///< progress bars on stderr (terminals only)
};

/// What reorder_index did.
struct ReorderReport {
    std::uint32_t num_docs = 0;
    std::uint64_t postings_bytes_before = 0;
    std::uint64_t postings_bytes_after = 0;
    std::uint64_t num_postings = 0;
    /// Log2-gap cost of the postings (bits a gap coder needs) in the old and the new order.
    double log_gap_bits_before = 0.0;
    double log_gap_bits_after = 0.0;
    double bp_seconds = 0.0;       ///< computing the order
    double rebuild_seconds = 0.0;  ///< writing the index in that order
};

/// Rewrites the index in `dir` with its documents in BP order (atomically: the old index stays
/// until the new one is complete). The index must store its documents and have no dense,
/// multivector, TILDE or impact part yet (they are bound to the docids: reorder first, add
/// them after); UsageError otherwise.
ReorderReport reorder_index(const std::filesystem::path& dir, const ReorderOptions& options = {});

}  // namespace cascade
