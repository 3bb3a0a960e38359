#pragma once
/// Adaptive truncation of a ranked list for consumers that pay per document (RAG prompts).
/// Two rules: a score threshold, and the knee of the score curve found as in Satopää, Albrecht,
/// Irwin & Raghavan, "Finding a 'Kneedle' in a Haystack" (ICDCS workshops 2011): scores and
/// ranks are scaled to [0, 1] and the knee is the rank where the curve lies farthest below the
/// chord from the first to the last point.

#include <cstddef>
#include <span>

namespace cascade::rerank {

/// How many leading scores are >= `threshold` (scores sorted descending).
[[nodiscard]] std::size_t threshold_cutoff(std::span<const float> scores, float threshold);

/// The number of results to keep under the knee rule: the knee's rank (1-based, so the knee
/// itself is kept). Lists of fewer than 3 scores, or flat ones, are kept whole. Ties of the
/// distance go to the earlier rank.
[[nodiscard]] std::size_t knee_cutoff(std::span<const float> scores);

}  // namespace cascade::rerank
