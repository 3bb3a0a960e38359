#pragma once
/// Text analysis: turns a string into the index terms BM25 and every later stage count.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::text {

/// Which analysis chain to build.
struct AnalyzerOptions {
    /// "english": Lucene StandardTokenizer (UAX #29 words), English possessive removal,
    /// lower-casing, Lucene's 33-word English stop set, stemming — Anserini's default.
    /// "neutral": ICU word breaks, lower-casing, CJK bigrams (as Lucene's CJKAnalyzer).
    std::string kind = "english";
    /// "porter": Porter's algorithm exactly as Lucene's PorterStemFilter (Anserini's default);
    /// "snowball": Snowball's `porter` from libstemmer, which differs from Lucene on a few
    /// suffixes (see docs/analysis.md); "none".
    std::string stemmer = "porter";
    /// Remove Lucene's 33 English stop words (both kinds), leaving position gaps.
    bool stopwords = true;
};

/// One analysis chain. analyze() is const and safe to call from several threads at once.
class Analyzer {
public:
    virtual ~Analyzer() = default;
    /// Appends the terms of `text` to `terms` (not cleared). When `positions` is given, the
    /// position of each term is appended too; removed stop words leave gaps, as in Lucene.
    virtual void analyze(std::string_view text, std::vector<std::string>& terms,
                         std::vector<std::uint32_t>* positions = nullptr) const = 0;
    /// A stable description, e.g. "english+porter+stop"; stored in index metadata so that
    /// queries are analyzed exactly as the documents were.
    [[nodiscard]] virtual std::string name() const = 0;
};

/// Builds an analyzer; bad option values throw cascade::UsageError naming the accepted ones.
[[nodiscard]] std::unique_ptr<Analyzer> make_analyzer(const AnalyzerOptions& options);

/// Rebuilds an analyzer from its name() (used when opening an index). Names read
/// KIND[+porter|+snowball][+stop], e.g. "english+porter+stop" (the default options),
/// "english+stop" (no stemming), "neutral". Bad names throw cascade::UsageError.
[[nodiscard]] std::unique_ptr<Analyzer> make_analyzer(std::string_view name);

/// The name() an analyzer built from `options` reports.
[[nodiscard]] std::string analyzer_name(const AnalyzerOptions& options);

/// Inverse of analyzer_name(); throws cascade::UsageError on a malformed name.
[[nodiscard]] AnalyzerOptions parse_analyzer_name(std::string_view name);

}  // namespace cascade::text
