#pragma once
/// LambdaMART through XGBoost's C API (libxgboost, objective rank:ndcg): gradient-boosted
/// regression trees trained on LambdaRank gradients that optimise nDCG (Burges, "From
/// RankNet to LambdaRank to LambdaMART: An Overview", Microsoft Research TR-2010-82; Chen &
/// Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016).

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace cascade::rerank::ltr {

/// Rows grouped by query: row-major features, one label per row, rows per query in order.
struct RankingData {
    std::size_t num_features = 0;
    std::vector<float> features;
    std::vector<float> labels;
    std::vector<unsigned> groups;

    [[nodiscard]] std::size_t num_rows() const { return labels.size(); }
    [[nodiscard]] std::size_t num_queries() const { return groups.size(); }
};

/// Training parameters. Defaults favour small, binary-judged training sets (SciFact: ~1.1
/// relevant document per query): shallow trees and a minimum hessian per leaf keep LambdaMART
/// from memorising a few hundred queries, and a patient early stop rides out the noise of
/// ndcg@10 on ~150 validation queries (with patience 20 SciFact training stopped at round 22,
/// before the validation score's later climb; measured in docs/ltr.md).
struct LambdaMartParams {
    std::size_t rounds = 500;          ///< boosting rounds at most
    std::size_t early_stopping = 100;  ///< stop after this many rounds without a better valid score
    double eta = 0.1;                  ///< learning rate (shrinkage)
    int max_depth = 4;
    double min_child_weight = 5.0;  ///< minimum hessian sum per leaf
    double subsample = 1.0;         ///< row sampling per tree (seeded)
    double colsample_bytree = 1.0;
    double lambda = 1.0;  ///< L2 regularisation of leaf weights
    int eval_at = 10;     ///< the ndcg@k XGBoost reports and early-stops on
    std::uint64_t seed = 42;
    int threads = 1;  ///< XGBoost nthread; fixed for reproducible models
};

/// What training did: scores at the best iteration (0-based) and the number of rounds run.
struct TrainingLog {
    std::size_t best_iteration = 0;
    std::size_t rounds_run = 0;
    double train_ndcg = 0.0;
    double valid_ndcg = 0.0;  ///< NaN without a validation set
};

/// A trained model. predict() is thread-safe (serialised internally).
class LambdaMart {
public:
    /// Trains on `train`, early-stopping on `valid` (may be empty: then all rounds run and the
    /// last one is kept). The returned model holds the trees up to the best iteration.
    /// `on_round(text)` receives XGBoost's evaluation line of every round, when set.
    /// Throws UsageError for bad parameters and Error when XGBoost fails.
    static LambdaMart train(const RankingData& train, const RankingData& valid,
                            const LambdaMartParams& params, TrainingLog& log,
                            const std::function<void(const std::string&)>& on_round = {});
    /// Loads a model saved by save(). Throws CorruptionError when XGBoost cannot read it.
    static LambdaMart load(const std::filesystem::path& path);

    LambdaMart(LambdaMart&&) noexcept;
    LambdaMart& operator=(LambdaMart&&) noexcept;
    ~LambdaMart();

    /// Writes XGBoost's JSON model format (the path should end in .json).
    void save(const std::filesystem::path& path) const;
    /// Number of features the model was trained on.
    [[nodiscard]] std::size_t num_features() const;
    /// One score per row of `features` (row-major, num_features() columns; NaN = missing).
    [[nodiscard]] std::vector<float> predict(std::span<const float> features) const;

private:
    struct Handle;
    explicit LambdaMart(std::unique_ptr<Handle> handle);
    std::unique_ptr<Handle> m_handle;
    std::unique_ptr<std::mutex> m_mutex = std::make_unique<std::mutex>();
};

/// Parses "metric:value" out of an XGBoost evaluation line such as
/// "[3]\ttrain-ndcg@10:0.81\tvalid-ndcg@10:0.70"; NaN when absent. Exposed for tests.
[[nodiscard]] double parse_eval(const std::string& line, const std::string& metric);

}  // namespace cascade::rerank::ltr
