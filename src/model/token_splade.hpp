#pragma once
/// SPLADE (Formal et al., 2021, "SPLADE: Sparse Lexical and Expansion Model for First Stage
/// Ranking"; SPLADE v2, 2021): a BERT masked-language model whose MLM logits become one weight
/// per vocabulary entry, w_j = max_i log(1 + ReLU(logit_ij)) over the tokens i of the text,
/// special tokens included, as naver/splade computes it (splade/models/transformer_rep.py,
/// Splade.encode with agg="max"). The same model encodes queries and documents.
///
/// Folders: a Hugging Face `BertForMaskedLM` (e.g. naver/splade-cocondenser-ensembledistil):
/// the encoder under `bert.` and the MLM head `cls.predictions.transform.dense`,
/// `cls.predictions.transform.LayerNorm`, the decoder `cls.predictions.decoder.weight` (absent
/// when tied to the word embeddings, which are used then) and its bias `cls.predictions.bias`
/// (or `cls.predictions.decoder.bias`).

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "model/layers.hpp"
#include "model/token_encoder.hpp"

namespace cascade::model {

class SpladeEncoder {
public:
    /// Loads a BertForMaskedLM folder. `max_length` 0 means the tokenizer.json truncation
    /// length if it has one, else the model's position limit. Throws UsageError naming the
    /// folder and the architecture found for a folder of another kind (a cross-encoder, a
    /// DistilBERT MLM, ...), Error naming the missing tensor when the MLM head is incomplete.
    SpladeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                  std::size_t max_length = 0);
    /// The same model from `store` without the architecture check, for folders with the same
    /// encoder + cls.predictions layout under another name (TILDE's BertLMHeadModel,
    /// model/token_expand.hpp); the caller checks the kind.
    SpladeEncoder(const std::filesystem::path& dir, EncoderOptions options, std::size_t max_length,
                  const WeightStore& store);

    [[nodiscard]] const Tokenizer& tokenizer() const { return m_core.tokenizer(); }
    [[nodiscard]] std::size_t max_length() const { return m_max_length; }
    /// Weights per text: the model's vocabulary size (config.json vocab_size).
    [[nodiscard]] std::size_t vocab_size() const { return m_vocab_size; }

    /// `[CLS] text [SEP]` truncated to `max_length` tokens (0: max_length()).
    [[nodiscard]] Encoding encode(std::string_view text, std::size_t max_length = 0) const;
    /// vocab_size() weights per encoding, concatenated in input order: the max over its
    /// tokens (those with attention mask 1) of log(1 + ReLU(logit)); all zeros for an
    /// encoding without tokens. Runs on `threads` threads.
    [[nodiscard]] std::vector<float> weights(const std::vector<Encoding>& encodings,
                                             std::size_t threads);
    /// The MLM logits of every token of `encoding`, [tokens, vocab_size()] row-major.
    [[nodiscard]] std::vector<float> logits(const Encoding& encoding, std::size_t threads);
    /// The MLM logits of the first token of each encoding (the only row computed),
    /// [encodings, vocab_size()] row-major; zeros for an encoding without tokens.
    [[nodiscard]] std::vector<float> first_token_logits(const std::vector<Encoding>& encodings,
                                                        std::size_t threads);

    /// Vocabulary entries per block of the MLM decoder: the [vocab, H] product runs block by
    /// block over a whole sub-batch of tokens (each block's weights, 3 MB at H = 384, read once
    /// per sub-batch) and each block's per-text max runs in parallel over the texts. On a
    /// MiniLM-sized SPLADE (30,522 entries, 128-token SciFact passages, an AVX-512 AMD EPYC
    /// shared by other jobs) this took two threads from 25 to 55 passages/s against 128-row blocks
    /// over the whole vocabulary; one thread stayed at 30/s, bound by the product's arithmetic.
    static constexpr std::size_t kVocabBlock = 2048;

private:
    /// The MLM transform (dense, GELU, LayerNorm) of `rows` final hidden states, in place in
    /// `out` [rows, H].
    void transform(const float* states, std::size_t rows, float* out, const RunContext& ctx) const;

    TokenEncoderCore m_core;
    Linear m_transform;  ///< cls.predictions.transform.dense, GELU applied in its pass
    LayerNorm m_transform_norm;
    /// The decoder [vocab, H] + bias, cut into blocks of kVocabBlock entries (the last
    /// shorter); block b covers entries [b · kVocabBlock, ...).
    std::vector<Linear> m_decoder;
    std::size_t m_vocab_size = 0;
    std::size_t m_max_length = 0;
};

}  // namespace cascade::model
