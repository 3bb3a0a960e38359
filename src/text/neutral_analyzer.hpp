#pragma once
/// A language-neutral analyzer: ICU word segments, lower-casing, CJK bigrams.

#include "text/analyzer.hpp"

namespace cascade::text {

/// Folds character widths first, as Lucene's CJKWidthFilter: full-width ASCII variants
/// (U+FF01..U+FF5E) to ASCII, half-width Katakana (U+FF65..U+FF9F) to full-width, composing
/// the half-width sound marks (ｶﾞ -> ガ, by NFKC). Then splits text with ICU's UAX #29 word
/// BreakIterator (keeping segments whose rule status says letter, number, kana or ideograph),
/// lower-cases them, and turns runs of adjacent Han, Hiragana, Katakana and Hangul characters into
/// overlapping bigrams, a run of one character into that character alone, as Lucene's CJKAnalyzer
/// (CJKBigramFilter with its default flags, no unigrams). Optional stop words (Lucene's English
/// set) and stemming apply to the other terms. ICU break iterators are not thread-safe: each thread
/// uses its own.
class NeutralAnalyzer final : public Analyzer {
public:
    explicit NeutralAnalyzer(const AnalyzerOptions& options);
    void analyze(std::string_view text, std::vector<std::string>& terms,
                 std::vector<std::uint32_t>* positions = nullptr) const override;
    [[nodiscard]] std::string name() const override { return m_name; }

private:
    std::string m_stemmer;
    bool m_stopwords = false;
    std::string m_name;
};

/// The width folding above: writes the folded `text` to `out` and returns true, or returns
/// false (leaving `out` unspecified) when nothing needs folding.
bool fold_width(std::string_view text, std::string& out);

}  // namespace cascade::text
