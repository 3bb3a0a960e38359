#pragma once
/// The `config.json` of a Hugging Face decoder-only language model (transformers'
/// LlamaConfig, Qwen2Config, Qwen3Config): the fields the forward pass needs, validated.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cascade::model {

/// Decoder families the forward pass implements. All three are pre-RMSNorm transformers with
/// rotary positions, grouped-query attention and a SwiGLU feed-forward block; they differ in
/// where projections carry biases and in Qwen3's per-head query/key RMSNorm.
enum class DecoderArchitecture {
    Llama,  ///< LlamaForCausalLM (Touvron et al., 2023); biases only with attention_bias
    Qwen2,  ///< Qwen2ForCausalLM: q/k/v projections always have biases, o_proj none
    Qwen3,  ///< Qwen3ForCausalLM: RMSNorm on each query and key head before RoPE
};

/// Rotary frequency adjustment ("rope_scaling" / "rope_parameters" in config.json).
struct RopeScaling {
    enum class Kind {
        None,    ///< plain RoPE (Su et al., 2021): inv_freq_i = theta^(-2i/d)
        Llama3,  ///< Llama 3.1's piecewise rescaling of the low frequencies (no attention factor)
    };
    Kind kind = Kind::None;
    double factor = 1.0;
    double low_freq_factor = 1.0;
    double high_freq_factor = 4.0;
    std::int64_t original_max_position_embeddings = 8192;
};

/// Hyper-parameters of a decoder, with transformers' defaults for absent optional fields.
struct DecoderConfig {
    DecoderArchitecture architecture = DecoderArchitecture::Llama;
    std::string architecture_name;  ///< e.g. "Qwen3ForCausalLM", or "llama2.c" for a .bin
    std::string source;             ///< the file it was read from, for messages
    std::int64_t vocab_size = 0;
    std::int64_t hidden_size = 0;
    std::int64_t num_layers = 0;
    std::int64_t num_heads = 0;
    std::int64_t num_kv_heads = 0;  ///< grouped-query attention (Ainslie et al., 2023)
    std::int64_t head_dim = 0;      ///< explicit in Qwen3 (!= hidden / heads), else derived
    std::int64_t intermediate_size = 0;
    std::int64_t max_position_embeddings = 2048;  ///< the longest sequence a cache may hold
    double rope_theta = 10000.0;
    RopeScaling rope_scaling;
    float rms_norm_eps = 1e-6f;
    bool tie_word_embeddings = false;         ///< lm_head reuses model.embed_tokens.weight
    bool qkv_bias = false;                    ///< q/k/v projections have biases
    bool o_bias = false;                      ///< o_proj has a bias (Llama attention_bias)
    bool qk_norm = false;                     ///< Qwen3 q_norm / k_norm
    std::vector<std::int32_t> eos_token_ids;  ///< config's eos_token_id (int or list), may be empty

    [[nodiscard]] std::int64_t q_width() const { return num_heads * head_dim; }
    [[nodiscard]] std::int64_t kv_width() const { return num_kv_heads * head_dim; }
};

/// The decoder architectures accepted in config.json, for error messages.
[[nodiscard]] std::string supported_decoder_architectures();

/// Whether `architectures[0]` of `dir/config.json` names a supported decoder (false when the
/// file is missing, unreadable or names something else); lets callers pick the model family.
[[nodiscard]] bool is_decoder_folder(const std::filesystem::path& dir);

/// Reads and validates `dir/config.json`. Throws Error naming the file and field for anything
/// missing, inconsistent or not implemented (architecture, hidden_act, rope type, sliding
/// window, mlp_bias).
[[nodiscard]] DecoderConfig load_decoder_config(const std::filesystem::path& dir);

/// Checks the shape relations of a config built in code (also called by load_decoder_config);
/// throws InputError naming `cfg.source`.
void validate_decoder_config(const DecoderConfig& cfg);

}  // namespace cascade::model
