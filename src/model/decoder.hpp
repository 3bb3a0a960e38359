#pragma once
/// Decoder-only language models (Llama, Qwen2, Qwen3) from unchanged Hugging Face folders,
/// with a KV cache, logits for chosen positions and vocabulary rows only, and optional export
/// of attention probabilities.
///
/// The block is the pre-RMSNorm transformer of Llama (Touvron et al., 2023) as transformers'
/// `modeling_llama.py`, `modeling_qwen2.py` and `modeling_qwen3.py` define it:
///   h = x + o_proj(attention(rope(q), rope(k), v)),  q, k, v = proj(rmsnorm(x))
///   x' = h + down_proj(silu(gate_proj(rmsnorm(h))) * up_proj(rmsnorm(h)))
/// with grouped-query attention, Qwen2's q/k/v biases and Qwen3's RMSNorm over each query and
/// key head (before RoPE). Weights are held in fp32 (bf16/fp16 files are widened at load).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "model/decoder_config.hpp"
#include "model/kv_cache.hpp"
#include "model/layers.hpp"
#include "model/rope.hpp"
#include "model/tensor.hpp"

namespace cascade::model {

/// Where a decoder's tensors come from, by Hugging Face name: a safetensors WeightStore, or a
/// checkpoint converted in memory (llama2c.hpp).
struct DecoderTensors {
    /// Whether a tensor of that name exists.
    std::function<bool(const std::string&)> contains;
    /// The tensor as fp32; throws Error naming the file when it is missing or shaped otherwise.
    std::function<Tensor(const std::string&, const std::vector<std::int64_t>&)> load;

    /// Reads through `store` (which must outlive the call that loads the model).
    static DecoderTensors from_store(const WeightStore& store);
};

/// New tokens of one sequence for DecoderModel::forward.
struct DecoderInput {
    std::span<const std::int32_t> tokens;  ///< appended after cache->length(); not empty
    KvCache* cache = nullptr;              ///< from DecoderModel::new_cache(); grows by tokens
    /// Indices into `tokens` whose logits are wanted, in the order returned; empty = none
    /// (a prefix that is only cached).
    std::vector<std::size_t> logit_rows;
    /// Indices into `tokens` whose attention probabilities are exported (for the layers in
    /// DecoderOptions::attention_layers); empty = none.
    std::vector<std::size_t> attention_rows;
};

/// Settings shared by every sequence of one forward call.
struct DecoderOptions {
    /// Vocabulary rows of the output layer to compute (e.g. the ids of "yes" and "no"), in the
    /// order returned; empty = the whole vocabulary. Only these rows of lm_head are read.
    std::vector<std::int32_t> vocab_rows;
    /// Layers (0-based) whose attention probabilities are exported for attention_rows.
    std::vector<std::size_t> attention_layers;
};

/// What forward() returns for one sequence.
struct DecoderOutput {
    /// [logit_rows.size(), vocab_rows.size() or vocab_size]: unnormalised next-token logits.
    Tensor logits;
    /// One tensor per DecoderOptions::attention_layers entry: [num_heads,
    /// attention_rows.size(), keys] where keys = cache length after the call; row r holds the
    /// softmax probabilities of its query over positions 0..its own (zeros after).
    std::vector<Tensor> attention;
};

/// Weights and forward pass of a decoder-only model. Immutable after construction (except
/// quantize_int8): forward() may run from several threads at once on different caches.
class DecoderModel {
public:
    /// How the projections of every block (q/k/v, o, gate/up, down) are held and computed;
    /// embeddings, norms, attention and lm_head stay fp32 in every case.
    enum class Blocks {
        Fp32,  ///< as loaded, widened to fp32
        Bf16,  ///< bf16 weights (Linear::convert_bf16), converted block by block while loading
               ///< so that the whole model is never held in fp32
    };

    /// Loads config.json and model.safetensors (or the shards of
    /// model.safetensors.index.json) from a Hugging Face folder.
    explicit DecoderModel(const std::filesystem::path& dir, Blocks blocks = Blocks::Fp32);
    /// Builds the model from `config` and tensors under Hugging Face names.
    DecoderModel(DecoderConfig config, const DecoderTensors& tensors, Blocks blocks = Blocks::Fp32);

    [[nodiscard]] const DecoderConfig& config() const { return m_config; }

    /// An empty cache for this model holding up to max_position_embeddings positions, with
    /// `reserve` rows allocated up front.
    [[nodiscard]] KvCache new_cache(std::size_t reserve = 0) const;

    /// Runs the new tokens of each input through the model, appends their keys and values to
    /// the input's cache and returns the requested logits and attention probabilities, one
    /// output per input. All inputs' rows go through each linear layer together; attention is
    /// per sequence against its own cache. Each input needs its own cache. Throws Error for
    /// empty inputs, token ids outside the vocabulary, a cache from another model, more
    /// positions than max_position_embeddings and out-of-range row or layer indices.
    [[nodiscard]] std::vector<DecoderOutput> forward(std::span<DecoderInput> inputs,
                                                     const DecoderOptions& options,
                                                     const RunContext& ctx) const;

    /// Convenience: appends `tokens` to `cache` and returns the logits of the last one (all
    /// of the vocabulary, or `vocab_rows` in that order).
    [[nodiscard]] std::vector<float> last_logits(
        std::span<const std::int32_t> tokens, KvCache& cache, const RunContext& ctx,
        std::span<const std::int32_t> vocab_rows = {}) const;

    /// Switches the projections of every block (q/k/v, o, gate/up, down) to int8 dynamic
    /// quantization (kernels/int8_gemm); embeddings, norms, attention and lm_head stay fp32.
    /// Only on a model loaded with Blocks::Fp32.
    void quantize_int8();

private:
    struct Layer {
        Tensor input_norm;  ///< input_layernorm.weight [H]
        Linear qkv;         ///< q_proj, k_proj, v_proj fused: [q_width + 2 kv_width, H]
        Tensor q_norm;      ///< Qwen3 self_attn.q_norm.weight [head_dim]
        Tensor k_norm;
        Linear o_proj;
        Tensor post_norm;  ///< post_attention_layernorm.weight [H]
        Linear gate_up;    ///< gate_proj, up_proj fused: [2 I, H]
        Linear down;
    };
    struct Batch;

    void load(const DecoderTensors& tensors, Blocks blocks);
    void check_inputs(std::span<DecoderInput> inputs, const DecoderOptions& options) const;
    void run_layer(std::size_t index, Batch& b, std::span<DecoderInput> inputs,
                   const DecoderOptions& options, std::vector<DecoderOutput>& outputs,
                   const RunContext& ctx) const;
    void compute_logits(Batch& b, std::span<DecoderInput> inputs, const DecoderOptions& options,
                        std::vector<DecoderOutput>& outputs, const RunContext& ctx) const;
    /// lm_head rows [vocab, H] (the embedding table when tied).
    [[nodiscard]] const float* output_weights() const { return m_lm_head.weight(); }
    [[nodiscard]] const float* embedding_table() const {
        return m_config.tie_word_embeddings ? m_lm_head.weight() : m_embed.data();
    }

    DecoderConfig m_config;
    RotaryEmbedding m_rope;
    Tensor m_embed;  ///< model.embed_tokens.weight, empty when tied (then m_lm_head holds it)
    std::vector<Layer> m_layers;
    Tensor m_final_norm;
    Linear m_lm_head;
};

}  // namespace cascade::model
