#pragma once
/// Text generation on a DecoderModel: greedy decoding or temperature / nucleus (top-p)
/// sampling (Holtzman et al., 2020) with a seeded generator, stop tokens and a token limit.

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "model/decoder.hpp"

namespace cascade::model {

struct GenerationOptions {
    std::size_t max_new_tokens = 32;
    /// Generation ends after emitting one of these (it is included in the result).
    std::vector<std::int32_t> stop_tokens;
    /// 0 = greedy (argmax, lowest id on ties); otherwise logits are divided by it.
    float temperature = 0.0f;
    /// Nucleus sampling: draw from the smallest set of most likely tokens whose probability
    /// reaches top_p (1 = the whole distribution). Ignored when greedy.
    float top_p = 1.0f;
    std::uint64_t seed = 0;  ///< same seed, model and prompt: same tokens
};

struct GenerationResult {
    std::vector<std::int32_t> tokens;  ///< generated tokens (the stop token included)
    bool stopped = false;              ///< ended on a stop token rather than the limit
};

/// Picks next tokens from logits as GenerationOptions say; keeps its random state.
class TokenSampler {
public:
    explicit TokenSampler(const GenerationOptions& options);
    /// The next token for `logits` over the full vocabulary.
    [[nodiscard]] std::int32_t next(std::span<const float> logits);

private:
    float m_temperature;
    float m_top_p;
    std::mt19937_64 m_rng;
    std::vector<std::pair<float, std::int32_t>> m_candidates;  ///< reused buffer
};

/// Index of the largest logit, the lowest index on ties.
[[nodiscard]] std::int32_t argmax(std::span<const float> logits);

/// Appends `prompt` (not empty) to `cache`, which may already hold a prefix, and generates up to
/// max_new_tokens tokens, one forward step each, stopping after a stop token or when the cache
/// reaches max_position_embeddings. The cache ends holding the prompt and every generated token
/// except the last.
[[nodiscard]] GenerationResult generate(const DecoderModel& model,
                                        std::span<const std::int32_t> prompt, KvCache& cache,
                                        const GenerationOptions& options, const RunContext& ctx);

/// generate() for several prompts at once: each step runs every unfinished sequence's next
/// token through one DecoderModel::forward call, so the weights are read once per step for all
/// of them. `caches[i]` (one per prompt, may hold a prefix) plays generate()'s `cache`; each
/// sequence has its own sampler (same options) and gets the tokens generate() would give it.
[[nodiscard]] std::vector<GenerationResult> generate_batch(
    const DecoderModel& model, std::span<const std::span<const std::int32_t>> prompts,
    std::span<KvCache> caches, const GenerationOptions& options, const RunContext& ctx);

}  // namespace cascade::model
