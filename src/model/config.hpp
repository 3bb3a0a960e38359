#pragma once
/// The parts of a Hugging Face model folder that describe the network: `config.json`
/// (transformers PretrainedConfig fields) and the sentence-transformers files `modules.json`
/// and `1_Pooling/config.json`.

#include <cstdint>
#include <filesystem>
#include <string>

namespace cascade::model {

/// Encoder families the forward pass implements.
enum class Architecture {
    Bert,        ///< BERT (Devlin et al., 2019): absolute positions 0..L-1, token types
    XlmRoberta,  ///< XLM-R / RoBERTa (Conneau et al., 2020): positions start at pad_token_id+1
};

/// What the model returns per sequence.
enum class HeadKind {
    SequenceClassification,  ///< `num_labels` logits; a cross-encoder score is the raw logit
    Embedding,               ///< a pooled, optionally L2-normalised vector (bi-encoder)
};

/// How token states become one vector (sentence-transformers Pooling module).
enum class PoolingMode { Cls, Mean };

/// Hyper-parameters read from config.json, with the defaults transformers uses for BERT.
struct ModelConfig {
    Architecture architecture = Architecture::Bert;
    std::string architecture_name;  ///< e.g. "BertForSequenceClassification"
    HeadKind head = HeadKind::Embedding;
    std::int64_t vocab_size = 0;
    std::int64_t hidden_size = 0;
    std::int64_t num_layers = 0;
    std::int64_t num_heads = 0;
    std::int64_t intermediate_size = 0;
    std::int64_t max_position_embeddings = 512;
    std::int64_t type_vocab_size = 2;
    std::int64_t pad_token_id = 0;
    std::int64_t num_labels = 1;
    float layer_norm_eps = 1e-12f;
    PoolingMode pooling = PoolingMode::Cls;
    bool normalize = false;  ///< L2-normalise pooled embeddings (sentence-transformers Normalize)

    [[nodiscard]] std::int64_t head_dim() const { return hidden_size / num_heads; }
    /// Longest sequence the position table allows (XLM-R loses pad_token_id + 1 slots).
    [[nodiscard]] std::int64_t max_sequence_length() const;
};

/// The list of architectures accepted in config.json, for error messages.
[[nodiscard]] std::string supported_architectures();

/// Reads `dir/config.json` and, when present, `dir/modules.json` and the pooling config it
/// points to. Throws Error naming the file and field for anything missing or unsupported.
[[nodiscard]] ModelConfig load_model_config(const std::filesystem::path& dir);

}  // namespace cascade::model
