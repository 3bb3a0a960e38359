#include "rerank/ltr/lambdamart.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

void check(int status, std::string_view what) {
    if (status != 0) {
        throw Error(fmt::format("xgboost: {}: {}", what, XGBGetLastError()));
    }
}

/// An owned DMatrix.
class Matrix {
public:
    Matrix(std::span<const float> features, std::size_t num_features) {
        CASCADE_ASSERT(num_features > 0 && features.size() % num_features == 0);
        check(XGDMatrixCreateFromMat(features.data(), features.size() / num_features, num_features,
                                     kMissing, &m_handle),
              "creating a feature matrix");
    }
    explicit Matrix(const RankingData& data) : Matrix(data.features, data.num_features) {
        CASCADE_ASSERT(data.labels.size() * data.num_features == data.features.size());
        check(XGDMatrixSetFloatInfo(m_handle, "label", data.labels.data(), data.labels.size()),
              "setting labels");
        check(XGDMatrixSetUIntInfo(m_handle, "group", data.groups.data(), data.groups.size()),
              "setting query groups");
    }
    ~Matrix() { XGDMatrixFree(m_handle); }
    Matrix(const Matrix&) = delete;
    Matrix& operator=(const Matrix&) = delete;
    [[nodiscard]] DMatrixHandle get() const { return m_handle; }

private:
    DMatrixHandle m_handle = nullptr;
};

void check_params(const LambdaMartParams& p) {
    if (p.rounds == 0 || p.rounds > 100000) {
        throw UsageError("rounds must be between 1 and 100000");
    }
    if (!(p.eta > 0.0 && p.eta <= 1.0)) {
        throw UsageError("eta must be in (0, 1]");
    }
    if (p.max_depth < 1 || p.max_depth > 20) {
        throw UsageError("max_depth must be between 1 and 20");
    }
    if (!(p.subsample > 0.0 && p.subsample <= 1.0) ||
        !(p.colsample_bytree > 0.0 && p.colsample_bytree <= 1.0)) {
        throw UsageError("subsample and colsample_bytree must be in (0, 1]");
    }
    if (!(p.min_child_weight >= 0.0) || !(p.lambda >= 0.0) || p.eval_at < 1 || p.threads < 1) {
        throw UsageError("min_child_weight and lambda must be >= 0, eval_at and threads >= 1");
    }
}

}  // namespace

struct LambdaMart::Handle {
    BoosterHandle booster = nullptr;
    ~Handle() {
        if (booster != nullptr) {
            XGBoosterFree(booster);
        }
    }
};

double parse_eval(const std::string& line, const std::string& metric) {
    const std::string key = metric + ":";
    std::size_t at = line.find(key);
    if (at == std::string::npos) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const char* start = line.c_str() + at + key.size();
    char* end = nullptr;
    double value = std::strtod(start, &end);
    return end == start ? std::numeric_limits<double>::quiet_NaN() : value;
}

LambdaMart::LambdaMart(std::unique_ptr<Handle> handle) : m_handle(std::move(handle)) {}
LambdaMart::LambdaMart(LambdaMart&&) noexcept = default;
LambdaMart& LambdaMart::operator=(LambdaMart&&) noexcept = default;
LambdaMart::~LambdaMart() = default;

