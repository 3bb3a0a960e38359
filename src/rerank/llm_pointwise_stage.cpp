/// The `llm_pointwise` stage: re-scores the top `k` candidates with a decoder yes/no re-ranker
/// (runtime/decoder_reranker.hpp, Qwen3-Reranker's prompt) from the pipeline's pool. The
/// candidate score is P(yes) = sigmoid(logit(yes) − logit(no)), a probability, so a `cutoff`
/// stage with `method: probability` can keep "the relevant ones". The stage's `instruction`
/// goes with each request: stages with different instructions share one loaded model.
#include <fmt/format.h>

#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "runtime/decoder_reranker.hpp"

namespace cascade::rerank {
namespace {

class LlmPointwiseStage final : public Stage {
public:
    LlmPointwiseStage(std::shared_ptr<runtime::LoadedModel> model, runtime::ModelOptions options,
                      std::size_t k, FeatureSchema& features)
        : m_model(std::move(model)),
          m_options(std::move(options)),
          m_k(k),
          m_score_id(features.id("llm_pointwise_score")) {}

    [[nodiscard]] std::string_view type() const override { return "llm_pointwise"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("llm_pointwise({}),k={}", m_options.dir.string(), m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        std::vector<std::string> query_texts;
        std::vector<std::vector<std::string>> texts(queries.size());
        for (std::size_t q = 0; q < queries.size(); ++q) {
            query_texts.push_back(queries[q].text);
            truncate(lists[q], m_k);
            texts[q].reserve(lists[q].size());
            for (const Candidate& c : lists[q])
                texts[q].push_back(document_text(*context.index, c.docid));
        }
        // All queries at once: the scheduler can fill a forward pass with several of them, and
        // the model runs each query's shared prompt prefix once.
        auto futures = m_model->score_pairs_many(query_texts, texts,
                                                 runtime::LoadedModel::Clock::time_point::max(),
                                                 m_options.instruction);
        for (std::size_t q = 0; q < queries.size(); ++q) {
            const std::vector<float> differences = futures[q].get();
            CandidateList& list = lists[q];
            for (std::size_t i = 0; i < list.size(); ++i) {
                const float p = runtime::yes_probability(differences[i]);
                list[i].score = p;
                list[i].set_feature(m_score_id, p);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    std::shared_ptr<runtime::LoadedModel> m_model;
    runtime::ModelOptions m_options;
    std::size_t m_k;
    FeatureId m_score_id;
};

}  // namespace

std::unique_ptr<Stage> make_llm_pointwise_stage(StageParams& params, StageEnv& env) {
    const std::size_t k = params.count("k", 100, 1, 1U << 20);
    const runtime::ModelOptions options = read_model_options(params, true);
    if (options.evidence_tokens > 0)
        throw params.error("evidence_tokens",
                           "a run file has no place for evidence text: it comes with "
                           "`cascade rerank --evidence-tokens N` and `/v1/rerank` of a model "
                           "served with --evidence-tokens");
    if (!runtime::is_decoder_reranker_folder(options.dir))
        throw params.error("model",
                           fmt::format("{} is not a decoder model (config.json architectures: "
                                       "...ForCausalLM); use cross_encoder for BERT-family "
                                       "re-rankers",
                                       options.dir.string()));
    auto model = stage_model(params, env, options, runtime::Task::ScorePairs);
    return std::make_unique<LlmPointwiseStage>(std::move(model), options, k, *env.features);
}

}  // namespace cascade::rerank
