#include "text/english_analyzer.hpp"

#include "text/lower_case.hpp"
#include "text/porter_stemmer.hpp"
#include "text/snowball_stemmer.hpp"
#include "text/standard_tokenizer.hpp"
#include "text/stop_words.hpp"
#include "util/utf8.hpp"

namespace cascade::text {

std::size_t strip_possessive(std::string_view token) {
    const std::size_t n = token.size();
    if (n < 2 || (token[n - 1] != 's' && token[n - 1] != 'S'))
        return n;
    const std::string_view head = token.substr(0, n - 1);
    if (head.ends_with('\''))
        return n - 2;
    if (head.ends_with("\xE2\x80\x99") || head.ends_with("\xEF\xBC\x87"))
        return n - 4;
    return n;
}

EnglishAnalyzer::EnglishAnalyzer(const AnalyzerOptions& options)
    : m_stopwords(options.stopwords), m_name(analyzer_name(options)) {
    if (options.stemmer == "none") {
        m_stemmer = Stemmer::kNone;
    } else if (options.stemmer == "snowball") {
        m_stemmer = Stemmer::kSnowball;
    }
}

void EnglishAnalyzer::analyze(std::string_view text, std::vector<std::string>& terms,
                              std::vector<std::uint32_t>* positions) const {
    std::string repaired;
    if (!is_valid_utf8(text)) {
        repaired = sanitize_utf8(text);
        text = repaired;
    }
    thread_local std::vector<Token> tokens;
    tokens.clear();
    standard_tokenize(text, tokens);
    std::uint32_t position = 0;  // the token index: removed stop words leave gaps
    std::string term;
    for (const Token& token : tokens) {
        const std::string_view raw = text.substr(token.begin, token.end - token.begin);
        lower_case(raw.substr(0, strip_possessive(raw)), term);
        if (m_stopwords && is_english_stop_word(term)) {
            ++position;
            continue;
        }
        if (m_stemmer == Stemmer::kPorter) {
            porter_stem(term);
        } else if (m_stemmer == Stemmer::kSnowball) {
            snowball_porter_stem(term);
        }
        terms.push_back(term);
        if (positions != nullptr)
            positions->push_back(position);
        ++position;
    }
    if (tokens.capacity() > (1U << 20)) {  // keep a per-thread buffer, but not a huge one
        std::vector<Token>().swap(tokens);
    }
}

}  // namespace cascade::text
