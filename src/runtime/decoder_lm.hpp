#pragma once
/// Decoder language models for the re-rankers that read more of an LLM than one yes/no logit:
/// listwise ranking by generation (RankGPT) or by first-token logits (FIRST), ICR (attention
/// weights) and evidence generation after a pointwise verdict. Whole prompts are built by the
/// methods (runtime/listwise.hpp, runtime/icr.hpp); this class holds the model, its tokenizer
/// and chat format, and runs batches of prompts on the model's thread budget.
///
/// Weights are shared: every DecoderLm and DecoderReranker of one folder and precision in a
/// process holds the same immutable copy (shared_decoder_weights).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/decoder.hpp"
#include "model/generation.hpp"
#include "model/kernels/thread_pool.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "runtime/chat_format.hpp"
#include "runtime/model_options.hpp"

namespace cascade::runtime {

/// The decoder weights of `options.dir` at `options.precision`, loaded on first use and shared
/// while anyone holds them. Throws what DecoderModel's constructor throws.
[[nodiscard]] std::shared_ptr<const model::DecoderModel> shared_decoder_weights(
    const ModelOptions& options);

class DecoderLm {
public:
    /// Loads (or shares) the weights of `options.dir`, its tokenizer.json and chat format.
    explicit DecoderLm(const ModelOptions& options);

    [[nodiscard]] const ModelOptions& options() const { return m_options; }
    [[nodiscard]] const model::DecoderModel& model() const { return *m_model; }
    [[nodiscard]] const model::Tokenizer& tokenizer() const { return m_tokenizer; }
    [[nodiscard]] const ChatFormat& chat() const { return m_chat; }

    /// Ids of `text` without special tokens; the first `max_tokens` of them when > 0.
    [[nodiscard]] std::vector<std::int32_t> ids(std::string_view text,
                                                std::size_t max_tokens = 0) const;
    /// The id of `text` when it is one token; InputError naming the tokenizer file and `what`
    /// otherwise.
    [[nodiscard]] std::int32_t single_token(std::string_view text, std::string_view what) const;
    /// Tokens that end a generated answer: the chat format's end of turn (`<|im_end|>` or
    /// `<|eot_id|>`), `<|endoftext|>` and config.json's
    /// eos_token_id.
    [[nodiscard]] const std::vector<std::int32_t>& stop_tokens() const { return m_stops; }
    /// The longest prompt accepted: max_length, else max_position_embeddings.
    [[nodiscard]] std::size_t context() const { return m_context; }
    /// Error naming the limit when a prompt of `tokens` (plus `reserve` generated) does not
    /// fit; `what` names the prompt.
    void check_fits(std::size_t tokens, std::size_t reserve, std::string_view what) const;

    /// Logits of `vocab_rows` (in that order) at the last position of each prompt.
    [[nodiscard]] std::vector<std::vector<float>> last_logits(
        std::span<const std::vector<std::int32_t>> prompts,
        std::span<const std::int32_t> vocab_rows) const;
    /// Generates after each prompt (batched decoding, model::generate_batch).
    [[nodiscard]] std::vector<model::GenerationResult> generate(
        std::span<const std::vector<std::int32_t>> prompts,
        const model::GenerationOptions& options) const;

    /// For ICR: runs `prefix` once, then each continuation from a copy of its cache, and returns
    /// for each continuation and each span [begin, end) of prefix positions the attention
    /// probability its tokens put on the span's tokens, summed over the span, all layers and
    /// heads, and averaged over the continuation's tokens.
    [[nodiscard]] std::vector<std::vector<double>> attention_mass(
        std::span<const std::int32_t> prefix,
        std::span<const std::vector<std::int32_t>> continuations,
        std::span<const std::pair<std::size_t, std::size_t>> spans) const;

private:
    [[nodiscard]] model::RunContext context_for_call() const;

    ModelOptions m_options;
    std::shared_ptr<const model::DecoderModel> m_model;
    std::filesystem::path m_tokenizer_file;
    model::Tokenizer m_tokenizer;
    ChatFormat m_chat;
    std::vector<std::int32_t> m_stops;
    std::size_t m_context = 0;
    std::string m_limit_source;
    /// Calls run one at a time on the model's thread budget (as the scheduler's one worker
    /// per replica does); the weights themselves are shared and read-only.
    mutable std::mutex m_mutex;
    mutable model::kernels::ThreadPool m_pool;
};

}  // namespace cascade::runtime
