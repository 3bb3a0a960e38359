#pragma once
/// Pre-tokenizers of Hugging Face `tokenizers` (tokenizers/src/pre_tokenizers/), read from the
/// "pre_tokenizer" object of a tokenizer.json. They cut normalized text into words that the
/// model then tokenizes one by one.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

/// One piece of pre-tokenized text.
struct Piece {
    std::string text;
    /// True when the piece begins at the start of the whole input (Metaspace "first").
    bool at_origin = false;
};

/// Splits pieces into finer pieces. Implementations are immutable and thread-safe.
class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    /// Replaces `pieces` with their splits, in order.
    virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

/// Builds the pre-tokenizer described by `config` (null gives nullptr). Supported types:
/// BertPreTokenizer, ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, Punctuation,
/// Digits, CharDelimiterSplit, Sequence. Any other type throws Error naming it.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config);

/// GPT-2's reversible byte-to-unicode table (openai/gpt-2 encoder.py `bytes_to_unicode`):
/// printable Latin-1 bytes map to themselves, the other 68 to U+0100 onwards. UTF-8 strings.
const std::array<std::string, 256>& byte_to_unicode();

/// `text` with every byte replaced by its byte_to_unicode() character.
std::string byte_level_encode(const std::string& text);

}  // namespace cascade::model::tok
