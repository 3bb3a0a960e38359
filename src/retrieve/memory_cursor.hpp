#pragma once
/// Posting lists held in memory with precomputed scores: a ScoredCursor / BlockMaxCursor for
/// tests (oracles against the on-disk cursor) and for small ad-hoc lists.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {

/// One term's postings: strictly increasing docids, each with its (already weighted) score.
struct MemoryPostings {
    std::vector<std::uint32_t> docids;
    std::vector<float> scores;
};

/// Cursor over MemoryPostings with fixed-size blocks of `block_size` postings for block-max
/// bounds. The postings must outlive the cursor.
class MemoryCursor {
public:
    MemoryCursor(const MemoryPostings& postings, std::uint32_t sentinel,
                 std::uint32_t block_size = 4)
        : m_postings(&postings), m_sentinel(sentinel), m_block_size(block_size) {
        CASCADE_ASSERT(postings.docids.size() == postings.scores.size());
        CASCADE_ASSERT(block_size > 0);
        float max = 0.0F;
        for (std::size_t i = 0; i < postings.scores.size(); i += block_size) {
            std::size_t end = std::min(postings.scores.size(), i + block_size);
            float block_max =
                *std::max_element(postings.scores.begin() + static_cast<std::ptrdiff_t>(i),
                                  postings.scores.begin() + static_cast<std::ptrdiff_t>(end));
            m_block_max.push_back(safe_bound(block_max));
            max = std::max(max, block_max);
        }
        m_max = safe_bound(max);
        for (float score : postings.scores) {
            m_min = std::min(m_min, score);
        }
    }

    [[nodiscard]] std::uint32_t docid() const {
        return m_pos < m_postings->docids.size() ? m_postings->docids[m_pos] : m_sentinel;
    }
    [[nodiscard]] std::uint32_t sentinel() const { return m_sentinel; }
    void next() { ++m_pos; }
    void next_geq(std::uint32_t target) {
        const auto& d = m_postings->docids;
        if (m_pos < d.size() && d[m_pos] < target) {
            m_pos = static_cast<std::size_t>(
                std::lower_bound(d.begin() + static_cast<std::ptrdiff_t>(m_pos), d.end(), target) -
                d.begin());
        }
        m_block = std::max(m_block, m_pos / m_block_size);
    }
    [[nodiscard]] float score() const { return m_postings->scores[m_pos]; }
    [[nodiscard]] float max_score() const { return m_max; }
    [[nodiscard]] float min_score() const { return m_min; }

    void shallow_next_geq(std::uint32_t target) {
        std::size_t block = std::max(m_block, m_pos / m_block_size);
        while (block < m_block_max.size() && last_docid_of(block) < target) {
            ++block;
        }
        m_block = block;
    }
    [[nodiscard]] float block_max_score() const {
        std::size_t block = std::max(m_block, m_pos / m_block_size);
        return block < m_block_max.size() ? m_block_max[block] : 0.0F;
    }
    [[nodiscard]] std::uint32_t block_max_docid() const {
        std::size_t block = std::max(m_block, m_pos / m_block_size);
        return block < m_block_max.size() ? last_docid_of(block) : m_sentinel;
    }

    /// The list's exact k-th best score (0 when it has fewer than k postings): the tightest
    /// floor prime_threshold() can be given.
    [[nodiscard]] float kth_score_floor(std::size_t k) const {
        if (k == 0 || m_postings->scores.size() < k) {
            return 0.0F;
        }
        std::vector<float> scores = m_postings->scores;
        std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(k - 1),
                         scores.end(), std::greater<>());
        return scores[k - 1];
    }

private:
    [[nodiscard]] std::uint32_t last_docid_of(std::size_t block) const {
        std::size_t last = std::min(m_postings->docids.size(), (block + 1) * m_block_size) - 1;
        return m_postings->docids[last];
    }

    const MemoryPostings* m_postings;
    std::uint32_t m_sentinel;
    std::size_t m_block_size;
    std::size_t m_pos = 0;
    std::size_t m_block = 0;
    float m_max = 0.0F;
    float m_min = INFINITY;  // lowest score of the list
    std::vector<float> m_block_max;
};

}  // namespace cascade::retrieve
