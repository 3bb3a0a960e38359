#pragma once
/// Fusion of several rankings of the same query.
///
/// Reciprocal rank fusion: Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms
/// Condorcet and individual Rank Learning Methods" (SIGIR 2009): score(d) = sum_r w_r / (k +
/// rank_r(d)), ranks from 1, k = 60. Score combination: Fox & Shaw, "Combination of Multiple
/// Searches" (TREC-2, 1993) CombSUM over normalized scores; min-max and z-score normalization
/// as in Lee, "Analyses of Multiple Evidence Combination" (SIGIR 1997). A document missing
/// from a ranking contributes 0 for it (the minimum under min-max, the mean under z-score).

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "rerank/stage.hpp"

namespace cascade::rerank {

enum class FusionMethod { rrf, minmax, zscore, sum };

/// "rrf", "minmax", "zscore", "sum" (raw scores); UsageError otherwise.
[[nodiscard]] FusionMethod parse_fusion_method(std::string_view name);

/// RRF's k of Cormack et al. (2009).
inline constexpr double kRrfK = 60.0;

/// Fuses `rankings` (each sorted best first) with per-ranking `weights` (same length). Each
/// fused candidate keeps the features of its first ranking that holds it. Result sorted by
/// fused score descending, ties by docid ascending (the stage re-sorts by external id).
/// Scores are computed in double and rounded to float once.
[[nodiscard]] CandidateList fuse(std::span<const CandidateList* const> rankings,
                                 std::span<const double> weights, FusionMethod method,
                                 double rrf_k = kRrfK);

}  // namespace cascade::rerank
