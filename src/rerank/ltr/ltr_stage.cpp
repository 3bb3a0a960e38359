/// The `ltr` stage: re-scores candidates with a LambdaMART model trained by
/// `cascade train-ltr` (rerank/ltr/model.hpp), reading the features earlier stages recorded.
#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/ltr/model.hpp"
#include "rerank/registry.hpp"

namespace cascade::rerank {
namespace {

class LtrStage final : public Stage {
public:
    LtrStage(const index::Index& index, ltr::LtrModel model, std::string dir, std::size_t k,
             std::vector<FeatureId> recorded_ids, FeatureId score_id)
        : m_ranker(index, std::move(model), dir),
          m_dir(std::move(dir)),
          m_k(k),
          m_recorded_ids(std::move(recorded_ids)),
          m_score_id(score_id) {}

    [[nodiscard]] std::string_view type() const override { return "ltr"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("ltr(model={},features={}),k={}", m_dir,
                           m_ranker.manifest().features.size(), m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        for (std::size_t q = 0; q < queries.size(); ++q) {
            m_ranker.rerank(queries[q], lists[q], m_recorded_ids);
            for (Candidate& c : lists[q]) {
                c.set_feature(m_score_id, c.score);
            }
            truncate(lists[q], m_k);
        }
    }

private:
    ltr::LtrRanker m_ranker;
    std::string m_dir;
    std::size_t m_k;
    std::vector<FeatureId> m_recorded_ids;
    FeatureId m_score_id;
};

std::unique_ptr<Stage> make_ltr_stage(StageParams& params, StageEnv& env) {
    const std::string dir = params.required_string("model");
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    try {
        ltr::LtrModel model = ltr::load_ltr_model(dir);
        std::vector<FeatureId> recorded_ids;
        for (const std::string& name : model.manifest.recorded) {
            FeatureId id = 0;
            if (!env.features->find(name, id)) {
                throw Error(
                    fmt::format("the model reads feature '{}', which no earlier stage "
                                "records (first_stage_score and first_stage_rank come from a "
                                "bm25 first stage; others from the stage that records them, "
                                "as in the pipeline the model was trained with)",
                                name));
            }
            recorded_ids.push_back(id);
        }
        const FeatureId score_id = env.features->id("ltr_score");
        return std::make_unique<LtrStage>(*env.index, std::move(model), dir, k,
                                          std::move(recorded_ids), score_id);
    } catch (const InputError&) {
        throw;
    } catch (const Error& e) {
        throw params.error("model", e.what());
    }
}

}  // namespace

void register_ltr_stage(StageRegistry& registry) {
    registry.add("ltr", "LambdaMART re-ranking with a model from `cascade train-ltr` (model: DIR)",
                 make_ltr_stage);
}

}  // namespace cascade::rerank
