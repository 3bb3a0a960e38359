/// The `fusion` stage: fuses the results of a pipeline's several first-stage branches
/// (rerank/fusion.hpp), e.g. flat BM25 and BM25 + RM3.
#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/fusion.hpp"
#include "rerank/stages.hpp"

namespace cascade::rerank {
namespace {

class FusionStage final : public Stage {
public:
    FusionStage(FusionMethod method, std::string method_name, std::vector<double> weights,
                double rrf_k, std::size_t k, FeatureSchema& features)
        : m_method(method),
          m_method_name(std::move(method_name)),
          m_weights(std::move(weights)),
          m_rrf_k(rrf_k),
          m_k(k),
          m_score_id(features.id("fusion_score")) {}

    [[nodiscard]] std::string_view type() const override { return "fusion"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("fusion({}{}),k={}", m_method_name,
                           m_method == FusionMethod::rrf ? fmt::format(",rrf_k={}", m_rrf_k) : "",
                           m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        const auto& branches = context.branches;
        if (branches.size() < 2) {
            throw Error(
                "the fusion stage needs several first stages (first_stages: in the "
                "pipeline file)");
        }
        if (!m_weights.empty() && m_weights.size() != branches.size()) {
            throw Error(fmt::format("fusion has {} weights for {} first stages", m_weights.size(),
                                    branches.size()));
        }
        std::vector<double> weights = m_weights;
        weights.resize(branches.size(), 1.0);
        std::vector<const CandidateList*> rankings(branches.size());
        for (std::size_t q = 0; q < queries.size(); ++q) {
            for (std::size_t b = 0; b < branches.size(); ++b) {
                rankings[b] = &branches[b].lists[q];
            }
            lists[q] = fuse(rankings, weights, m_method, m_rrf_k);
            for (Candidate& c : lists[q]) {
                c.set_feature(m_score_id, c.score);
            }
            sort_candidates(lists[q], *context.index);
            truncate(lists[q], m_k);
        }
    }

private:
    FusionMethod m_method;
    std::string m_method_name;
    std::vector<double> m_weights;
    double m_rrf_k;
    std::size_t m_k;
    FeatureId m_score_id;
};

}  // namespace

std::unique_ptr<Stage> make_fusion_stage(StageParams& params, StageEnv& env) {
    const std::string method = params.choice("method", "rrf", {"rrf", "minmax", "zscore", "sum"});
    const double rrf_k = params.number("rrf_k", kRrfK, 0.0, 1e9);
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    std::vector<double> weights;
    if (YAML::Node w = params.node("weights")) {
        if (!w.IsSequence()) {
            throw params.error("weights",
                               "'weights' must be a list of numbers, one per first "
                               "stage, e.g. [1.0, 0.5]");
        }
        for (const YAML::Node& item : w) {
            double x = 0.0;
            if (!item.IsScalar() || !YAML::convert<double>::decode(item, x) || !std::isfinite(x)) {
                throw params.error_at(item, "a fusion weight must be a finite number");
            }
            weights.push_back(x);
        }
    }
    return std::make_unique<FusionStage>(parse_fusion_method(method), method, std::move(weights),
                                         rrf_k, k, *env.features);
}

}  // namespace cascade::rerank
