#include "rerank/ltr/model.hpp"

#include <fstream>

#include <fmt/format.h>

#include "index/index.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

constexpr const char* kModelFile = "model.json";
constexpr const char* kManifestFile = "manifest.json";

LtrManifest parse_manifest(const nlohmann::json& j, const std::filesystem::path& path) {
    LtrManifest m;
    try {
        if (j.at("format").get<int>() != kManifestVersion) {
            throw CorruptionError(fmt::format("{}: manifest format {} (this build reads {})",
                                              path.string(), j.at("format").get<int>(),
                                              kManifestVersion));
        }
        m.features = j.at("features").get<std::vector<std::string>>();
        m.recorded = j.at("recorded").get<std::vector<std::string>>();
        m.excluded = j.value("excluded", std::vector<std::string>{});
        m.analyzer = j.at("analyzer").get<std::string>();
        m.bm25.k1 = j.at("bm25").at("k1").get<float>();
        m.bm25.b = j.at("bm25").at("b").get<float>();
        m.dirichlet_mu = j.at("dirichlet_mu").get<float>();
        m.training = j.value("training", nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
        throw CorruptionError(
            fmt::format("{}: malformed LTR manifest: {}", path.string(), e.what()));
    }
    return m;
}

}  // namespace

void save_ltr_model(const std::filesystem::path& dir, const LambdaMart& booster,
                    const LtrManifest& manifest) {
    AtomicDirectory out(dir);
    booster.save(out.staging() / kModelFile);
    nlohmann::json j;
    j["format"] = kManifestVersion;
    j["features"] = manifest.features;
    j["recorded"] = manifest.recorded;
    j["excluded"] = manifest.excluded;
    j["analyzer"] = manifest.analyzer;
    j["bm25"] = {{"k1", manifest.bm25.k1}, {"b", manifest.bm25.b}};
    j["dirichlet_mu"] = manifest.dirichlet_mu;
    j["training"] = manifest.training;
    const std::filesystem::path path = out.staging() / kManifestFile;
    std::ofstream stream(path);
    stream << j.dump(2) << '\n';
    stream.close();
    if (!stream) {
        throw IoError::from_errno("cannot write", path.string());
    }
    out.commit();
}

LtrModel load_ltr_model(const std::filesystem::path& dir) {
    const std::filesystem::path manifest_path = dir / kManifestFile;
    std::ifstream in(manifest_path);
    if (!in) {
        throw IoError::from_errno(
            "cannot read the LTR manifest (train one with `cascade "
            "train-ltr`)",
            manifest_path.string());
    }
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        throw CorruptionError(fmt::format("{}: not a JSON object", manifest_path.string()));
    }
    LtrManifest manifest = parse_manifest(j, manifest_path);
    const std::filesystem::path model_path = dir / kModelFile;
    if (!std::filesystem::exists(model_path)) {
        throw IoError(fmt::format("missing {}", model_path.string()));
    }
    LambdaMart booster = LambdaMart::load(model_path);
    if (booster.num_features() != manifest.features.size()) {
        throw CorruptionError(fmt::format("{}: the model uses {} features, the manifest lists {}",
                                          dir.string(), booster.num_features(),
                                          manifest.features.size()));
    }
    return LtrModel{std::move(manifest), std::move(booster)};
}

FeatureConfig feature_config(const LtrManifest& manifest) {
    FeatureConfig config;
    config.bm25 = manifest.bm25;
    config.dirichlet_mu = manifest.dirichlet_mu;
    config.recorded = manifest.recorded;
    config.excluded = manifest.excluded;
    return config;
}

void check_features(const LtrManifest& manifest, std::span<const std::string> actual,
                    const std::filesystem::path& dir) {
    const std::vector<std::string>& expected = manifest.features;
    for (std::size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
        const std::string want = i < expected.size() ? expected[i] : "(none)";
        const std::string have = i < actual.size() ? actual[i] : "(none)";
        if (want != have) {
            throw Error(fmt::format(
                "{}: feature list mismatch at column {}: the model expects '{}', this index "
                "gives '{}' (was the model trained on an index with other fields or "
                "without --positions?)",
                dir.string(), i, want, have));
        }
    }
}

LtrRanker::LtrRanker(const index::Index& index, LtrModel model, const std::filesystem::path& dir)
    : m_index(&index),
      m_model(std::move(model)),
      m_extractor(index, feature_config(m_model.manifest)) {
    if (index.analyzer_name() != m_model.manifest.analyzer) {
        throw Error(
            fmt::format("{}: the model was trained on an index analyzed with '{}', this "
                        "index uses '{}'",
                        dir.string(), m_model.manifest.analyzer, index.analyzer_name()));
    }
    check_features(m_model.manifest, m_extractor.names(), dir);
}

void LtrRanker::rerank(const Query& query, CandidateList& list,
                       std::span<const FeatureId> recorded_ids) const {
    if (list.empty()) {
        return;
    }
    std::vector<float> features;
    m_extractor.extract(query.text, list, recorded_ids, features);
    const std::vector<float> scores = m_model.booster.predict(features);
    CASCADE_ASSERT(scores.size() == list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        list[i].score = scores[i];
    }
    sort_candidates(list, *m_index);
}

}  // namespace cascade::rerank::ltr
