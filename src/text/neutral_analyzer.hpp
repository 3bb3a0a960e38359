#pragma once
/// A language-neutral analyzer: ICU word segments, lower-casing, CJK bigrams.

#include "text/analyzer.hpp"

namespace cascade::text {

/// Splits text with ICU's UAX #29 word BreakIterator (keeping segments whose rule status says
/// letter, number, kana or ideograph), lower-cases them, and turns runs of adjacent Han,
/// Hiragana, Katakana and Hangul characters into overlapping bigrams, a run of one character
/// into that character alone, as Lucene's CJKAnalyzer (CJKBigramFilter with its default flags,
/// no unigrams). Optional stop words (Lucene's English set) and stemming apply to the other
/// terms. ICU break iterators are not thread-safe: each thread uses its own.
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

}  // namespace cascade::text
