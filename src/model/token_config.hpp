#pragma once
/// Which token-level model a Hugging Face folder holds (SPLADE, ColBERT, TILDEv2) and the
/// encoder hyper-parameters of its config.json. These folders name architectures that
/// model/config.hpp does not accept as plain encoders (BertForMaskedLM, HF_ColBERT, TILDEv2),
/// so they are recognised here and read with the same rules and defaults.

#include <filesystem>
#include <string>
#include <string_view>

#include "model/config.hpp"

namespace cascade::model {

/// The token-level model families.
enum class TokenModelKind {
    None,     ///< not a token-level folder (or no readable config.json)
    Splade,   ///< `BertForMaskedLM`: SPLADE (Formal et al., 2021), sparse vocabulary weights
    Colbert,  ///< `HF_ColBERT` (colbert-ai): ColBERT (Khattab & Zaharia, 2020) token vectors
    Tilde,  ///< `TILDEv2` (ielab/TILDE): a contextualised weight per token (Zhuang & Zuccon, 2021)
};

/// "SPLADE (BertForMaskedLM)", "ColBERT (HF_ColBERT)", "TILDEv2", "none".
[[nodiscard]] std::string_view to_string(TokenModelKind kind);

/// architectures[0] of `dir/config.json`; empty when the file is absent, unreadable or names
/// none.
[[nodiscard]] std::string config_architecture(const std::filesystem::path& dir);

/// The kind of `dir` from its config.json `architectures` (exactly BertForMaskedLM, HF_ColBERT
/// or TILDEv2; BERT cross- and bi-encoder folders, other masked LMs and folders without a
/// config.json are None). Never throws for a bad folder: it returns None.
[[nodiscard]] TokenModelKind token_model_kind(const std::filesystem::path& dir);

/// The encoder's hyper-parameters from `dir/config.json` of a token-level folder, as
/// load_model_config() reads them (same fields, defaults and checks); the architecture follows
/// `model_type` ("bert", or for ColBERT also "roberta" / "xlm-roberta"). head is Embedding
/// (no pooling head is loaded). Throws InputError naming the file and field.
[[nodiscard]] ModelConfig load_token_encoder_config(const std::filesystem::path& dir,
                                                    TokenModelKind kind);

}  // namespace cascade::model
