#pragma once
/// Training a LambdaMART re-ranker from a first stage's candidates: BM25 retrieves the top
/// `depth` of every judged training query, the extractor turns each (query, candidate) into a
/// feature row labelled with its qrels grade (unjudged = 0), a seeded share of the queries is
/// held out for early stopping, and the model is written with its manifest.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "collection/types.hpp"
#include "rerank/ltr/cross_validation.hpp"
#include "rerank/ltr/features.hpp"
#include "rerank/ltr/lambdamart.hpp"
#include "rerank/ltr/model.hpp"

namespace cascade::retrieve {
class Bm25Retriever;
}

namespace cascade::rerank::ltr {

/// Options of train_ltr.
struct TrainOptions {
    std::size_t depth = 100;  ///< candidates per query from the first stage
    double validation = 0.2;  ///< share held out for early stopping (without cross-validation)
    LambdaMartParams model;   ///< includes the seed of the split and of the folds
    FeatureConfig features;   ///< bm25 params, mu, excluded; `recorded` comes with candidates
    /// Cross-validation choosing rounds and max_depth (cv.folds 0: model.rounds and
    /// model.max_depth with early stopping on a `validation` share, as before).
    CvOptions cv;
};

/// The training queries' candidates and what earlier stages recorded on them.
struct TrainingCandidates {
    std::vector<CandidateList> lists;     ///< aligned with the queries
    std::vector<std::string> recorded;    ///< features copied into the rows, in column order
    std::vector<FeatureId> recorded_ids;  ///< their ids in the candidates' feature values
    std::string first_stage;              ///< what produced them, for the manifest
};

/// What train_ltr did.
struct TrainReport {
    std::size_t queries = 0;        ///< judged training queries found in the query file
    std::size_t train_queries = 0;  ///< used for training (with a relevant candidate)
    std::size_t valid_queries = 0;
    std::size_t dropped_queries = 0;  ///< no relevant document among the candidates
    std::size_t rows = 0;
    TrainingLog log;
    std::vector<std::string> features;
    /// Cross-validation (settings empty when off); the final model used settings[chosen].
    CvResult cv;
};

/// The queries of `queries` judged in `qrels`, in order.
[[nodiscard]] std::vector<Query> judged_queries(std::span<const Query> queries, const Qrels& qrels);

/// Splits `n` query indices into (train, validation) with a seeded Fisher-Yates shuffle;
/// validation gets round(n * share) of them (at least one when share > 0 and n >= 2).
void split_queries(std::size_t n, double share, std::uint64_t seed, std::vector<std::size_t>& train,
                   std::vector<std::size_t>& valid);

/// Trains on `queries` judged in `qrels` (others are skipped), candidates from `retriever`
/// (first_stage_score and first_stage_rank recorded), and saves the model to `model_dir`.
/// `on_round` sees XGBoost's evaluation lines and the cross-validation progress.
TrainReport train_ltr(const index::Index& index, const retrieve::Bm25Retriever& retriever,
                      std::span<const Query> queries, const Qrels& qrels,
                      const TrainOptions& options, const std::filesystem::path& model_dir,
                      const std::function<void(const std::string&)>& on_round = {});

/// The same on given candidates: `queries` must all be judged in `qrels` and aligned with
/// `candidates.lists`, each list sorted best first; each is cut to options.depth.
TrainReport train_ltr(const index::Index& index, std::span<const Query> queries,
                      const TrainingCandidates& candidates, const Qrels& qrels,
                      const TrainOptions& options, const std::filesystem::path& model_dir,
                      const std::function<void(const std::string&)>& on_round = {});

/// The first stage's top `depth` as candidates, with first_stage_score and first_stage_rank
/// recorded at feature ids 0 and 1 (the layout train_ltr and apply use).
[[nodiscard]] std::vector<CandidateList> first_stage_candidates(
    const retrieve::Bm25Retriever& retriever, std::span<const Query> queries, std::size_t depth);

/// The recorded features train_ltr uses: first_stage_score, first_stage_rank.
[[nodiscard]] std::vector<std::string> first_stage_features();

}  // namespace cascade::rerank::ltr
