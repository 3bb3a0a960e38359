#pragma once
/// A BM25-scored BlockMaxCursor over one term's on-disk postings (index::PostingCursor).

#include <array>
#include <cstdint>

#include "index/index.hpp"
#include "retrieve/bm25.hpp"
#include "retrieve/kth_floor.hpp"
#include "retrieve/scored_cursor.hpp"

namespace cascade::retrieve {

/// Scores each posting with Lucene's BM25 for one (field, term) clause of weight
/// boost * idf. Upper bounds: when the query's k1/b are those the index chose its stored
/// block-max (freq, norm) pairs for, the score of that pair; otherwise the score of
/// (max freq, min norm), valid for any parameters because Lucene's float formula is monotone
/// in both. Either way inflated by safe_bound().
///
/// Lists long enough to repay it get a table of the 256 scores a posting of freq 1 can have
/// (one per norm byte), computed by the same expression: score() then looks the common case up
/// instead of dividing, with the same bits.
class Bm25IndexCursor {
public:
    Bm25IndexCursor(const index::FieldIndex& field, const index::TermInfo& info,
                    const Bm25FieldScorer& scorer, float weight, bool stored_pairs_apply)
        : m_cursor(field.postings(info)),
          m_norms(field.norms().data()),
          m_scorer(&scorer),
          m_weight(weight),
          m_stored_pairs(stored_pairs_apply) {
        float bound = m_stored_pairs ? m_scorer->score(m_weight, info.best_freq, info.best_norm)
                                     : m_scorer->score(m_weight, info.max_freq, info.min_norm);
        m_max = safe_bound(bound);
        m_min = m_scorer->score(m_weight, 1, m_scorer->lowest_norm());
        if (info.doc_freq >= kTableMinPostings) {
            m_has_table = true;
            for (unsigned norm = 0; norm < 256; ++norm) {
                m_freq_one[norm] = m_scorer->score(m_weight, 1, static_cast<std::uint8_t>(norm));
            }
        }
    }

    [[nodiscard]] std::uint32_t docid() const { return m_cursor.docid(); }
    [[nodiscard]] std::uint32_t sentinel() const { return m_cursor.sentinel(); }
    void next() { m_cursor.next(); }
    void next_geq(std::uint32_t target) { m_cursor.next_geq(target); }
    [[nodiscard]] float score() {
        const std::uint32_t freq = m_cursor.freq();  // first: it may decode the block's freqs
        return score_of(freq, m_norms[m_cursor.docid()]);
    }
    [[nodiscard]] float max_score() const { return m_max; }
    /// Starts loading the norm byte of `docid`, which score() will read if the cursor gets there.
    void prefetch(std::uint32_t docid) const { __builtin_prefetch(m_norms + docid); }
    /// Lowest score any posting can get (freq 1 in the document with the lowest norm inverse).
    [[nodiscard]] float min_score() const { return m_min; }

    void shallow_next_geq(std::uint32_t target) { m_cursor.shallow_next_geq(target); }
    [[nodiscard]] std::uint32_t block_max_docid() const { return m_cursor.block_max_docid(); }
    /// Cached per block: BMW asks for the same block's bound many times.
    [[nodiscard]] float block_max_score() const {
        std::uint32_t last = m_cursor.block_max_docid();
        if (!m_block_cached || last != m_cached_last) {
            float bound = 0.0F;  // past the last block the index reports freq 0: score 0
            if (m_stored_pairs) {
                auto [freq, norm] = m_cursor.block_max_freq_norm();
                bound = m_scorer->score(m_weight, freq, norm);
            } else {
                bound =
                    m_scorer->score(m_weight, m_cursor.block_max_freq(), m_cursor.block_min_norm());
            }
            m_cached_bound = safe_bound(bound);
            m_cached_last = last;
            m_block_cached = true;
        }
        return m_cached_bound;
    }

    /// A score that at least `k` postings of the list reach, for TopKQueue::prime (0 when
    /// none is known): kth_floor_by_blocks over the blocks' recorded best postings. Needs the
    /// stored pairs: under other k1/b the block bounds name no posting.
    [[nodiscard]] float kth_score_floor(std::size_t k) const {
        if (!m_stored_pairs) {
            return 0.0F;
        }
        return kth_floor_by_blocks(
            k, m_cursor.size(), m_cursor.num_blocks(), m_max,
            [this](std::uint32_t block) {
                const auto [freq, norm] = m_cursor.block_best_posting(block);
                return freq == 0 ? -1.0F : score_of(freq, norm);
            },
            *this,
            [](Bm25IndexCursor& reader, std::uint32_t block) {
                reader.m_cursor.seek_block(block);
            });
    }

private:
    /// The score of a posting of (freq, norm): the freq-1 table's entry when there is one,
    /// which the same expression filled, so the same bits either way.
    [[nodiscard]] float score_of(std::uint32_t freq, std::uint8_t norm) const {
        if (freq == 1 && m_has_table) {
            return m_freq_one[norm];
        }
        return m_scorer->score(m_weight, freq, norm);
    }

    /// Postings from which a list gets its freq-1 table (256 divisions to fill it).
    static constexpr std::uint32_t kTableMinPostings = 512;

    index::PostingCursor m_cursor;
    const std::uint8_t* m_norms;
    const Bm25FieldScorer* m_scorer;
    float m_weight;
    float m_max = 0.0F;
    float m_min = 0.0F;
    bool m_stored_pairs = false;
    mutable bool m_block_cached = false;
    mutable std::uint32_t m_cached_last = 0;
    mutable float m_cached_bound = 0.0F;
    bool m_has_table = false;
    std::array<float, 256> m_freq_one{};  // score of freq 1 by norm byte, when m_has_table
};

}  // namespace cascade::retrieve
