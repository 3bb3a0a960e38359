#pragma once
/// SentencePiece's precompiled normalization charsmap, the "Precompiled" normalizer of
/// tokenizer.json files converted from SentencePiece models (XLM-R, T5, ...).
///
/// The blob (sentencepiece normalizer.cc) is `<uint32 LE trie size><darts-clone double-array
/// trie><NUL-terminated replacement strings>`; the trie maps UTF-8 keys to offsets into the
/// strings. Text is rewritten as HF's `spm_precompiled` crate does: per extended grapheme
/// cluster shorter than 6 bytes, the first (shortest) trie match replaces the whole cluster;
/// otherwise code point by code point.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::model::tok {

class PrecompiledCharsmap {
public:
    /// Parses the raw (base64-decoded) charsmap. Throws Error when it is malformed.
    explicit PrecompiledCharsmap(std::string blob);

    /// The replacement for `chunk`, or nullopt when no key is a prefix of it.
    [[nodiscard]] std::optional<std::string_view> transform(std::string_view chunk) const;

    /// Normalizes well-formed UTF-8 `text`.
    [[nodiscard]] std::string normalize(std::string_view text) const;

private:
    void append_code_points(std::string_view cluster, std::string& out) const;

    std::vector<std::uint32_t> m_units;
    std::string m_normalized;
    std::array<std::optional<std::string>, 128> m_ascii;  // transform() of each ASCII char
};

/// Decodes standard base64 (RFC 4648, padding optional). Throws Error on bad characters.
std::string base64_decode(std::string_view text);

}  // namespace cascade::model::tok
