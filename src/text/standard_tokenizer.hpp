#pragma once
/// A re-implementation of Lucene's StandardTokenizer (Lucene 9), the first step of Anserini's
/// DefaultEnglishAnalyzer.
///
/// Lucene's tokenizer is a JFlex grammar (lucene/core/.../standard/StandardTokenizerImpl.jflex)
/// over the UAX #29 word-break classes, with its own rules for emoji sequences (UTS #51),
/// South-East-Asian runs, and one token per Han or Hiragana character. This scanner follows
/// that grammar's longest-match semantics rule by rule, reading the character classes from
/// ICU (see char_class.hpp). Text between tokens (spaces, punctuation, symbols) is dropped.
/// Differences from Lucene are listed in docs/analysis.md.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cascade::text {

/// Token types, named as Lucene's StandardTokenizer.TOKEN_TYPES.
enum class TokenType : std::uint8_t {
    kAlphanum,
    kNum,
    kSoutheastAsian,
    kIdeographic,
    kHiragana,
    kKatakana,
    kHangul,
    kEmoji,
};

/// Lucene's name for a token type, e.g. "<ALPHANUM>".
[[nodiscard]] std::string_view token_type_name(TokenType type);

/// One token: a byte range [begin, end) of the UTF-8 input.
struct Token {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    TokenType type = TokenType::kAlphanum;
};

/// Lucene's StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH, in UTF-16 code units. A longer match is
/// cut after this many units and scanning restarts at the cut (Lucene >= 7 behaviour, checked by
/// its TestStandardAnalyzer.testMaxTokenLengthDefault), so no text is silently dropped.
inline constexpr std::size_t kMaxTokenLength = 255;

/// Appends the tokens of `utf8` to `out` in text order. `utf8` must be well-formed UTF-8
/// (callers repair input with sanitize_utf8); ill-formed bytes are skipped as non-token text.
/// Stateless and thread-safe. O(n) in the text length. Texts over 4 GiB throw cascade::Error.
void standard_tokenize(std::string_view utf8, std::vector<Token>& out,
                       std::size_t max_token_length = kMaxTokenLength);

}  // namespace cascade::text
