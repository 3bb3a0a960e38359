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
    /// Cross-validation folds choosing `rounds` and `max_depth` among cv_rounds x cv_depths
    /// (queries sharing a judged-relevant document stay in one fold; seeded by `seed`); the
    /// final model is trained on every query with the best setting. 0: no cross-validation,
    /// `rounds` and `max_depth` with early stopping on a `validation` share instead.
    std::size_t cv_folds = 5;
    std::vector<int> cv_depths = {2, 4, 6};                          ///< candidate tree depths
    std::vector<std::size_t> cv_rounds = {100, 200, 300, 400, 500};  ///< candidate rounds
    /// Computed features to leave out, e.g. ltr_document_features() (docs/ltr.md).
    std::vector<std::string> exclude_features;
    /// A pipeline file whose final candidates (cut to `depth`) are the training candidates,
    /// instead of BM25 with `bm25`: train on what the `ltr` stage will see in that pipeline.
    std::filesystem::path pipeline;
    /// Features the pipeline's stages record (FeatureSchema names such as rm3_score,
    /// fusion_score, dense_score) to use as model inputs next to first_stage_score and
    /// first_stage_rank; needs `pipeline`. A candidate lacking one gets NaN (missing).
    std::vector<std::string> stage_features;
};

/// One cross-validated setting: XGBoost's ndcg@10 on each held-out fold.
struct LtrCvSetting {
    int max_depth = 0;
    std::size_t rounds = 0;
    double mean_ndcg = 0.0;  ///< mean over the folds
    double sd = 0.0;         ///< sample standard deviation over the folds
    std::vector<double> fold_ndcg;
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
    /// Cross-validation: empty when off; else depth ascending, then rounds ascending.
    std::vector<LtrCvSetting> cv;
    std::size_t cv_chosen = 0;                 ///< index into cv of the setting trained with
    std::size_t cv_groups = 0;                 ///< groups of queries sharing relevant documents
    std::vector<std::size_t> cv_fold_queries;  ///< queries per fold
};

/// The computed features that depend on the document alone (no query term in them), which
/// can identify a document: exclude them to keep a model from learning which documents the
/// training queries cite. Today: doc_length.
[[nodiscard]] std::vector<std::string> ltr_document_features();

/// Trains on the BM25 (or `options.pipeline`) top `options.depth` of `queries` judged in
/// `qrels` (unjudged candidates count as grade 0) and saves the model and its feature list to
/// `model_dir` atomically. `on_round` receives XGBoost's evaluation line of every round and
/// the cross-validation progress. Throws UsageError for bad parameters or a stage feature the
/// pipeline does not record, Error when no query has a relevant candidate or XGBoost fails.
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
