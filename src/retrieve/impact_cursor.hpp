#pragma once
/// A BlockMaxCursor over one term's postings in an impact part (index/impact_index.hpp): the
/// score of a posting is query weight x impact, where the impact is the posting's stored freq.

#include <cstdint>

#include "index/index.hpp"
#include "retrieve/kth_floor.hpp"
#include "retrieve/scored_cursor.hpp"

namespace cascade::retrieve {

/// Scores each posting as `weight * impact`, one float multiplication (impacts up to 2^24 are
/// exact floats, index::kMaxImpact). The index stores the largest freq of every block and of the
/// whole list, which bound the impact; with weight > 0 the product is monotone in the impact,
/// so weight x that maximum bounds every score, inflated by safe_bound() like every bound.
class ImpactCursor {
public:
    ImpactCursor(const index::FieldIndex& field, const index::TermInfo& info, float weight)
        : m_cursor(field.postings(info)),
          m_weight(weight),
          m_max(safe_bound(weight * static_cast<float>(info.max_freq))) {}

    [[nodiscard]] std::uint32_t docid() const { return m_cursor.docid(); }
    [[nodiscard]] std::uint32_t sentinel() const { return m_cursor.sentinel(); }
    void next() { m_cursor.next(); }
    void next_geq(std::uint32_t target) { m_cursor.next_geq(target); }
    [[nodiscard]] float score() { return m_weight * static_cast<float>(m_cursor.freq()); }
    [[nodiscard]] float max_score() const { return m_max; }
    /// Lowest score a posting can get (freq >= 1).
    [[nodiscard]] float min_score() const { return m_weight; }

    void shallow_next_geq(std::uint32_t target) { m_cursor.shallow_next_geq(target); }
    [[nodiscard]] std::uint32_t block_max_docid() const { return m_cursor.block_max_docid(); }
    /// Cached per block: block-max WAND asks for the same block's bound many times.
    [[nodiscard]] float block_max_score() const {
        const std::uint32_t last = m_cursor.block_max_docid();
        if (!m_block_cached || last != m_cached_last) {
            // Past the last block the cursor reports freq 0, hence a bound of 0.
            m_cached_bound = safe_bound(m_weight * static_cast<float>(m_cursor.block_max_freq()));
            m_cached_last = last;
            m_block_cached = true;
        }
        return m_cached_bound;
    }

    /// A score that at least `k` postings reach, for TopKQueue::prime (0 when none is known):
    /// kth_floor_by_blocks over the blocks' largest impacts, each an actual posting's.
    [[nodiscard]] float kth_score_floor(std::size_t k) const {
        return kth_floor_by_blocks(
            k, m_cursor.size(), m_cursor.num_blocks(), m_max,
            [this](std::uint32_t block) {
                const std::uint32_t impact = m_cursor.block_max_freq_of(block);
                return impact == 0 ? -1.0F : m_weight * static_cast<float>(impact);
            },
            *this,
            [](ImpactCursor& reader, std::uint32_t block) { reader.m_cursor.seek_block(block); });
    }

private:
    index::PostingCursor m_cursor;
    float m_weight;
    float m_max;
    mutable bool m_block_cached = false;
    mutable std::uint32_t m_cached_last = 0;
    mutable float m_cached_bound = 0.0F;
};

}  // namespace cascade::retrieve
