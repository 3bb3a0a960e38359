#pragma once
/// Lucene's default English stop set.

#include <array>
#include <string_view>

namespace cascade::text {

/// EnglishAnalyzer.ENGLISH_STOP_WORDS_SET of Lucene 9 (also Anserini's default stop list), in
/// alphabetical order: 33 words.
inline constexpr std::array<std::string_view, 33> kEnglishStopWords = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

/// True when the lower-cased `term` is in kEnglishStopWords: one multiply and one compare
/// (a perfect hash of the 33 words), no allocation.
[[nodiscard]] bool is_english_stop_word(std::string_view term);

}  // namespace cascade::text
