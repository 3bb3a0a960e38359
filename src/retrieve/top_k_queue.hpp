#pragma once
/// A bounded min-heap holding the k best (docid, score) pairs of one query.
///
/// Order: score descending, then by a caller-given document order (the external document id
/// ascending for the index; Anserini breaks ties the same way with its
/// BREAK_SCORE_TIES_BY_DOCID sort on the id field). Internal docids follow insertion order,
/// which need not agree with external ids, so ties are never decided by internal docid.
///
/// Both keys are packed into one 64-bit integer (the score's bits mapped to an unsigned order
/// above the tie-break key inverted below), so the heap compares plain integers, and a
/// document scoring below the k-th score is turned away on one float comparison without
/// looking its tie-break key up.

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cascade::retrieve {

/// One retrieved document: internal docid and its score.
struct Hit {
    std::uint32_t docid = 0;
    float score = 0.0F;

    friend bool operator==(const Hit&, const Hit&) = default;
};

/// The order used to break score ties: key(a) < key(b) when a ranks above b; keys of distinct
/// documents differ.
template <class T>
concept TieBreak = requires(const T& t, std::uint32_t docid) {
    { t.key(docid) } -> std::convertible_to<std::uint32_t>;
};

/// Ties broken by internal docid ascending (collections whose ids sort like their order).
struct DocidOrder {
    // A TieBreak policy like the stateful ones, so a member even though it needs no state.
    // NOLINTNEXTLINE(readability-convert-member-functions-to-static)
    [[nodiscard]] std::uint32_t key(std::uint32_t docid) const { return docid; }
};

/// Maps a float to an unsigned integer with the same order (-0 and +0 both to +0's; scores
/// are never NaN).
[[nodiscard]] inline std::uint32_t ordered_bits(float score) {
    const auto bits = std::bit_cast<std::uint32_t>(score == 0.0F ? 0.0F : score);
    return (bits & 0x80000000U) != 0 ? ~bits : bits | 0x80000000U;
}

template <TieBreak Tie>
class TopKQueue {
public:
    TopKQueue(std::size_t k, Tie tie) : m_k(k), m_tie(std::move(tie)) {
        m_heap.reserve(std::min<std::size_t>(k, 1U << 16));
        if (m_k == 0) {
            m_kth = std::numeric_limits<float>::infinity();
        }
    }

    /// True when a document scoring at most `bound` can be skipped: the queue is full and
    /// bound is strictly below the k-th score (an equal score might still win its tie).
    [[nodiscard]] bool can_prune(float bound) const { return bound < m_kth; }

    /// Offers a document; keeps it when it ranks above the current k-th. Returns true when the
    /// queue changed.
    bool insert(std::uint32_t docid, float score) {
        if (score < m_kth || m_k == 0) {
            return false;
        }
        const std::uint64_t key = (std::uint64_t{ordered_bits(score)} << 32) |
                                  (std::uint32_t{0xffffffffU} - m_tie.key(docid));
        if (m_heap.size() < m_k) {
            m_heap.push_back({key, docid, score});
            sift_up(m_heap.size() - 1);
            if (m_heap.size() == m_k) {
                m_kth = std::max(m_floor, m_heap.front().score);
            }
            return true;
        }
        if (key <= m_heap.front().key) {
            return false;
        }
        sift_down({key, docid, score});
        m_kth = std::max(m_floor, m_heap.front().score);
        return true;
    }

    /// Hints that `docid` may be offered soon: starts loading its tie-break key when the policy
    /// can (a rank table indexed by docid is a cache miss per candidate otherwise).
    void prefetch(std::uint32_t docid) const {
        if constexpr (requires { m_tie.prefetch(docid); }) {
            m_tie.prefetch(docid);
        }
    }

    /// Tells the queue that at least k documents score `floor` or more (so none below it can
    /// make the top k): it prunes against floor from the start, before it holds k hits.
    /// Documents scoring exactly floor still compete. Lowers nothing already raised.
    void prime(float floor) {
        if (m_k == 0 || !(floor > m_floor)) {
            return;
        }
        m_floor = floor;
        m_kth = std::max(m_kth, floor);
    }
    /// How many hits the queue keeps.
    [[nodiscard]] std::size_t capacity() const { return m_k; }

    [[nodiscard]] bool full() const { return m_heap.size() >= m_k; }
    [[nodiscard]] std::size_t size() const { return m_heap.size(); }

    /// The kept hits, best first. Leaves the queue empty.
    [[nodiscard]] std::vector<Hit> take_sorted() {
        std::sort(m_heap.begin(), m_heap.end(),
                  [](const Entry& a, const Entry& b) { return a.key > b.key; });
        std::vector<Hit> hits;
        hits.reserve(m_heap.size());
        for (const Entry& e : m_heap) {
            hits.push_back({e.docid, e.score});
        }
        m_heap.clear();
        m_floor = -std::numeric_limits<float>::infinity();
        m_kth = m_k == 0 ? std::numeric_limits<float>::infinity()
                         : -std::numeric_limits<float>::infinity();
        return hits;
    }

private:
    /// A kept hit; a larger key ranks higher. The heap keeps the smallest key at the front.
    struct Entry {
        std::uint64_t key;
        std::uint32_t docid;
        float score;
    };

    void sift_up(std::size_t i) {
        const Entry e = m_heap[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (m_heap[parent].key <= e.key) {
                break;
            }
            m_heap[i] = m_heap[parent];
            i = parent;
        }
        m_heap[i] = e;
    }

    /// Replaces the front (the worst kept hit) with `e` and restores the heap.
    void sift_down(const Entry& e) {
        const std::size_t n = m_heap.size();
        std::size_t i = 0;
        while (true) {
            std::size_t child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && m_heap[child + 1].key < m_heap[child].key) {
                ++child;
            }
            if (e.key <= m_heap[child].key) {
                break;
            }
            m_heap[i] = m_heap[child];
            i = child;
        }
        m_heap[i] = e;
    }

    std::size_t m_k;
    Tie m_tie;
    /// The score a document needs: the k-th best once the queue is full, and never below the
    /// primed floor; -infinity before (+infinity for k = 0).
    float m_kth = -std::numeric_limits<float>::infinity();
    float m_floor = -std::numeric_limits<float>::infinity();  ///< from prime()
    std::vector<Entry> m_heap;
};

}  // namespace cascade::retrieve
