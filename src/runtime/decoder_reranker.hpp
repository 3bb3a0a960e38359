#pragma once
/// Pointwise yes/no LLM re-rankers (Qwen3-Reranker and models built like it) behind the
/// runtime's Model seam: a decoder folder (model::is_decoder_folder) scores (query, document)
/// pairs as logit("yes") − logit("no") at the last position of the prompt of
/// pointwise_prompt.hpp. Relevance probability = sigmoid of that difference (= the softmax
/// over the two logits, as the model card computes it).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/decoder.hpp"
#include "model/kernels/thread_pool.hpp"
#include "runtime/decoder_lm.hpp"
#include "runtime/model.hpp"
#include "runtime/model_options.hpp"
#include "runtime/pointwise_prompt.hpp"

namespace cascade::runtime {

/// P(yes) from the score forward() returns: 1 / (1 + e^−d), in fp32, without overflow.
[[nodiscard]] float yes_probability(float logit_difference);

/// Tokens a DecoderReranker's forward passes took, for reports and tests.
struct PrefixStats {
    std::size_t prompt_tokens = 0;  ///< sum of the prompts' lengths
    std::size_t run_tokens = 0;     ///< tokens that actually went through the model
};

/// One replica of a decoder re-ranker. forward() runs the ids every document of a query
/// shares (type id 0 in its encodings) once per distinct prefix, forks the KV cache per
/// document and runs all continuations in one batched DecoderModel::forward call.
class DecoderReranker final : public Model {
public:
    /// Loads `options.dir` (config.json, safetensors, tokenizer.json). Throws Error naming the
    /// file when the architecture is not supported, the tokenizer lacks <|im_start|> /
    /// <|im_end|> or the yes/no tokens, or max_length exceeds max_position_embeddings.
    DecoderReranker(const ModelOptions& options, std::size_t threads);

    [[nodiscard]] Task task() const override { return Task::ScorePairs; }
    [[nodiscard]] std::size_t max_length() const override { return m_max_length; }
    [[nodiscard]] std::size_t output_width() const override { return 1; }

    /// Prompts with `instruction` (empty: the instruction this copy was loaded with).
    [[nodiscard]] std::vector<model::Encoding> encode_pairs(
        const std::string& query, std::span<const std::string> documents, std::size_t max_length,
        std::string_view instruction = {}) const override;

    /// logit(yes) − logit(no) per encoding, in input order.
    [[nodiscard]] std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                                             std::size_t threads) override;

    /// Off: every prompt runs whole (the oracle of the shared-prefix path in tests).
    void set_shared_prefix(bool on) { m_shared_prefix = on; }
    [[nodiscard]] PrefixStats prefix_stats() const {
        return {m_prompt_tokens.load(), m_run_tokens.load()};
    }
    [[nodiscard]] const PointwisePrompt& prompt() const { return m_prompt; }
    [[nodiscard]] std::int32_t yes_id() const { return m_yes; }
    [[nodiscard]] std::int32_t no_id() const { return m_no; }

private:
    struct Item;
    struct Group;
    [[nodiscard]] model::kernels::ThreadPool& pool(std::size_t threads);
    /// Runs `items` (their missing prefixes first), writing their scores into `out`.
    void run_chunk(std::span<Item> items, std::span<Group> groups, std::vector<float>& out,
                   const model::RunContext& ctx);

    std::filesystem::path m_dir;
    std::shared_ptr<const model::DecoderModel> m_model;  ///< shared_decoder_weights()
    PointwisePrompt m_prompt;
    std::string m_instruction;
    std::int32_t m_yes = 0;
    std::int32_t m_no = 0;
    std::size_t m_max_length = 0;
    std::string m_limit_source;  ///< where m_max_length comes from, for messages
    std::size_t m_batch_size = 32;
    bool m_shared_prefix = true;
    std::vector<std::unique_ptr<model::kernels::ThreadPool>> m_pools;
    std::atomic<std::size_t> m_prompt_tokens{0};
    std::atomic<std::size_t> m_run_tokens{0};
};

/// Evidence after a yes verdict (ModelOptions::evidence_tokens; in the manner of rerankers that
/// explain their verdict, e.g. Prism-Reranker): for each pair i with differences[i] > 0, the
/// pointwise prompt of (queries[i], documents[i]) followed by the yes token, then up to
/// `max_tokens` greedy tokens until a stop token, decoded without special tokens. Empty strings
/// for the other pairs. All prompts generate together (DecoderLm::generate).
[[nodiscard]] std::vector<std::string> pointwise_evidence(
    const DecoderLm& lm, const DecoderReranker& reranker, std::span<const std::string> queries,
    std::span<const std::string> documents, std::span<const float> differences,
    std::size_t max_tokens, std::string_view instruction = {});

/// Whether `dir` holds a decoder (config.json's architectures[0] is a supported decoder, or
/// any `...ForCausalLM`, so that an unsupported one gets the decoder loader's error listing
/// the supported architectures rather than the BERT family's).
[[nodiscard]] bool is_decoder_reranker_folder(const std::filesystem::path& dir);

/// Loads one replica of the decoder re-ranker in `options.dir` for `task` (ScorePairs only:
/// UsageError otherwise).
[[nodiscard]] std::unique_ptr<Model> load_decoder_reranker(const ModelOptions& options, Task task,
                                                           std::size_t threads);

}  // namespace cascade::runtime
