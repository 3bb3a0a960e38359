#pragma once
/// A learning-to-rank model directory: XGBoost's JSON model (model.json) next to a manifest
/// (manifest.json) naming the features in column order, the analyzer and BM25 parameters they
/// were computed with, the first stage that produced the training candidates and the training
/// statistics. Loading checks that the index at hand yields the same feature list.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rerank/ltr/features.hpp"
#include "rerank/ltr/lambdamart.hpp"

namespace cascade::rerank::ltr {

/// manifest.json's `format` value; bumped when the layout changes.
inline constexpr int kManifestVersion = 1;

/// The contents of manifest.json.
struct LtrManifest {
    std::vector<std::string> features;  ///< column order of the model
    std::vector<std::string> recorded;  ///< the features read from earlier stages
    /// Computed features left out (FeatureConfig::excluded); absent in older manifests = none.
    std::vector<std::string> excluded;
    std::string analyzer;       ///< text::Analyzer::name() of the index trained on
    retrieve::Bm25Params bm25;  ///< BM25 parameters of the bm25* features
    float dirichlet_mu = 1000.0F;
    /// First-stage description, training parameters and statistics (free-form).
    nlohmann::json training = nlohmann::json::object();
};

/// A loaded model with its manifest.
struct LtrModel {
    LtrManifest manifest;
    LambdaMart booster;
};

/// Writes `dir` atomically (AtomicDirectory): model.json and manifest.json.
void save_ltr_model(const std::filesystem::path& dir, const LambdaMart& booster,
                    const LtrManifest& manifest);

/// Reads a model directory. Throws IoError when files are missing, CorruptionError for a
/// malformed manifest, another format version, or a booster whose feature count differs
/// from the manifest's list.
[[nodiscard]] LtrModel load_ltr_model(const std::filesystem::path& dir);

/// The extractor configuration a manifest stands for.
[[nodiscard]] FeatureConfig feature_config(const LtrManifest& manifest);

/// Throws Error naming the first difference when `actual` (the extractor's list for this
/// index) is not exactly `manifest.features`.
void check_features(const LtrManifest& manifest, std::span<const std::string> actual,
                    const std::filesystem::path& dir);

/// Re-scores candidate lists with a model: extracts features, predicts, sorts best first
/// (score descending, ties by external id).
class LtrRanker {
public:
    /// Checks the model's features and analyzer against `index`.
    LtrRanker(const index::Index& index, LtrModel model, const std::filesystem::path& dir);

    [[nodiscard]] const LtrManifest& manifest() const { return m_model.manifest; }
    [[nodiscard]] const FeatureExtractor& extractor() const { return m_extractor; }

    /// Replaces each candidate's score by the model's and re-sorts the list.
    /// `recorded_ids` locate manifest().recorded in the candidates' feature vectors.
    void rerank(const Query& query, CandidateList& list,
                std::span<const FeatureId> recorded_ids) const;

private:
    const index::Index* m_index;
    LtrModel m_model;
    FeatureExtractor m_extractor;
};

}  // namespace cascade::rerank::ltr
