/// The list-level LLM re-ranking stages, on a decoder language model from the pipeline's pool
/// (runtime/decoder_lm.hpp):
/// - `llm_listwise`: sliding windows of numbered passages ranked by the model (RankGPT), by
///   generating a permutation (`mode: generate`) or by the first-token logits of the passage
///   identifiers (`mode: first`, FIRST); runtime/listwise.hpp.
/// - `icr`: in-context re-ranking from attention weights, calibrated with a content-free
///   query; runtime/icr.hpp.
/// Window passes of all the stage's queries run together: pass p of every query is one batch.
#include <algorithm>

#include <fmt/format.h>

#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/icr.hpp"
#include "runtime/listwise.hpp"

namespace cascade::rerank {
namespace {

/// Reads the model options of a list-level stage and gets its language model from the pool.
std::shared_ptr<const runtime::DecoderLm> stage_language_model(StageParams& params,
                                                               const StageEnv& env,
                                                               runtime::ModelOptions& options) {
    options = read_model_options(params, true);
    for (const char* unused : {"instruction", "yes_token", "no_token", "evidence_tokens"})
        if (params.has(unused))
            throw params.error(unused, fmt::format("{} is an option of llm_pointwise; the {} "
                                                   "stage's prompt has none",
                                                   unused, params.type()));
    if (!runtime::is_decoder_reranker_folder(options.dir))
        throw params.error("model", fmt::format("{} is not a decoder model (config.json "
                                                "architectures: ...ForCausalLM)",
                                                options.dir.string()));
    CASCADE_ASSERT(env.models != nullptr);
    try {
        return env.models->language_model(options);
    } catch (const Error& e) {
        throw params.error(params.has("device") ? "device" : "model", e.what());
    }
}

class LlmListwiseStage final : public Stage {
public:
    LlmListwiseStage(std::shared_ptr<const runtime::DecoderLm> lm, std::string dir, std::size_t k,
                     runtime::ListwiseSettings s, FeatureSchema& features)
        : m_lm(std::move(lm)),
          m_dir(std::move(dir)),
          m_k(k),
          m_settings(s),
          m_rank_id(features.id("llm_listwise_rank")) {
        if (s.mode == runtime::ListwiseMode::First)  // identifiers must be one token each
            (void)runtime::ListwisePrompt(*m_lm, s.mode, s.ids, s.passage_tokens)
                .identifier_tokens(s.window);
    }

    [[nodiscard]] std::string_view type() const override { return "llm_listwise"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("llm_listwise({}),k={},window={},stride={},mode={}", m_dir, m_k,
                           m_settings.window, m_settings.stride,
                           m_settings.mode == runtime::ListwiseMode::First ? "first" : "generate");
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        std::vector<std::string> texts;
        std::vector<std::string> labels;
        std::vector<std::vector<std::string>> passages(queries.size());
        for (std::size_t q = 0; q < queries.size(); ++q) {
            texts.push_back(queries[q].text);
            labels.push_back(queries[q].id);
            truncate(lists[q], m_k);
            for (const Candidate& c : lists[q])
                passages[q].push_back(document_text(*context.index, c.docid));
        }
        const auto orders = runtime::rank_listwise(*m_lm, m_settings, texts, passages, labels);
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList ranked;
            ranked.reserve(lists[q].size());
            for (std::size_t i : orders[q])
                ranked.push_back(std::move(lists[q][i]));
            for (std::size_t i = 0; i < ranked.size(); ++i) {
                ranked[i].score = static_cast<float>(ranked.size() - i);
                ranked[i].set_feature(m_rank_id, static_cast<float>(i + 1));
            }
            lists[q] = std::move(ranked);
        }
    }

private:
    std::shared_ptr<const runtime::DecoderLm> m_lm;
    std::string m_dir;
    std::size_t m_k;
    runtime::ListwiseSettings m_settings;
    FeatureId m_rank_id;
};

class IcrStage final : public Stage {
public:
    IcrStage(std::shared_ptr<const runtime::DecoderLm> lm, std::string dir, std::size_t k,
             std::size_t passage_tokens, FeatureSchema& features)
        : m_lm(std::move(lm)),
          m_dir(std::move(dir)),
          m_k(k),
          m_passage_tokens(passage_tokens),
          m_score_id(features.id("icr_score")) {}

    [[nodiscard]] std::string_view type() const override { return "icr"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("icr({}),k={}", m_dir, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            if (list.empty())
                continue;
            std::vector<std::string> texts;
            for (const Candidate& c : list)
                texts.push_back(document_text(*context.index, c.docid));
            const runtime::IcrPrompt prompt =
                runtime::build_icr_prompt(*m_lm, queries[q].text, texts, m_passage_tokens);
            const std::vector<double> scores = runtime::icr_scores(*m_lm, prompt);
            for (std::size_t i = 0; i < list.size(); ++i) {
                list[i].score = static_cast<float>(scores[i]);
                list[i].set_feature(m_score_id, list[i].score);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    std::shared_ptr<const runtime::DecoderLm> m_lm;
    std::string m_dir;
    std::size_t m_k;
    std::size_t m_passage_tokens;
    FeatureId m_score_id;
};

}  // namespace

std::unique_ptr<Stage> make_llm_listwise_stage(StageParams& params, StageEnv& env) {
    const std::size_t k = params.count("k", 100, 1, 1U << 20);
    runtime::ListwiseSettings s;
    s.window = params.count("window", 20, 1, 1000);
    s.stride = params.count("stride", 10, 1, 1000);
    if (s.stride > s.window)
        throw params.error("stride", fmt::format("stride {} is larger than window {}: passages "
                                                 "between windows would never be compared",
                                                 s.stride, s.window));
    const std::string mode = params.choice("mode", "generate", {"generate", "first"});
    s.mode = mode == "first" ? runtime::ListwiseMode::First : runtime::ListwiseMode::Generate;
    const std::string ids = params.choice("identifiers", mode == "first" ? "letters" : "numbers",
                                          {"numbers", "letters"});
    s.ids = ids == "letters" ? runtime::Identifiers::Letters : runtime::Identifiers::Numbers;
    if (s.ids == runtime::Identifiers::Letters && s.window > 26)
        throw params.error("window", fmt::format("window {} needs more than 26 letter "
                                                 "identifiers; use at most 26",
                                                 s.window));
    s.passage_tokens = params.count("passage_tokens", 100, 0, 1U << 20);
    s.max_new_tokens = params.count("max_new_tokens", 0, 0, 1U << 16);
    runtime::ModelOptions options;
    auto lm = stage_language_model(params, env, options);
    try {
        return std::make_unique<LlmListwiseStage>(std::move(lm), options.dir.string(), k, s,
                                                  *env.features);
    } catch (const Error& e) {
        // mode first with identifiers that are several tokens in this tokenizer
        throw params.error(params.has("identifiers") ? "identifiers" : "mode", e.what());
    }
}

std::unique_ptr<Stage> make_icr_stage(StageParams& params, StageEnv& env) {
    const std::size_t k = params.count("k", 20, 1, 1000);
    const std::size_t passage_tokens = params.count("passage_tokens", 100, 0, 1U << 20);
    runtime::ModelOptions options;
    auto lm = stage_language_model(params, env, options);
    return std::make_unique<IcrStage>(std::move(lm), options.dir.string(), k, passage_tokens,
                                      *env.features);
}

}  // namespace cascade::rerank
