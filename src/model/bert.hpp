#pragma once
/// BERT-family encoders (BERT, RoBERTa, XLM-RoBERTa) with a sequence-classification or pooling
/// head, run on packed variable-length sequences.
///
/// Architecture as in Devlin et al. (2019), "BERT", and the Hugging Face `modeling_bert.py` /
/// `modeling_xlm_roberta.py` conventions: post-LayerNorm residual blocks, exact GELU,
/// learned absolute positions (XLM-R: positions count non-padding tokens from
/// pad_token_id + 1), classification through the tanh pooler (BERT) or the two-layer
/// classification head on the first token (RoBERTa).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/layers.hpp"

namespace cascade::model {

/// One unpadded input sequence. Empty token_type_ids means all zeros.
struct Sequence {
    std::vector<std::int32_t> input_ids;
    std::vector<std::int32_t> token_type_ids;
    /// Keys every token attends to: the first `attended` tokens (0: all of them). The tokens
    /// after them are encoded but never attended to, as under a Hugging Face attention mask
    /// 1…1 0…0; ColBERT's query augmentation pads queries with [MASK] tokens this way
    /// (colbert-ai, QueryTokenizer.tensorize).
    std::size_t attended = 0;
};

/// Weights and forward pass of an encoder with its head.
class BertModel {
public:
    /// Loads config.json, the weights and the sentence-transformers files from `dir`.
    explicit BertModel(const std::filesystem::path& dir);
    BertModel(ModelConfig config, const WeightStore& store);

    [[nodiscard]] const ModelConfig& config() const { return m_config; }

    /// Last hidden states of a batch, packed: rows [offsets[s], offsets[s+1]) belong to
    /// sequence s. Throws Error for empty or over-long sequences and out-of-range ids.
    [[nodiscard]] Tensor encode(const std::vector<const Sequence*>& batch,
                                std::vector<std::size_t>& offsets, const RunContext& ctx) const;

    /// Receives the last hidden states of a packed sub-batch: sequences [first, first + n) of
    /// the batch, n = offsets.size() - 1, sequence first + s in rows [offsets[s],
    /// offsets[s+1]) of `states` ([tokens, hidden_size], valid during the call only).
    using StatesConsumer = std::function<void(std::size_t first, const float* states,
                                              const std::vector<std::size_t>& offsets)>;
    /// Last hidden states of every token, sub-batch by sub-batch as forward() runs them (the
    /// same token budget and reused activations), handed to `consume` in batch order; for
    /// the token-level heads (SPLADE, ColBERT, TILDEv2) that read every token. Throws as
    /// encode().
    void encode_each(const std::vector<const Sequence*>& batch, const RunContext& ctx,
                     const StatesConsumer& consume) const;

    /// The prefix of the encoder's tensor names in the weights: "", "bert." or "roberta.".
    [[nodiscard]] const std::string& weight_prefix() const { return m_prefix; }

    /// Head output per sequence: num_labels logits, or the pooled (normalised) embedding.
    /// Runs the batch in packed sub-batches of at most kTokensPerThread tokens per pool thread
    /// (a longer sequence alone), which keeps activations cache-resident between ops.
    [[nodiscard]] std::vector<std::vector<float>> forward(const std::vector<const Sequence*>& batch,
                                                          const RunContext& ctx) const;

    /// Tokens per thread in one packed sub-batch of forward(): measured on Zen 4 (1 MB L2,
    /// 32 MB L3) at 128 tokens, 512 was 4 % (fp32) and 12 % (int8) faster than 4,096.
    static constexpr std::size_t kTokensPerThread = 512;

    /// Switches every linear layer of the encoder to int8 dynamic quantization.
    void quantize_int8();
    /// Switches every linear layer of the encoder to bf16 weights (Linear::convert_bf16); the
    /// pooler and classifier stay fp32.
    void convert_bf16();

