#pragma once
/// Scores gathered a window of docids at a time, for MaxScore and Block-Max MaxScore when many
/// lists are essential (Lucene's MaxScoreBulkScorer gathers them the same way): each list adds
/// its scores for the window, list after list, and the documents seen then come out in docid
/// order. A posting costs one add instead of a comparison with every other list's cursor.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace cascade::retrieve {

/// The score of a document whose term scores were gathered in a window or a row: `sum` when
/// sums are order-free, else the `terms` scores of `row` added in query-term order (the rule
/// of TermScoreSum).
[[nodiscard]] inline float window_score(double sum, const float* row, std::size_t terms,
                                        bool order_free) {
    if (order_free) {
        return static_cast<float>(sum);
    }
    double term_ordered = 0.0;
    for (std::size_t t = 0; t < terms; ++t) {
        term_ordered += static_cast<double>(row[t]);
    }
    return static_cast<float>(term_ordered);
}

class DocidWindow {
public:
    /// `size`: docids per window, a multiple of 64. `terms`: the query's term count; with
    /// `order_free` false every document also keeps its score per term (see TermScoreSum).
    DocidWindow(std::uint32_t size, std::size_t terms, bool order_free)
        : m_terms(terms),
          m_order_free(order_free),
          m_sum(size, 0.0),
          m_seen(size / 64, 0),
          m_words((m_seen.size() + 63) / 64, 0),
          m_term_scores(order_free ? 0 : std::size_t{size} * terms, 0.0F) {}

    /// Adds the postings of `cursor` (query term `term`) in [base, end) and leaves the cursor
    /// on the first one at or past `end`. The cursor must stand at or past `base`.
    template <class Cursor>
    void add(Cursor& cursor, std::size_t term, std::uint32_t base, std::uint32_t end) {
        // Locals, not members, in the loops: the compiler then keeps them in registers.
        const bool order_free = m_order_free;
        const std::size_t terms = m_terms;
        double* sum = m_sum.data();
        std::uint64_t* seen = m_seen.data();
        std::uint64_t* words = m_words.data();
        float* column = order_free ? nullptr : m_term_scores.data() + term;
        for (std::uint32_t d = cursor.docid(); d < end; d = cursor.docid()) {
            const std::uint32_t slot = d - base;
            const float s = cursor.score();
            sum[slot] += static_cast<double>(s);
            if (!order_free) {
                column[std::size_t{slot} * terms] = s;
            }
            seen[slot >> 6] |= std::uint64_t{1} << (slot & 63U);
            words[slot >> 12] |= std::uint64_t{1} << ((slot >> 6) & 63U);
            cursor.next();
        }
    }

    /// Calls visit(docid, sum, term_scores) for every document added since the last drain, in
    /// docid order (`term_scores`: its score per query term, nullptr when order-free; visit
    /// may change it), and empties the window for the next one. A second bitmap marks the
    /// 64-docid words that hold documents, so empty words are not visited: walking all 64
    /// words of a window mispredicted about once a word (MaxScore's windows on the default mix,
    /// k = 10: +0.4 % instructions, -8 % mispredictions, 4-7 % more queries per CPU second).
    template <class Visit>
    void drain(std::uint32_t base, Visit&& visit) {
        const bool order_free = m_order_free;
        const std::size_t terms = m_terms;
        double* sum = m_sum.data();
        std::uint64_t* seen = m_seen.data();
        std::uint64_t* words = m_words.data();
        float* term_scores = m_term_scores.data();
        const std::size_t num_words = m_words.size();
        for (std::size_t ww = 0; ww < num_words; ++ww) {
            std::uint64_t nonzero = words[ww];
            words[ww] = 0;
            while (nonzero != 0) {
                const std::size_t w = ww * 64 + static_cast<unsigned>(std::countr_zero(nonzero));
                nonzero &= nonzero - 1;
                std::uint64_t bits = seen[w];
                seen[w] = 0;
                while (bits != 0) {
                    const auto slot = static_cast<std::uint32_t>(
                        w * 64 + static_cast<unsigned>(std::countr_zero(bits)));
                    bits &= bits - 1;
                    const double total = sum[slot];
                    sum[slot] = 0.0;
                    float* row = order_free ? nullptr : term_scores + std::size_t{slot} * terms;
                    visit(base + slot, total, row);
                    if (!order_free) {
                        std::fill(row, row + terms, 0.0F);
                    }
                }
            }
        }
    }

private:
    std::size_t m_terms;
    bool m_order_free;
    std::vector<double> m_sum;           // per docid of the window
    std::vector<std::uint64_t> m_seen;   // bit per docid: some list added to it
    std::vector<std::uint64_t> m_words;  // bit per m_seen word that is not 0
    std::vector<float> m_term_scores;    // [docid][term], unless order-free
};

}  // namespace cascade::retrieve
