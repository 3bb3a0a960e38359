#pragma once
/// Normalizers of Hugging Face `tokenizers` (tokenizers/src/normalizers/), read from the
/// "normalizer" object of a tokenizer.json. Offsets are not tracked: cascade needs ids only.

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

/// Rewrites text before pre-tokenization. Implementations are immutable and thread-safe.
class Normalizer {
public:
    virtual ~Normalizer() = default;
    /// Normalizes `text` (well-formed UTF-8) in place.
    virtual void normalize(std::string& text) const = 0;
};

/// Builds the normalizer described by `config` (null gives nullptr). Supported types:
/// BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Replace, Prepend, Strip,
/// Precompiled (SentencePiece charsmap), Sequence. Any other type throws Error naming it.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config);

}  // namespace cascade::model::tok