    /// Whether forward() runs the last layer for the first token of each sequence only. The
    /// sequence-classification heads and CLS pooling read nothing but the first token's final
    /// state, so in the last layer only keys and values are needed for every token; queries,
    /// attention output, residual + LayerNorm and the feed-forward block are computed for the
    /// first row of each sequence. Exact (the skipped rows are never read), not an
    /// approximation. Mean pooling reads every row and always takes the full path.
    [[nodiscard]] bool first_token_last_layer() const;
    /// Allows (default) or forbids the first-token last layer; forbidding it forces the full
    /// last layer, for tests that compare the two.
    void set_first_token_last_layer(bool allowed) { m_first_token_allowed = allowed; }

private:
    struct Layer {
        Linear qkv;    ///< query, key and value fused into one [3H, H] product (all but the last)
        Linear query;  ///< last layer: query alone, so it can run on first tokens only
        Linear key_value;  ///< last layer: key and value fused into one [2H, H] product
        Linear attention_out;
        LayerNorm attention_norm;
        Linear intermediate;
        Linear output;
        LayerNorm output_norm;
    };

    void load(const WeightStore& store);
    void embed(const std::vector<const Sequence*>& batch, const std::vector<std::size_t>& offsets,
               float* x, const RunContext& ctx) const;
    /// Activations of one forward pass, reused by every layer and, through
    /// m_spare_workspaces, by later passes (no fresh pages to fault in and zero per batch).
    struct Workspace {
        std::vector<float> x, first, qkv, context, ffn;
        /// Keys each sequence attends to (Sequence::attended made explicit); empty when every
        /// sequence of the pass attends to all of its tokens (the ops::attention path).
        std::vector<std::size_t> keys;
    };
    /// Runs the encoder into ws and returns the final hidden states: every token's (ws.x,
    /// [tokens, H], rows packed as `offsets` says) or, when `first_only`, the first token's
    /// of each sequence (ws.first, [seqs, H]).
    const float* run_encoder(const std::vector<const Sequence*>& batch,
                             std::vector<std::size_t>& offsets, bool first_only, Workspace& ws,
                             const RunContext& ctx) const;
    /// Self-attention of every token into ws.context.
    void attend(const Layer& layer, const float* x, const std::vector<std::size_t>& offsets,
                Workspace& ws, const RunContext& ctx) const;
    /// Attention output projection, residual + LayerNorm and the feed-forward block with its
    /// residual + LayerNorm, for `rows` rows of x whose attention context is in ws.context.
    static void finish_layer(const Layer& layer, float* x, std::size_t rows, Workspace& ws,
                             const RunContext& ctx);
    void run_layer(const Layer& layer, float* x, const std::vector<std::size_t>& offsets,
                   Workspace& ws, const RunContext& ctx) const;
    /// The last layer for the first token of each sequence, into ws.first ([seqs, H]).
    void run_last_layer_first_tokens(const Layer& layer, const float* x,
                                     const std::vector<std::size_t>& offsets, Workspace& ws,
                                     const RunContext& ctx) const;
    /// Calls run(b, e) for consecutive sub-batches [b, e) of about kTokensPerThread tokens per
    /// pool thread (a longer sequence alone).
    static void for_each_sub_batch(const std::vector<const Sequence*>& batch, const RunContext& ctx,
                                   const std::function<void(std::size_t, std::size_t)>& run);
    /// forward() for one packed sub-batch.
    [[nodiscard]] std::vector<std::vector<float>> forward_packed(
        const std::vector<const Sequence*>& batch, const RunContext& ctx) const;
    [[nodiscard]] std::unique_ptr<Workspace> take_workspace() const;
    void return_workspace(std::unique_ptr<Workspace> ws) const;
    [[nodiscard]] std::vector<float> head(const float* states, std::size_t len,
                                          const RunContext& ctx) const;

    ModelConfig m_config;
    std::string m_prefix;  ///< "", "bert.", "roberta." as found in the weights
    Tensor m_word_embeddings;
    Tensor m_position_embeddings;
    Tensor m_type_embeddings;
    LayerNorm m_embedding_norm;
    std::vector<Layer> m_layers;
    Linear m_pooler;      ///< BERT pooler, or RoBERTa classifier.dense
    Linear m_classifier;  ///< BERT classifier, or RoBERTa classifier.out_proj
    bool m_first_token_allowed = true;
    mutable std::mutex m_workspace_mutex;
    /// Idle workspaces (one per concurrent forward() at most), keeping their largest size.
    mutable std::vector<std::unique_ptr<Workspace>> m_spare_workspaces;
};

}  // namespace cascade::model
