/// The `cross_encoder` and `bi_encoder` stages: re-score the top `k` candidates with a BERT
/// model folder (model/text_encoders.hpp), all of a query's documents in one batched call.
/// Document text is title + " " + text (the BEIR convention of sentence-transformers'
/// CrossEncoder evaluation). Models are not reentrant: calls are serialised by a mutex; the
/// model's own threads parallelise each call.
#include <mutex>

#include <fmt/format.h>

#include "index/index.hpp"
#include "model/text_encoders.hpp"
#include "rerank/mmr.hpp"
#include "rerank/stages.hpp"

namespace cascade::rerank {
namespace {

std::string document_text(const index::Index& index, std::uint32_t docid) {
    Document d = index.document(docid);
    return d.title.empty() ? d.text : d.title + " " + d.text;
}

template <class Model>
class NeuralStage final : public Stage {
public:
    NeuralStage(std::string_view type, std::string model_dir, std::unique_ptr<Model> model,
                std::size_t k, FeatureSchema& features)
        : m_type(type),
          m_model_dir(std::move(model_dir)),
          m_model(std::move(model)),
          m_k(k),
          m_score_id(features.id(std::string(type) + "_score")) {}

    [[nodiscard]] std::string_view type() const override { return m_type; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("{}({}),k={}", m_type, m_model_dir, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            const std::vector<float> scores = score(queries[q], list, *context.index);
            for (std::size_t i = 0; i < list.size(); ++i) {
                list[i].score = scores[i];
                list[i].set_feature(m_score_id, scores[i]);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    std::vector<float> score(const Query& query, const CandidateList& list,
                             const index::Index& index) const {
        if constexpr (std::is_same_v<Model, model::CrossEncoder>) {
            std::vector<std::pair<std::string, std::string>> pairs;
            pairs.reserve(list.size());
            for (const Candidate& c : list) {
                pairs.emplace_back(query.text, document_text(index, c.docid));
            }
            std::lock_guard lock(m_mutex);
            return m_model->score(pairs);
        } else {
            std::vector<std::string> texts{query.text};
            for (const Candidate& c : list)
                texts.push_back(document_text(index, c.docid));
            std::vector<std::vector<float>> vectors;
            {
                std::lock_guard lock(m_mutex);
                vectors = m_model->embed(texts);
            }
            // Dot product: equals cosine for models that normalise (their config says so).
            std::vector<float> out;
            for (std::size_t i = 1; i < vectors.size(); ++i) {
                double dot = 0.0;
                for (std::size_t j = 0; j < vectors[0].size(); ++j) {
                    dot += static_cast<double>(vectors[0][j]) * vectors[i][j];
                }
                out.push_back(static_cast<float>(dot));
            }
            return out;
        }
    }

    std::string m_type;
    std::string m_model_dir;
    std::unique_ptr<Model> m_model;
    mutable std::mutex m_mutex;
    std::size_t m_k;
    FeatureId m_score_id;
};

template <class Model>
std::unique_ptr<Stage> make_neural(std::string_view type, StageParams& params, StageEnv& env) {
    const std::string dir = params.required_string("model");
    const std::size_t k = params.count("k", 100, 1, 1U << 20);
    const std::size_t batch = params.count("batch_size", 32, 1, 4096);
    const std::size_t max_length = params.count("max_length", 0, 0, 1U << 16);
    const bool int8 = params.flag("int8", false);
    const auto threads = static_cast<int>(params.count("threads", env.threads, 1, 1024));
    std::unique_ptr<Model> model;
    try {
        model =
            std::make_unique<Model>(dir, model::EncoderOptions{batch, threads, int8}, max_length);
    } catch (const Error& e) {
        throw params.error("model", e.what());
    }
    return std::make_unique<NeuralStage<Model>>(type, dir, std::move(model), k, *env.features);
}

}  // namespace

std::unique_ptr<Stage> make_cross_encoder_stage(StageParams& params, StageEnv& env) {
    return make_neural<model::CrossEncoder>("cross_encoder", params, env);
}

std::unique_ptr<Stage> make_bi_encoder_stage(StageParams& params, StageEnv& env) {
    return make_neural<model::BiEncoder>("bi_encoder", params, env);
}

}  // namespace cascade::rerank
