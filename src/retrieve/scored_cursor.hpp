#pragma once
/// The cursor concepts the query algorithms are written against, and the canonical way a
/// document's term scores are summed.
///
/// Modelled on PISA's posting cursor concepts (pisa/include/pisa/concepts/posting_cursor.hpp):
/// a scored cursor walks one term's postings in docid order and scores the current posting;
/// a block-max cursor also bounds the block around a target (Ding & Suel, "Faster Top-k
/// Document Retrieval Using Block-Max Indexes", SIGIR 2011).

#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>

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
/// that block and block_max_docid() is its last docid.
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
    return std::nextafter(bound * (1.0F + kBoundSlack), INFINITY);
}

/// Sums per-term contributions of one document in query-term order, in double, rounded once
/// to float: the definition of a document's score that every algorithm shares, so that they
/// agree bit for bit whatever order they visit the terms in. (Lucene also sums in double
/// before rounding; for realistic scores the double sum is exact, hence order-free.)
class TermScoreSum {
public:
    explicit TermScoreSum(std::span<float> scratch) : m_scores(scratch) {
        for (float& s : m_scores) {
            s = 0.0F;
        }
    }
    void set(std::size_t term, float score) { m_scores[term] = score; }
    /// The rounded sum; resets the scratch to zeros for the next document.
    [[nodiscard]] float take() {
        double sum = 0.0;
        for (float& s : m_scores) {
            sum += static_cast<double>(s);
            s = 0.0F;
        }
        return static_cast<float>(sum);
    }
    /// Clears without summing (a pruned candidate).
    void clear() {
        for (float& s : m_scores) {
            s = 0.0F;
        }
    }

private:
    std::span<float> m_scores;
};

}  // namespace cascade::retrieve
