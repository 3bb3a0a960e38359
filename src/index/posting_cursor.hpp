#pragma once
/// Forward iteration over one term's compressed postings, with block-max summaries for
/// dynamic pruning (Ding & Suel, "Faster Top-k Document Retrieval Using Block-Max Indexes",
/// SIGIR 2011). Interface modelled on PISA's posting cursor concept (docid/freq/next/
/// next_geq/size) with an end sentinel docid instead of a separate "valid" flag.

#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "index/format.hpp"

namespace cascade::index {

/// Summary of a term's posting list, returned by FieldIndex::term().
struct TermInfo {
    std::uint32_t doc_freq = 0;         ///< documents containing the term in this field
    std::uint64_t total_term_freq = 0;  ///< occurrences summed over all documents
    std::uint32_t max_freq = 0;         ///< largest freq in the whole list
    /// The (freq, norm) pair maximizing BM25 with the index's k1/b over the whole list (a
    /// term-level upper bound for MaxScore/WAND at those parameters).
    std::uint32_t best_freq = 0;
    std::uint8_t best_norm = 0;
    std::uint8_t min_norm = 0;  ///< shortest document's norm byte in the list
    std::uint64_t ordinal = 0;  ///< position of the term in the sorted dictionary
    // Internal: where the list lives.
    std::uint64_t postings_offset = 0;
    std::uint64_t positions_offset = 0;
};

/// A cursor over (docid ascending, freq) of one posting list. Starts on the first posting.
/// After the last posting docid() returns the sentinel (= num_docs of the index); freq() is
/// then meaningless. next_geq never moves backwards. Block-max accessors describe the block
/// holding the current posting, or the block chosen by the last shallow_next_geq(); with
/// 128 postings per block (kBlockSize). Not thread-safe; cheap to create (no allocation
/// unless positions() is used).
class PostingCursor {
public:
    PostingCursor() = default;
    /// Internal: built by FieldIndex::postings().
    PostingCursor(const TermInfo& info, const std::uint8_t* postings, const std::uint8_t* positions,
                  std::uint32_t sentinel);
    /// Internal: starts loading what the constructor above reads first (the list's block table
    /// and its first block's data), for FieldIndex::prefetch_postings().
    static void prefetch(const TermInfo& info, const std::uint8_t* postings);

    /// Current docid, or sentinel() when exhausted.
    [[nodiscard]] std::uint32_t docid() const { return m_docid; }
    /// Term frequency of the current posting (>= 1).
    [[nodiscard]] std::uint32_t freq() {
        if (!m_freqs_decoded) {
            decode_freqs();
        }
        return m_freqs[m_pos];
    }
    /// Advances to the next posting (or the sentinel).
    void next() {
        if (++m_pos < m_block_len) {
            m_docid = m_docs[m_pos];
            return;
        }
        next_block();
    }
    /// Advances to the first posting with docid >= target (or the sentinel). O(log blocks)
    /// block skipping plus a scan inside one block.
    void next_geq(std::uint32_t target);

    /// Number of postings in the list (the term's doc_freq).
    [[nodiscard]] std::uint32_t size() const { return m_size; }
    /// The end-of-list docid: the index's num_docs.
    [[nodiscard]] std::uint32_t sentinel() const { return m_sentinel; }

    /// Moves only the block pointer to the block that would hold `target` (without decoding),
    /// so block_max_* can bound it; the next next_geq(target' >= target) decodes it.
    void shallow_next_geq(std::uint32_t target) {
        if (m_block >= m_num_blocks) {
            return;
        }
        if (m_blocks == nullptr) {
            if (m_docs[m_block_len - 1] < target) {
                m_block = m_num_blocks;
            }
            return;
        }
        if (block_last_docid(m_block) < target) {
            m_block = find_block(m_block + 1, target);
        }
    }
    /// Last docid of the current block (the sentinel after the end).
    [[nodiscard]] std::uint32_t block_max_docid() const {
        if (m_block >= m_num_blocks) {
            return m_sentinel;
        }
        return m_blocks == nullptr ? m_docs[m_block_len - 1] : block_last_docid(m_block);
    }
    /// Largest freq in the current block.
    [[nodiscard]] std::uint32_t block_max_freq() const;
    /// The (freq, norm byte) posting of the current block maximizing BM25 at the index's k1/b.
    [[nodiscard]] std::pair<std::uint32_t, std::uint8_t> block_max_freq_norm() const;
    /// Smallest norm byte (shortest document) in the current block; with block_max_freq() it
    /// gives a bound valid for any k1 >= 0, 0 <= b <= 1.
    [[nodiscard]] std::uint8_t block_min_norm() const;

