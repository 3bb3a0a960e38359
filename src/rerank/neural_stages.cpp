/// The `cross_encoder` and `bi_encoder` stages: re-score the top `k` candidates with a model
/// from the pipeline's pool (runtime/model_pool.hpp). A call with many queries queues all of
/// their documents at once, so the model's scheduler can put pairs of several queries into one
/// forward pass; callers on other threads (and, in `cascade serve`, HTTP requests) share it.
#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"

namespace cascade::rerank {
namespace {

class ModelStage final : public Stage {
public:
    ModelStage(std::string_view type, std::shared_ptr<runtime::LoadedModel> model,
               std::string model_dir, std::size_t k, FeatureSchema& features)
        : m_type(type),
          m_model(std::move(model)),
          m_model_dir(std::move(model_dir)),
          m_k(k),
          m_score_id(features.id(std::string(type) + "_score")) {}

    [[nodiscard]] std::string_view type() const override { return m_type; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("{}({}),k={}", m_type, m_model_dir, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        std::vector<std::vector<std::string>> texts(queries.size());
        for (std::size_t q = 0; q < queries.size(); ++q) {
            truncate(lists[q], m_k);
            texts[q].reserve(lists[q].size() + 1);
            for (const Candidate& c : lists[q])
                texts[q].push_back(document_text(*context.index, c.docid));
        }
        const std::vector<std::vector<float>> scores = score(queries, texts);
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            for (std::size_t i = 0; i < list.size(); ++i) {
                list[i].score = scores[q][i];
                list[i].set_feature(m_score_id, scores[q][i]);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    /// One score per document of each query, all queries queued together.
    std::vector<std::vector<float>> score(std::span<const Query> queries,
                                          std::vector<std::vector<std::string>>& texts) const {
        std::vector<std::vector<float>> out(queries.size());
        if (m_model->task() == runtime::Task::ScorePairs) {
            std::vector<std::string> query_texts;
            query_texts.reserve(queries.size());
            for (const Query& q : queries)
                query_texts.push_back(q.text);
            auto futures = m_model->score_pairs_many(query_texts, texts);
            for (std::size_t q = 0; q < queries.size(); ++q)
                out[q] = futures[q].get();
            return out;
        }
        // Bi-encoder: the query is embedded with its documents; score = dot product, which
        // equals cosine for models that normalise (their config says so).
        for (std::size_t q = 0; q < queries.size(); ++q)
            texts[q].insert(texts[q].begin(), queries[q].text);
        auto futures = m_model->embed_texts_many(texts);
        const std::size_t dim = m_model->model().output_width();
        for (std::size_t q = 0; q < queries.size(); ++q) {
            const std::vector<float> vectors = futures[q].get();
            const std::size_t n = vectors.size() / dim;
            for (std::size_t i = 1; i < n; ++i) {
                double dot = 0.0;
                for (std::size_t j = 0; j < dim; ++j)
                    dot += static_cast<double>(vectors[j]) * vectors[i * dim + j];
                out[q].push_back(static_cast<float>(dot));
            }
        }
        return out;
    }

    std::string m_type;
    std::shared_ptr<runtime::LoadedModel> m_model;
    std::string m_model_dir;  ///< as the pipeline file spells it
    std::size_t m_k;
    FeatureId m_score_id;
};

std::unique_ptr<Stage> make_model_stage(std::string_view type, runtime::Task task,
                                        StageParams& params, StageEnv& env) {
    const std::size_t k = params.count("k", 100, 1, 1U << 20);
    const runtime::ModelOptions options = read_model_options(params, true);
    return std::make_unique<ModelStage>(type, stage_model(params, env, options, task),
                                        options.dir.string(), k, *env.features);
}

}  // namespace

std::unique_ptr<Stage> make_cross_encoder_stage(StageParams& params, StageEnv& env) {
    return make_model_stage("cross_encoder", runtime::Task::ScorePairs, params, env);
}

std::unique_ptr<Stage> make_bi_encoder_stage(StageParams& params, StageEnv& env) {
    return make_model_stage("bi_encoder", runtime::Task::EmbedTexts, params, env);
}

}  // namespace cascade::rerank
