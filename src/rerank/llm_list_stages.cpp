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
    struct Settings {
        std::size_t k = 100;
        std::size_t window = 20;
        std::size_t stride = 10;
        runtime::ListwiseMode mode = runtime::ListwiseMode::Generate;
        runtime::Identifiers ids = runtime::Identifiers::Numbers;
        std::size_t passage_tokens = 100;
        std::size_t max_new_tokens = 0;
    };

    LlmListwiseStage(std::shared_ptr<const runtime::DecoderLm> lm, std::string dir, Settings s,
                     FeatureSchema& features)
        : m_lm(std::move(lm)),
          m_dir(std::move(dir)),
          m_settings(s),
          m_prompt(*m_lm, s.mode, s.ids, s.passage_tokens),
          m_rank_id(features.id("llm_listwise_rank")) {
        if (s.mode == runtime::ListwiseMode::First)
            m_identifier_tokens = m_prompt.identifier_tokens(s.window);
    }

    [[nodiscard]] std::string_view type() const override { return "llm_listwise"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("llm_listwise({}),k={},window={},stride={},mode={}", m_dir, m_settings.k,
                           m_settings.window, m_settings.stride,
                           m_settings.mode == runtime::ListwiseMode::First ? "first" : "generate");
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        std::vector<std::vector<std::string>> texts(queries.size());
        std::vector<std::vector<runtime::Window>> windows(queries.size());
        std::size_t passes = 0;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            truncate(lists[q], m_settings.k);
            for (const Candidate& c : lists[q])
                texts[q].push_back(document_text(*context.index, c.docid));
            windows[q] =
                runtime::sliding_windows(lists[q].size(), m_settings.window, m_settings.stride);
            passes = std::max(passes, windows[q].size());
        }
        for (std::size_t pass = 0; pass < passes; ++pass) {
            std::vector<std::size_t> who;
            std::vector<std::vector<std::int32_t>> prompts;
            for (std::size_t q = 0; q < queries.size(); ++q) {
                if (pass >= windows[q].size())
                    continue;
                const runtime::Window w = windows[q][pass];
                prompts.push_back(m_prompt.build(
                    queries[q].text,
                    std::span<const std::string>(texts[q]).subspan(w.begin, w.end - w.begin)));
                m_lm->check_fits(prompts.back().size(), max_new_tokens(w.end - w.begin),
                                 fmt::format("query {}: the listwise prompt of {} passages",
                                             queries[q].id, w.end - w.begin));
                who.push_back(q);
            }
            const auto orders = rank_windows(prompts, who, windows, pass);
            for (std::size_t i = 0; i < who.size(); ++i)
                apply(orders[i], windows[who[i]][pass], lists[who[i]], texts[who[i]]);
        }
        for (auto& list : lists)
            for (std::size_t i = 0; i < list.size(); ++i) {
                list[i].score = static_cast<float>(list.size() - i);
                list[i].set_feature(m_rank_id, static_cast<float>(i + 1));
            }
    }

private:
    [[nodiscard]] std::size_t max_new_tokens(std::size_t n) const {
        if (m_settings.mode == runtime::ListwiseMode::First)
            return 0;
        // "[12] > " is at most 6 tokens; a little room for a closing token.
        return m_settings.max_new_tokens > 0 ? m_settings.max_new_tokens : 6 * n + 8;
    }

    /// The new order (window positions, best first) of each prompt's window.
    [[nodiscard]] std::vector<std::vector<std::size_t>> rank_windows(
        const std::vector<std::vector<std::int32_t>>& prompts, const std::vector<std::size_t>& who,
        const std::vector<std::vector<runtime::Window>>& windows, std::size_t pass) const {
        std::vector<std::vector<std::size_t>> out;
        if (m_settings.mode == runtime::ListwiseMode::First) {
            const auto logits = m_lm->last_logits(prompts, m_identifier_tokens);
            for (std::size_t i = 0; i < who.size(); ++i) {
                const runtime::Window w = windows[who[i]][pass];
                out.push_back(runtime::order_by_logits(
                    std::span<const float>(logits[i]).first(w.end - w.begin)));
            }
            return out;
        }
        std::size_t longest = 0;
        for (std::size_t i = 0; i < who.size(); ++i) {
            const runtime::Window w = windows[who[i]][pass];
            longest = std::max(longest, w.end - w.begin);
        }
        model::GenerationOptions options;
        options.max_new_tokens = max_new_tokens(longest);
        options.stop_tokens = m_lm->stop_tokens();
        const auto results = m_lm->generate(prompts, options);
        for (std::size_t i = 0; i < who.size(); ++i) {
            const runtime::Window w = windows[who[i]][pass];
            out.push_back(runtime::parse_permutation(m_lm->tokenizer().decode(results[i].tokens),
                                                     w.end - w.begin, m_settings.ids));
        }
        return out;
    }

    static void apply(const std::vector<std::size_t>& order, runtime::Window w, CandidateList& list,
                      std::vector<std::string>& texts) {
        CandidateList candidates;
        std::vector<std::string> moved;
        for (std::size_t i : order) {
            candidates.push_back(list[w.begin + i]);
            moved.push_back(std::move(texts[w.begin + i]));
        }
        for (std::size_t i = 0; i < order.size(); ++i) {
            list[w.begin + i] = std::move(candidates[i]);
            texts[w.begin + i] = std::move(moved[i]);
        }
    }

    std::shared_ptr<const runtime::DecoderLm> m_lm;
    std::string m_dir;
    Settings m_settings;
    runtime::ListwisePrompt m_prompt;
    std::vector<std::int32_t> m_identifier_tokens;
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
    LlmListwiseStage::Settings s;
    s.k = params.count("k", 100, 1, 1U << 20);
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
        return std::make_unique<LlmListwiseStage>(std::move(lm), options.dir.string(), s,
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