    /// Number of blocks of kBlockSize postings (the last may be shorter).
    [[nodiscard]] std::uint32_t num_blocks() const { return m_num_blocks; }
    /// The (freq, norm byte) of a posting of block `block` that maximizes BM25 at the index's
    /// k1/b (an actual posting of the block, unlike block_max_freq_norm()'s fallback), or
    /// {0, 0} when the block's entry saturated and does not name it.
    [[nodiscard]] std::pair<std::uint32_t, std::uint8_t> block_best_posting(
        std::uint32_t block) const;
    /// The largest freq of block `block` (an actual posting's), or 0 when the block's entry
    /// saturated and does not hold it.
    [[nodiscard]] std::uint32_t block_max_freq_of(std::uint32_t block) const;
    /// Decodes block `block` and stands on its first posting, backwards as well as forwards:
    /// for visiting chosen blocks of a copy of a cursor (next() then walks on from there). The
    /// block-max accessors describe that block.
    void seek_block(std::uint32_t block) { enter_block(block); }

    /// Positions of the current posting (ascending, freq() of them), when the index was built
    /// with positions; empty otherwise. Valid until the cursor moves.
    [[nodiscard]] std::span<const std::uint32_t> positions();

private:
    void next_block();
    void enter_block(std::uint32_t block);
    void decode_freqs();
    /// Index of the first docid >= target in the decoded block, from `pos` on.
    [[nodiscard]] std::uint32_t scan_to(std::uint32_t pos, std::uint32_t target) const;
    [[nodiscard]] BlockEntry block_entry(std::uint32_t block) const {
        return load_block_entry(m_blocks + std::size_t{block} * kBlockEntrySize);
    }
    [[nodiscard]] std::uint32_t block_last_docid(std::uint32_t block) const {
        return load<std::uint32_t>(m_blocks + std::size_t{block} * kBlockEntrySize);
    }
    /// First block >= `from` whose last docid is >= target (m_num_blocks when none).
    [[nodiscard]] std::uint32_t find_block(std::uint32_t from, std::uint32_t target) const;

    const std::uint8_t* m_blocks = nullptr;  // BlockEntry table (nullptr for one block)
    const std::uint8_t* m_data = nullptr;    // start of block data
    const std::uint8_t* m_positions = nullptr;
    TermInfo m_info;
    std::uint32_t m_size = 0;
    std::uint32_t m_num_blocks = 0;
    std::uint32_t m_sentinel = 0;
    std::uint32_t m_block = 0;          // block the block-max accessors describe
    std::uint32_t m_decoded_block = 0;  // block whose postings are in m_docs
    std::uint32_t m_block_len = 0;
    std::uint32_t m_pos = 0;
    std::uint32_t m_docid = 0;
    std::uint32_t m_freq_width = 0;  // freqs-1 bit width of a short block (unused for full ones)
    bool m_freqs_decoded = false;
    const std::uint8_t* m_freq_data = nullptr;  // freq bytes of the decoded block
    // Positions decoding resumes from (m_pos_index, m_pos_ptr) inside the decoded block.
    std::uint32_t m_pos_block = UINT32_MAX;
    std::uint32_t m_pos_index = 0;
    const std::uint8_t* m_pos_ptr = nullptr;
    alignas(64) std::uint32_t m_docs[kBlockSize] = {};
    alignas(64) std::uint32_t m_freqs[kBlockSize] = {};
    std::vector<std::uint32_t> m_position_buffer;
};

}  // namespace cascade::index
