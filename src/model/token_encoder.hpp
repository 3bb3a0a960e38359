#pragma once
/// What the token-level encoders (SPLADE, ColBERT, TILDEv2) share: a model folder's tokenizer
/// and BERT encoder, thread pools, and a run loop that hands every token's final hidden
/// state to the family's head in packed sub-batches.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "model/bert.hpp"
#include "model/encoder.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace cascade::model {

/// Tokenizer + BERT encoder + thread pools of one token-level model folder.
class TokenEncoderCore {
public:
    /// Loads `dir`'s tokenizer and the encoder described by `config` from `store` (int8 when
    /// options.int8; heads stay fp32). Throws Error when the tokenizer has more tokens than
    /// the model has embeddings, UsageError for threads or batch_size 0.
    TokenEncoderCore(const std::filesystem::path& dir, ModelConfig config, const WeightStore& store,
                     EncoderOptions options);

    [[nodiscard]] const Tokenizer& tokenizer() const { return m_tokenizer; }
    [[nodiscard]] const BertModel& bert() const { return *m_bert; }
    [[nodiscard]] const ModelConfig& config() const { return m_bert->config(); }
    /// The longest sequence the position table allows.
    [[nodiscard]] std::size_t model_max_length() const;
    /// `requested`, or `fallback` when it is 0; UsageError when over model_max_length() or
    /// too short for the special tokens plus one token of text.
    [[nodiscard]] std::size_t resolve_max_length(std::size_t requested, std::size_t fallback) const;

    /// Receives a packed sub-batch: indices[s] is the position in run()'s input of sequence
    /// s, whose last hidden states are rows [offsets[s], offsets[s+1]) of `states`
    /// ([tokens, hidden_size], valid during the call only).
    using Consumer =
        std::function<void(std::span<const std::size_t> indices, const float* states,
                           const std::vector<std::size_t>& offsets, const RunContext& ctx)>;
    /// Encodes every non-empty sequence (empty ones are skipped: consume never sees them), in
    /// batches of options.batch_size sequences of similar length, on `threads` threads
    /// (clamped to [1, options.threads]). Not for concurrent calls on one core.
    void run(const std::vector<Sequence>& sequences, std::size_t threads, const Consumer& consume);

    /// The ids and type ids of `encoding`, every token kept (no padding is dropped).
    [[nodiscard]] static Sequence sequence_of(const Encoding& encoding);

private:
    [[nodiscard]] kernels::ThreadPool& pool(std::size_t threads);

    Tokenizer m_tokenizer;
    std::unique_ptr<BertModel> m_bert;
    EncoderOptions m_options;
    std::vector<std::unique_ptr<kernels::ThreadPool>> m_pools;  ///< [t - 1] runs t threads
};

}  // namespace cascade::model
