#pragma once
/// The cursor concepts the query algorithms are written against, and the canonical way a
/// document's term scores are summed.
///
/// Modelled on PISA's posting cursor concepts (pisa/include/pisa/concepts/posting_cursor.hpp):
/// a scored cursor walks one term's postings in docid order and scores the current posting;
/// a block-max cursor also bounds the block around a target (Ding & Suel, "Faster Top-k
/// Document Retrieval Using Block-Max Indexes", SIGIR 2011).

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

namespace cascade::retrieve {

/// One term's postings, scored. docid() is the current document or sentinel() when exhausted
/// (the same sentinel for every cursor of a query). max_score() bounds score() over the whole
/// list and must be >= every score() the cursor can return.
template <class C>
concept ScoredCursor = requires(C c, const C cc, std::uint32_t target) {
    { cc.docid() } -> std::convertible_to<std::uint32_t>;
    { cc.sentinel() } -> std::convertible_to<std::uint32_t>;
    {c.next()};
    {c.next_geq(target)};
    { c.score() } -> std::convertible_to<float>;
    { cc.max_score() } -> std::convertible_to<float>;
};

/// A scored cursor that also bounds blocks: shallow_next_geq(t) moves only the block pointer
/// to the block that would hold t (never backwards); block_max_score() bounds score() over
/// that block and block_max_docid() is its last docid. The block pointer may run ahead of the
/// cursor: next_geq(t) finds any t past docid(), also one before the block pointer's block
/// (Block-Max MaxScore walks the pointer over a window's blocks before it reads postings).
template <class C>
concept BlockMaxCursor = ScoredCursor<C> && requires(C c, const C cc, std::uint32_t target) {
    {c.shallow_next_geq(target)};
    { cc.block_max_score() } -> std::convertible_to<float>;
    { cc.block_max_docid() } -> std::convertible_to<std::uint32_t>;
};

/// Relative slack added to every exact or near-exact upper bound. Bounds feed pruning decisions
/// made on double sums taken in a different order than the final score's, and index-stored
/// block maxima pick their (freq, norm) pair with double arithmetic; 1e-5 of slack dwarfs both
/// rounding effects (float ulp ~ 1.2e-7 relative) while costing no measurable pruning.
inline constexpr float kBoundSlack = 1e-5F;

/// Inflates an upper bound so that rounding can never make it undercut a true score.
[[nodiscard]] inline float safe_bound(float bound) {
    const float inflated = bound * (1.0F + kBoundSlack);
    // The next float up: for finite non-negative values (every bound) one more in the bits,
    // as std::nextafter gives, without its library call (block-max algorithms take a bound for
    // each block they look at).
    if (!std::signbit(inflated) && inflated < INFINITY) {
        return std::bit_cast<float>(std::bit_cast<std::uint32_t>(inflated) + 1U);
    }
    return std::nextafter(inflated, INFINITY);
}

/// Hints that `docid` will likely be scored next (cursor.prefetch and queue.prefetch, for
/// cursors and queues that have them): lets the memory reads of a candidate overlap the work on
/// the one before.
template <class Cursor, class Queue>
void prefetch_candidate(const Cursor& cursor, const Queue& queue, std::uint32_t docid) {
    if constexpr (requires { cursor.prefetch(docid); }) {
        cursor.prefetch(docid);
    }
    if constexpr (requires { queue.prefetch(docid); }) {
        queue.prefetch(docid);
    }
}

/// A cursor that can name a score at least `k` of its postings reach (0 when it knows none).
template <class C>
concept KthFloorCursor = ScoredCursor<C> && requires(const C cc, std::size_t k) {
    { cc.kth_score_floor(k) } -> std::convertible_to<float>;
};

/// A cursor that also bounds its scores from below: every score() it returns is >= min_score().
template <class C>
concept MinScoredCursor = ScoredCursor<C> && requires(const C cc) {
    { cc.min_score() } -> std::convertible_to<float>;
};

/// True when summing any subset of the cursors' scores in double is exact whatever the order,
/// so a document's score may be accumulated in the order the algorithm visits its terms.
///
/// Why: every float >= m > 0 is an integer multiple of u = 2^(e - 24), where 2^(e - 1) <= m <
/// 2^e (also for subnormals, whose spacing 2^-149 is a multiple of u). Each partial sum of
/// such scores is then a multiple of u, and while it stays below 2^53 * u a double holds it
/// exactly; every partial sum is at most the sum of the list bounds. Cursors that give no
/// lower bound (or a bound of 0) always get the term-ordered sum.
template <ScoredCursor Cursor>
[[nodiscard]] bool order_free_sums(std::span<Cursor> cursors) {
    if constexpr (MinScoredCursor<Cursor>) {
        if (cursors.empty()) {
            return true;
        }
        float low = INFINITY;
        double total = 0.0;
        for (const Cursor& c : cursors) {
            low = std::min(low, static_cast<float>(c.min_score()));
            total += static_cast<double>(c.max_score());
        }
        if (!(low > 0.0F) || !std::isfinite(total)) {
            return false;
        }
        int exponent = 0;
        (void)std::frexp(low, &exponent);  // low = f * 2^exponent, 0.5 <= f < 1
        // Margin of 2 for the rounding of `total` itself.
        return 2.0 * total < std::ldexp(1.0, exponent - 24 + 53);
    } else {
        return false;
    }
}

/// Sums per-term contributions of one document in query-term order, in double, rounded once
/// to float: the definition of a document's score that every algorithm shares, so that they
/// agree bit for bit whatever order they visit the terms in. (Lucene also sums in double
/// before rounding.) When order_free_sums() proved that every such double sum is exact, the
/// contributions are added as they come instead: the same value, without the scratch pass.
class TermScoreSum {
public:
    TermScoreSum(std::span<float> scratch, bool order_free)
        : m_scores(scratch), m_order_free(order_free) {
        for (float& s : m_scores) {
            s = 0.0F;
        }
    }
    explicit TermScoreSum(std::span<float> scratch) : TermScoreSum(scratch, false) {}
    void set(std::size_t term, float score) {
        if (m_order_free) {
            m_sum += static_cast<double>(score);
        } else {
            m_scores[term] = score;
        }
    }
    /// The rounded sum; resets for the next document.
    [[nodiscard]] float take() {
        if (m_order_free) {
            const auto result = static_cast<float>(m_sum);
            m_sum = 0.0;
            return result;
        }
        double sum = 0.0;
        for (float& s : m_scores) {
            sum += static_cast<double>(s);
            s = 0.0F;
        }
        return static_cast<float>(sum);
    }
    /// Clears without summing (a pruned candidate).
    void clear() {
        if (m_order_free) {
            m_sum = 0.0;
            return;
        }
        for (float& s : m_scores) {
            s = 0.0F;
        }
    }

private:
    std::span<float> m_scores;
    double m_sum = 0.0;
    bool m_order_free;
};

/// Starts `queue` off at a threshold instead of at nothing. When no score can be negative, a
/// document matching a term scores at least that term's contribution: so if k postings of one
/// list score x or more, k documents do, and nothing below x makes the top k (the
/// "single-term threshold" of Kane & Tompa, "Split-lists and initial thresholds for WAND-based
/// search", SIGIR 2018). The floor is the best any list names (KthFloorCursor); lists are
/// asked in order of their bound, until a bound falls below the floor found. Rank-safe: the
/// floor is a score that k actual documents reach, so the same hits come out, found with
/// fewer candidates.
template <ScoredCursor Cursor, class Queue>
void prime_threshold(std::span<Cursor> cursors, Queue& queue) {
    if constexpr (KthFloorCursor<Cursor> && MinScoredCursor<Cursor>) {
        const std::size_t k = queue.capacity();
        if (k == 0 || cursors.empty()) {
            return;
        }
        for (const Cursor& c : cursors) {
            if (!(static_cast<float>(c.min_score()) >= 0.0F)) {
                return;
            }
        }
        std::vector<const Cursor*> by_bound;
        by_bound.reserve(cursors.size());
        for (const Cursor& c : cursors) {
            by_bound.push_back(&c);
        }
        std::stable_sort(by_bound.begin(), by_bound.end(), [](const Cursor* a, const Cursor* b) {
            return a->max_score() > b->max_score();
        });
        float floor = 0.0F;
        for (const Cursor* c : by_bound) {
            if (static_cast<float>(c->max_score()) <= floor) {
                break;
            }
            floor = std::max(floor, static_cast<float>(c->kth_score_floor(k)));
        }
        if (floor > 0.0F) {
            queue.prime(floor);
        }
    }
}

}  // namespace cascade::retrieve
