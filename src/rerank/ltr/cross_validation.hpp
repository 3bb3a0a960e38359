#pragma once
/// Choosing LambdaMART's boosting rounds and tree depth by k-fold cross-validation over the
/// training queries, with folds that keep queries sharing a judged-relevant document together.
///
/// Test collections whose splits cite the same documents (BEIR SciFact: 196 of 300 test claims
/// have a relevant document some train claim also has) let a ranker learn *which* documents are
/// relevant instead of how to rank. A random query split leaks the same way, so the folds
/// group queries by the connected components of "shares a relevant document" (grouped
/// cross-validation; Roberts et al., "Cross-validation strategies for data with temporal,
/// spatial, hierarchical, or phylogenetic structure", Ecography 40(8), 2017), and the score of
/// a setting is nDCG@10 on queries whose relevant documents no training fold judged relevant.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "rerank/ltr/lambdamart.hpp"

namespace cascade::rerank::ltr {

/// The candidate settings and the fold count.
struct CvOptions {
    std::size_t folds = 5;  ///< 0: no cross-validation (fixed settings, early stopping)
    std::vector<int> depths = {2, 4, 6};
    std::vector<std::size_t> rounds = {100, 200, 300, 400, 500};
};

/// One candidate setting's score: XGBoost's ndcg@eval_at on each held-out fold.
struct CvSetting {
    int max_depth = 0;
    std::size_t rounds = 0;
    std::vector<double> fold_ndcg;
    double mean = 0.0;
    double sd = 0.0;  ///< sample standard deviation over the folds
};

/// What cross_validate() measured.
struct CvResult {
    std::size_t folds = 0;
    std::size_t groups = 0;               ///< connected components among the queries
    std::vector<std::size_t> fold_sizes;  ///< queries per fold
    std::vector<CvSetting> settings;      ///< depth ascending, then rounds ascending
    std::size_t chosen = 0;               ///< index into settings
};

/// Connected components of the queries under "shares a relevant document":
/// `relevant[q]` lists query q's judged-relevant documents; returns a component id per query,
/// numbered from 0 in order of each component's first query. O(total documents) (union-find).
[[nodiscard]] std::vector<std::size_t> relevance_components(
    std::span<const std::vector<std::string>> relevant);

/// Assigns each query a fold in [0, folds): whole components, largest first (ties broken by a
/// seeded shuffle), each to the fold holding the fewest queries so far (lowest index on ties).
/// Deterministic for a seed; a component never spans two folds. Throws UsageError when there
/// are fewer components than folds or folds < 2.
[[nodiscard]] std::vector<std::size_t> assign_folds(std::span<const std::size_t> components,
                                                    std::size_t folds, std::uint64_t seed);

/// The rows of the queries `queries` (indices into data's groups, ascending) as a new set.
[[nodiscard]] RankingData select_queries(const RankingData& data,
                                         std::span<const std::size_t> queries);

/// For every depth in `options.depths`, trains on all folds but one for max(options.rounds)
/// rounds (params' other settings, no early stopping) and reads the held-out fold's ndcg after
/// each round, so one training per (depth, fold) scores every round count. Chooses the best
/// mean; ties go to the shallower depth, then fewer rounds. `fold[q]` is query q's fold.
/// `on_fold(depth, fold)` is called before each training. Cost: depths x folds trainings.
[[nodiscard]] CvResult cross_validate(const RankingData& data, std::span<const std::size_t> fold,
                                      const LambdaMartParams& params, const CvOptions& options,
                                      const std::function<void(int, std::size_t)>& on_fold = {});

}  // namespace cascade::rerank::ltr
