#pragma once
/// Token strings back to text: the "decoder" section of a Hugging Face tokenizer.json
/// (tokenizers' `decoders` module), for the text an LLM generates (listwise permutations,
/// evidence). A decoder turns the list of token strings into a list of strings whose
/// concatenation is the text.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

class Decoder {
public:
    virtual ~Decoder() = default;
    /// Rewrites `tokens` in place (a step of a chain may merge them).
    virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

/// Builds the decoder described by `config` (null gives nullptr: tokens are then joined with
/// spaces, as tokenizers does). Supported types: ByteLevel, WordPiece, Metaspace, Replace
/// (string patterns), ByteFallback, Fuse, Strip, Sequence. Any other type throws Error naming it.
[[nodiscard]] std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config);

/// Runs `decoder` (may be null) over `tokens` and joins the result.
[[nodiscard]] std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace cascade::model::tok
