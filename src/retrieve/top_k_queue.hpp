#pragma once
/// A bounded min-heap holding the k best (docid, score) pairs of one query.
///
/// Order: score descending, then by a caller-given document order (the external document id
/// ascending for the index; Anserini breaks ties the same way with its
/// BREAK_SCORE_TIES_BY_DOCID sort on the id field). Internal docids follow insertion order,
/// which need not agree with external ids, so ties are never decided by internal docid.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cascade::retrieve {

/// One retrieved document: internal docid and its score.
struct Hit {
    std::uint32_t docid = 0;
    float score = 0.0F;

    friend bool operator==(const Hit&, const Hit&) = default;
};

/// Strict order used to break score ties: before(a, b) is true when a ranks above b.
template <class T>
concept TieBreak = requires(const T& t, std::uint32_t a, std::uint32_t b) {
    { t.before(a, b) } -> std::convertible_to<bool>;
};

/// Ties broken by internal docid ascending (collections whose ids sort like their order).
struct DocidOrder {
    // A TieBreak policy like the stateful ones, so a member even though it needs no state.
    // NOLINTNEXTLINE(readability-convert-member-functions-to-static)
    [[nodiscard]] bool before(std::uint32_t a, std::uint32_t b) const { return a < b; }
};

template <TieBreak Tie>
class TopKQueue {
public:
    TopKQueue(std::size_t k, Tie tie) : m_k(k), m_tie(std::move(tie)) {
        m_heap.reserve(std::min<std::size_t>(k, 1U << 16));
    }

    /// True when a document scoring at most `bound` can be skipped: the queue is full and
    /// bound is strictly below the k-th score (an equal score might still win its tie).
    [[nodiscard]] bool can_prune(float bound) const {
        return m_heap.size() >= m_k && bound < m_heap.front().score;
    }

    /// Offers a document; keeps it when it ranks above the current k-th. Returns true when the
    /// queue changed.
    bool insert(std::uint32_t docid, float score) {
        if (m_k == 0) {
            return false;
        }
        if (m_heap.size() < m_k) {
            m_heap.push_back({docid, score});
            std::push_heap(m_heap.begin(), m_heap.end(), worse_first());
            return true;
        }
        const Hit& worst = m_heap.front();
        bool better =
            score > worst.score || (score == worst.score && m_tie.before(docid, worst.docid));
        if (!better) {
            return false;
        }
        std::pop_heap(m_heap.begin(), m_heap.end(), worse_first());
        m_heap.back() = {docid, score};
        std::push_heap(m_heap.begin(), m_heap.end(), worse_first());
        return true;
    }

    [[nodiscard]] bool full() const { return m_heap.size() >= m_k; }
    [[nodiscard]] std::size_t size() const { return m_heap.size(); }

    /// The kept hits, best first. Leaves the queue empty.
    [[nodiscard]] std::vector<Hit> take_sorted() {
        std::vector<Hit> hits = std::move(m_heap);
        m_heap.clear();
        std::sort(hits.begin(), hits.end(), [this](const Hit& a, const Hit& b) {
            return a.score > b.score || (a.score == b.score && m_tie.before(a.docid, b.docid));
        });
        return hits;
    }

private:
    /// Heap comparator putting the worst hit at the front.
    [[nodiscard]] auto worse_first() const {
        return [this](const Hit& a, const Hit& b) {
            // "a less than b" for a max-heap of badness: a is better than b.
            return a.score > b.score || (a.score == b.score && m_tie.before(a.docid, b.docid));
        };
    }

    std::size_t m_k;
    Tie m_tie;
    std::vector<Hit> m_heap;
};

}  // namespace cascade::retrieve
