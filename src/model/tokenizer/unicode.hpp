#pragma once
/// Unicode helpers for the tokenizers: UTF-8 code point iteration and the character classes and
/// normalizations that Hugging Face `tokenizers` (Rust) uses, answered through ICU.

#include <cstddef>
#include <string>
#include <string_view>

#include "util/utf8.hpp"

namespace cascade::model::tok {

/// Decodes the code point starting at `s[i]` of well-formed UTF-8 and advances `i` past it.
char32_t next_code_point(std::string_view s, std::size_t& i);

/// Byte length of the UTF-8 sequence introduced by lead byte `lead` (1 for stray bytes).
std::size_t utf8_length(unsigned char lead);

/// Appends `cp` to `out` as UTF-8 (shared with the rest of cascade, util/utf8.hpp).
using cascade::append_utf8;

/// Number of code points in well-formed UTF-8 `s`.
std::size_t count_code_points(std::string_view s);

/// Rust `char::is_whitespace`: the Unicode White_Space property.
bool is_whitespace(char32_t cp);

/// The control test of HF `BertNormalizer` clean_text: general category C* (Cc, Cf, Cs, Co, Cn),
/// except tab, newline and carriage return, which count as whitespace.
bool is_control(char32_t cp);

/// HF's BERT punctuation: ASCII punctuation or a Unicode P* category (Pc Pd Ps Pe Pi Pf Po).
bool is_bert_punctuation(char32_t cp);

/// The CJK Unified Ideograph blocks that BERT's `_is_chinese_char` pads with spaces
/// (google-research/bert tokenization.py).
bool is_chinese_char(char32_t cp);

/// General category Mn (nonspacing mark), what BERT's accent stripping removes after NFD.
bool is_nonspacing_mark(char32_t cp);

/// Unicode normalization forms.
enum class NormalForm { nfc, nfd, nfkc, nfkd };

/// Returns `s` in normal form `form` (ICU Normalizer2).
std::string normalize(std::string_view s, NormalForm form);

/// Lower-cases code point by code point with the full (unconditional) mappings, as Rust's
/// `char::to_lowercase` does: no context such as final sigma is used.
std::string lowercase(std::string_view s);

}  // namespace cascade::model::tok
