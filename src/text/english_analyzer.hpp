#pragma once
/// Anserini's DefaultEnglishAnalyzer, term for term.

#include "text/analyzer.hpp"

namespace cascade::text {

/// StandardTokenizer -> EnglishPossessiveFilter -> LowerCaseFilter -> StopFilter (Lucene's
/// 33 English stop words) -> PorterStemFilter, the chain of Anserini's DefaultEnglishAnalyzer
/// (io.anserini.analysis.DefaultEnglishAnalyzer, Lucene 9). Stop words and stemming are
/// optional. Positions count tokenizer tokens, so removed stop words leave gaps.
class EnglishAnalyzer final : public Analyzer {
public:
    explicit EnglishAnalyzer(const AnalyzerOptions& options);
    void analyze(std::string_view text, std::vector<std::string>& terms,
                 std::vector<std::uint32_t>* positions = nullptr) const override;
    [[nodiscard]] std::string name() const override { return m_name; }

private:
    enum class Stemmer : std::uint8_t { kNone, kPorter, kSnowball };
    Stemmer m_stemmer = Stemmer::kPorter;
    bool m_stopwords = true;
    std::string m_name;
};

/// Length of `token` once EnglishPossessiveFilter removes a trailing "'s", "’s" or "＇s"
/// (s or S; the apostrophes U+0027, U+2019, U+FF07), else token.size().
[[nodiscard]] std::size_t strip_possessive(std::string_view token);

}  // namespace cascade::text
