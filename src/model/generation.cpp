#include "model/generation.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::model {

std::int32_t argmax(std::span<const float> logits) {
    CASCADE_ASSERT(!logits.empty());
    return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) -
                                     logits.begin());
}

TokenSampler::TokenSampler(const GenerationOptions& options)
    : m_temperature(options.temperature), m_top_p(options.top_p), m_rng(options.seed) {
    if (!(options.temperature >= 0.0f) || !(options.top_p > 0.0f && options.top_p <= 1.0f))
        throw Error(fmt::format("generation needs temperature >= 0 and 0 < top_p <= 1 (got {}, {})",
                                options.temperature, options.top_p));
}

std::int32_t TokenSampler::next(std::span<const float> logits) {
    if (m_temperature == 0.0f)
        return argmax(logits);
    // Softmax of logits / T, largest first; ties by id so the order is deterministic.
    const float top = *std::max_element(logits.begin(), logits.end());
    m_candidates.resize(logits.size());
    double total = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const auto p = static_cast<float>(std::exp((logits[i] - top) / m_temperature));
        m_candidates[i] = {p, static_cast<std::int32_t>(i)};
        total += p;
    }
    auto by_probability = [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    std::size_t keep = m_candidates.size();
    if (m_top_p < 1.0f) {
        std::sort(m_candidates.begin(), m_candidates.end(), by_probability);
        double cumulative = 0;
        for (keep = 0; keep < m_candidates.size();) {
            cumulative += m_candidates[keep++].first / total;
            if (cumulative >= m_top_p)
                break;
        }
    }
    double mass = 0;
    for (std::size_t i = 0; i < keep; ++i)
        mass += m_candidates[i].first;
    const double coin = std::uniform_real_distribution<double>(0.0, mass)(m_rng);
    double cumulative = 0;
    for (std::size_t i = 0; i < keep; ++i) {
        cumulative += m_candidates[i].first;
        if (coin < cumulative)
            return m_candidates[i].second;
    }
    return m_candidates[keep - 1].second;  // rounding at the very top
}

GenerationResult generate(const DecoderModel& model, std::span<const std::int32_t> prompt,
                          KvCache& cache, const GenerationOptions& options, const RunContext& ctx) {
    TokenSampler sampler(options);
    GenerationResult result;
    if (options.max_new_tokens == 0)
        return result;
    if (prompt.empty())
        throw Error(
            "generation needs at least one prompt token (after a cached prefix, pass "
            "the rest of the prompt)");
    std::vector<float> logits = model.last_logits(prompt, cache, ctx);
    const auto limit = static_cast<std::size_t>(model.config().max_position_embeddings);
    for (;;) {
        const std::int32_t token = sampler.next(logits);
        result.tokens.push_back(token);
        if (std::find(options.stop_tokens.begin(), options.stop_tokens.end(), token) !=
            options.stop_tokens.end()) {
            result.stopped = true;
            break;
        }
        if (result.tokens.size() >= options.max_new_tokens || cache.length() >= limit)
            break;
        logits = model.last_logits(std::span<const std::int32_t>(&token, 1), cache, ctx);
    }
    return result;
}

std::vector<GenerationResult> generate_batch(const DecoderModel& model,
                                             std::span<const std::span<const std::int32_t>> prompts,
                                             std::span<KvCache> caches,
                                             const GenerationOptions& options,
                                             const RunContext& ctx) {
    CASCADE_ASSERT(prompts.size() == caches.size());
    std::vector<GenerationResult> results(prompts.size());
    if (options.max_new_tokens == 0 || prompts.empty())
        return results;
    for (const auto& p : prompts)
        if (p.empty())
            throw Error("generation needs at least one prompt token in every sequence");
    std::vector<TokenSampler> samplers(prompts.size(), TokenSampler(options));
    const auto limit = static_cast<std::size_t>(model.config().max_position_embeddings);
    std::vector<std::size_t> active(prompts.size());
    for (std::size_t i = 0; i < active.size(); ++i)
        active[i] = i;
    std::vector<std::int32_t> last(prompts.size());
    bool first = true;
    while (!active.empty()) {
        std::vector<DecoderInput> inputs;
        inputs.reserve(active.size());
        for (std::size_t i : active) {
            DecoderInput in;
            in.tokens = first ? prompts[i] : std::span<const std::int32_t>(&last[i], 1);
            in.cache = &caches[i];
            in.logit_rows = {in.tokens.size() - 1};
            inputs.push_back(std::move(in));
        }
        const auto outputs = model.forward(inputs, DecoderOptions{}, ctx);
        first = false;
        std::vector<std::size_t> still;
        for (std::size_t a = 0; a < active.size(); ++a) {
            const std::size_t i = active[a];
            const std::int32_t token = samplers[i].next(outputs[a].logits.values());
            results[i].tokens.push_back(token);
            last[i] = token;
            if (std::find(options.stop_tokens.begin(), options.stop_tokens.end(), token) !=
                options.stop_tokens.end()) {
                results[i].stopped = true;
                continue;
            }
            if (results[i].tokens.size() < options.max_new_tokens && caches[i].length() < limit)
                still.push_back(i);
        }
        active = std::move(still);
    }
    return results;
}

}  // namespace cascade::model