LambdaMart LambdaMart::train(const RankingData& train, const RankingData& valid,
                             const LambdaMartParams& params, TrainingLog& log,
                             const std::function<void(const std::string&)>& on_round) {
    check_params(params);
    if (train.num_rows() == 0) {
        throw UsageError("no training rows: every training query lacks a judged candidate");
    }
    const bool has_valid = valid.num_rows() > 0;
    Matrix dtrain(train);
    std::unique_ptr<Matrix> dvalid = has_valid ? std::make_unique<Matrix>(valid) : nullptr;
    DMatrixHandle cache[] = {dtrain.get(), has_valid ? dvalid->get() : dtrain.get()};
    auto full = std::make_unique<Handle>();
    check(XGBoosterCreate(cache, has_valid ? 2 : 1, &full->booster), "creating a booster");
    const std::string metric = fmt::format("ndcg@{}", params.eval_at);
    const std::pair<const char*, std::string> settings[] = {
        {"objective", "rank:ndcg"},
        {"eval_metric", metric},
        {"booster", "gbtree"},
        {"tree_method", "exact"},
        {"eta", fmt::format("{}", params.eta)},
        {"max_depth", std::to_string(params.max_depth)},
        {"min_child_weight", fmt::format("{}", params.min_child_weight)},
        {"subsample", fmt::format("{}", params.subsample)},
        {"colsample_bytree", fmt::format("{}", params.colsample_bytree)},
        {"lambda", fmt::format("{}", params.lambda)},
        {"seed", std::to_string(params.seed)},
        {"nthread", std::to_string(params.threads)},
        {"verbosity", "0"},
    };
    for (const auto& [name, value] : settings) {
        check(XGBoosterSetParam(full->booster, name, value.c_str()), name);
    }
    const char* names[] = {"train", "valid"};
    double best = -1.0;
    log = TrainingLog{};
    log.valid_ndcg = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t round = 0; round < params.rounds; ++round) {
        const int iter = static_cast<int>(round);
        check(XGBoosterUpdateOneIter(full->booster, iter, dtrain.get()), "training a round");
        const char* text = nullptr;
        check(XGBoosterEvalOneIter(full->booster, iter, cache, names, has_valid ? 2 : 1, &text),
              "evaluating a round");
        const std::string line = text;
        if (on_round) {
            on_round(line);
        }
        log.rounds_run = round + 1;
        const double train_score = parse_eval(line, "train-" + metric);
        const double score = has_valid ? parse_eval(line, "valid-" + metric) : train_score;
        if (!has_valid || score > best) {
            best = score;
            log.best_iteration = round;
            log.train_ndcg = train_score;
            log.valid_ndcg = has_valid ? score : log.valid_ndcg;
        } else if (params.early_stopping > 0 &&
                   round - log.best_iteration >= params.early_stopping) {
            break;
        }
    }
    if (log.best_iteration + 1 == log.rounds_run) {
        return LambdaMart(std::move(full));
    }
    auto sliced = std::make_unique<Handle>();
    check(XGBoosterSlice(full->booster, 0, static_cast<int>(log.best_iteration + 1), 1,
                         &sliced->booster),
          "keeping the trees up to the best iteration");
    return LambdaMart(std::move(sliced));
}

LambdaMart LambdaMart::load(const std::filesystem::path& path) {
    auto handle = std::make_unique<Handle>();
    check(XGBoosterCreate(nullptr, 0, &handle->booster), "creating a booster");
    if (XGBoosterLoadModel(handle->booster, path.c_str()) != 0) {
        throw CorruptionError(
            fmt::format("{}: not a readable XGBoost model: {}", path.string(), XGBGetLastError()));
    }
    check(XGBoosterSetParam(handle->booster, "nthread", "1"), "nthread");
    return LambdaMart(std::move(handle));
}

void LambdaMart::save(const std::filesystem::path& path) const {
    check(XGBoosterSaveModel(m_handle->booster, path.c_str()),
          fmt::format("saving the model to {}", path.string()));
}

std::size_t LambdaMart::num_features() const {
    bst_ulong n = 0;
    check(XGBoosterGetNumFeature(m_handle->booster, &n), "reading the feature count");
    return n;
}

std::vector<float> LambdaMart::predict(std::span<const float> features) const {
    const std::size_t width = num_features();
    if (features.empty()) {
        return {};
    }
    std::lock_guard lock(*m_mutex);
    Matrix matrix(features, width);
    bst_ulong length = 0;
    const float* scores = nullptr;
    check(XGBoosterPredict(m_handle->booster, matrix.get(), 0, 0, 0, &length, &scores),
          "predicting");
    CASCADE_ASSERT(length * width == features.size());
    return {scores, scores + length};
}

}  // namespace cascade::rerank::ltr
