#pragma once
/// Learning to rank (`cascade train-ltr`): LambdaMART (Burges, MSR-TR-2010-82) trained with
/// XGBoost's rank:ndcg on BM25 candidates of judged queries, and re-ranking with a saved model.
/// Only in builds with XGBoost (the `ltr` pipeline stage and these calls come together).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <cascade/index.hpp>
#include <cascade/search.hpp>
#include <cascade/types.hpp>

namespace cascade {

/// How to train (`cascade train-ltr`'s options); the defaults are the LTR layer's.
struct LtrTrainOptions {
    std::size_t depth = 100;            ///< BM25 candidates per query
    double validation = 0.2;            ///< share of queries held out for early stopping
    std::size_t rounds = 500;           ///< boosting rounds at most
    std::size_t early_stopping = 100;   ///< rounds without a better validation ndcg
    std::uint64_t seed = 42;            ///< seed of the split and of XGBoost
    double eta = 0.1;                   ///< learning rate
    int max_depth = 4;                  ///< tree depth
    double min_child_weight = 5.0;      ///< minimum hessian per leaf
    double subsample = 1.0;             ///< row sampling per tree
    double colsample = 1.0;             ///< feature sampling per tree
    int threads = 1;                    ///< XGBoost threads; 1 gives reproducible models
    Bm25Params bm25 = bm25_defaults();  ///< the first stage's and the bm25 features' parameters
};

/// What training did.
struct LtrTrainReport {
    std::size_t queries = 0;          ///< judged training queries found in the query set
    std::size_t train_queries = 0;    ///< used for training (with a relevant candidate)
    std::size_t valid_queries = 0;    ///< held out for early stopping
    std::size_t dropped_queries = 0;  ///< no relevant document among the candidates
    std::size_t rows = 0;
    std::vector<std::string> features;
    std::size_t rounds_run = 0;
    std::size_t best_iteration = 0;  ///< 0-based
    int eval_at = 10;                ///< the k of the ndcg@k below
    double train_ndcg = 0.0;
    double valid_ndcg = 0.0;  ///< NaN without a validation set
};

/// Trains on the BM25 top `options.depth` of `queries` judged in `qrels` (unjudged candidates
/// count as grade 0) and saves the model and its feature list to `model_dir` atomically.
/// `on_round` receives XGBoost's evaluation line of every round. Throws UsageError for bad
/// parameters, Error when no query has a relevant candidate or XGBoost fails.
LtrTrainReport train_ltr(const Index& index, std::span<const Query> queries, const Qrels& qrels,
                         const LtrTrainOptions& options, const std::filesystem::path& model_dir,
                         const std::function<void(const std::string&)>& on_round = {});

/// A saved LambdaMART model ready to re-rank BM25 candidates over one index.
class LtrReranker {
public:
    /// Loads `model_dir` for `index`, checking its features and analyzer against the index.
    /// Throws cascade::Error when the model needs features other than the first stage's
    /// score and rank (run it in a pipeline instead) or does not fit the index.
    static LtrReranker load(const Index& index, const std::filesystem::path& model_dir);

    /// Re-ranks the BM25 top `depth` of each query (with the model's BM25 parameters) and
    /// returns the run, tagged `tag`, with every query of `queries` in it.
    [[nodiscard]] Run rerank_bm25(std::span<const Query> queries, std::size_t depth,
                                  const std::string& tag) const;

    struct Impl;  ///< opaque outside the library

private:
    explicit LtrReranker(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace cascade
