#include "text/neutral_analyzer.hpp"

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <memory>

#include "text/lower_case.hpp"
#include "text/porter_stemmer.hpp"
#include "text/snowball_stemmer.hpp"
#include "text/stop_words.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace cascade::text {
namespace {

icu::BreakIterator& thread_word_iterator() {
    thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::BreakIterator> it(
            icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status) != 0 || !it) {
            throw Error(std::string("cannot create ICU word break iterator: ") +
                        u_errorName(status));
        }
        return it;
    }();
    return *iterator;
}

bool is_cjk(UChar32 c) {
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
           script == USCRIPT_HANGUL;
}

/// True when every code point of `s` is CJK; `chars` receives their byte ranges.
bool split_cjk(std::string_view s, std::vector<std::string_view>& chars) {
    chars.clear();
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    const auto n = static_cast<int32_t>(s.size());
    int32_t i = 0;
    while (i < n) {
        const int32_t start = i;
        UChar32 c = 0;
        U8_NEXT(p, i, n, c);
        if (c < 0 || !is_cjk(c))
            return false;
        chars.push_back(
            s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
    }
    return !chars.empty();
}

}  // namespace

bool fold_width(std::string_view text, std::string& out) {
    // Every code point of U+FF00..U+FFEF starts with the byte 0xEF: a cheap pre-check.
    if (text.find('\xEF') == std::string_view::npos)
        return false;
    const icu::Normalizer2* nfkc = nullptr;
    out.clear();
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto n = static_cast<int32_t>(text.size());
    bool changed = false;
    int32_t i = 0;
    while (i < n) {
        const int32_t start = i;
        UChar32 c = 0;
        U8_NEXT(p, i, n, c);
        if (c >= 0xFF01 && c <= 0xFF5E) {  // full-width ASCII variants
            out += static_cast<char>(c - 0xFEE0);
            changed = true;
            continue;
        }
        if (c >= 0xFF65 && c <= 0xFF9F) {  // half-width Katakana run, with its sound marks
            int32_t end = i;
            while (end < n) {
                int32_t next = end;
                UChar32 d = 0;
                U8_NEXT(p, next, n, d);
                if (d < 0xFF65 || d > 0xFF9F)
                    break;
                end = next;
            }
            UErrorCode status = U_ZERO_ERROR;
            if (nfkc == nullptr)
                nfkc = icu::Normalizer2::getNFKCInstance(status);
            icu::StringByteSink<std::string> sink(&out);
            nfkc->normalizeUTF8(0, icu::StringPiece(text.data() + start, end - start), sink,
                                nullptr, status);
            if (U_FAILURE(status) != 0)
                throw Error("ICU NFKC normalization failed");
            i = end;
            changed = true;
            continue;
        }
        out.append(
            text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
    }
    return changed;
}

NeutralAnalyzer::NeutralAnalyzer(const AnalyzerOptions& options)
    : m_stemmer(options.stemmer), m_stopwords(options.stopwords), m_name(analyzer_name(options)) {}

void NeutralAnalyzer::analyze(std::string_view text, std::vector<std::string>& terms,
                              std::vector<std::uint32_t>* positions) const {
    std::string repaired;
    if (!is_valid_utf8(text)) {
        repaired = sanitize_utf8(text);
        text = repaired;
    }
    std::string folded;
    if (fold_width(text, folded))
        text = folded;
    UErrorCode status = U_ZERO_ERROR;
    UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
    icu::BreakIterator& it = thread_word_iterator();
    it.setText(utext, status);
    if (U_FAILURE(status) != 0) {
        utext_close(utext);
        throw Error(std::string("ICU word break iterator failed: ") + u_errorName(status));
    }
    std::uint32_t position = 0;
    auto emit = [&](std::string term) {
        terms.push_back(std::move(term));
        if (positions != nullptr)
            positions->push_back(position);
        ++position;
    };
    std::vector<std::string_view> run;  // adjacent CJK characters not yet emitted
    std::vector<std::string_view> chars;
    std::size_t run_end = 0;
    auto flush = [&] {
        if (run.size() == 1)
            emit(std::string(run[0]));
        for (std::size_t i = 0; i + 1 < run.size(); ++i) {
            emit(std::string(run[i]) + std::string(run[i + 1]));
        }
        run.clear();
    };
    std::string term;
    int32_t start = it.first();
    for (int32_t end = it.next(); end != icu::BreakIterator::DONE; start = end, end = it.next()) {
        if (it.getRuleStatus() < UBRK_WORD_NONE_LIMIT)
            continue;  // spaces, punctuation
        const std::string_view segment =
            text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
        lower_case(segment, term);
        if (split_cjk(segment, chars)) {
            if (!run.empty() && run_end != static_cast<std::size_t>(start))
                flush();
            run.insert(run.end(), chars.begin(), chars.end());
            run_end = static_cast<std::size_t>(end);
            continue;
        }
        flush();
        if (m_stopwords && is_english_stop_word(term)) {
            ++position;
            continue;
        }
        if (m_stemmer == "porter") {
            porter_stem(term);
        } else if (m_stemmer == "snowball") {
            snowball_porter_stem(term);
        }
        emit(term);
    }
    flush();
    utext_close(utext);
}

}  // namespace cascade::text
