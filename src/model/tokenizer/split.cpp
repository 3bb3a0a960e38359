#include "model/tokenizer/split.hpp"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>

#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

SplitBehavior parse_split_behavior(const std::string& name) {
    if (name == "Removed")
        return SplitBehavior::removed;
    if (name == "Isolated")
        return SplitBehavior::isolated;
    if (name == "MergedWithPrevious")
        return SplitBehavior::merged_with_previous;
    if (name == "MergedWithNext")
        return SplitBehavior::merged_with_next;
    if (name == "Contiguous")
        return SplitBehavior::contiguous;
    throw Error("tokenizer.json: unknown split behavior '" + name + "'");
}

namespace {

/// Rewrites the Oniguruma shorthand classes whose ICU meaning differs (see Oniguruma doc/RE:
/// in Unicode mode `\s` is U+0009-000D, U+0085 and Z*, which is exactly White_Space; `\w` is
/// Letter, Mark, Decimal_Number, Connector_Punctuation).
std::string translate_oniguruma(std::string_view p) {
    std::string out;
    out.reserve(p.size() + 16);
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] != '\\' || i + 1 == p.size()) {
            out.push_back(p[i]);
            continue;
        }
        char c = p[i + 1];
        ++i;
        switch (c) {
            case 's':
                out += "\\p{White_Space}";
                break;
            case 'S':
                out += "\\P{White_Space}";
                break;
            case 'w':
                out += "[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
                break;
            case 'W':
                out += "[^\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
                break;
            default:
                out.push_back('\\');
                out.push_back(c);
        }
    }
    return out;
}

}  // namespace

Regex::Regex(std::string_view pattern, bool literal) {
    std::string source = literal ? std::string(pattern) : translate_oniguruma(pattern);
    auto u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(source.data(), static_cast<int32_t>(source.size())));
    UErrorCode status = U_ZERO_ERROR;
    UParseError perr{};
    m_pattern.reset(icu::RegexPattern::compile(u, literal ? UREGEX_LITERAL : 0, perr, status));
    if (U_FAILURE(status) != 0 || !m_pattern) {
        throw Error("tokenizer.json: cannot compile regex '" + std::string(pattern) +
                    "': " + u_errorName(status) + " at offset " + std::to_string(perr.offset));
    }
}

Regex::~Regex() = default;

void Regex::find_spans(std::string_view text, std::vector<Span>& spans) const {
    spans.clear();
    if (text.empty()) {
        spans.push_back({0, 0, false});
        return;
    }
    // UTF-16 copy of the text with the UTF-8 byte offset of every UTF-16 unit.
    icu::UnicodeString u;
    std::vector<std::size_t> byte_at;
    byte_at.reserve(text.size() + 1);
    for (std::size_t i = 0; i < text.size();) {
        std::size_t start = i;
        char32_t cp = next_code_point(text, i);
        u.append(static_cast<UChar32>(cp));
        byte_at.push_back(start);
        if (cp >= 0x10000) {
            byte_at.push_back(start);
        }
    }
    byte_at.push_back(text.size());
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(m_pattern->matcher(u, status));
    // No backtrack-stack cap: ICU's default 8 MB overflows on runs of a million spaces that
    // Oniguruma handles; the stack grows with the input instead.
    m->setStackLimit(0, status);
    if (U_FAILURE(status) != 0) {
        throw Error(std::string("regex matcher failed: ") + u_errorName(status));
    }
    std::size_t prev = 0;
    while (m->find(status) != 0 && U_SUCCESS(status) != 0) {
        std::size_t b = byte_at[static_cast<std::size_t>(m->start(status))];
        std::size_t e = byte_at[static_cast<std::size_t>(m->end(status))];
        if (b == e) {
            continue;  // empty matches split nothing
        }
        if (prev != b) {
            spans.push_back({prev, b, false});
        }
        spans.push_back({b, e, true});
        prev = e;
    }
    if (U_FAILURE(status) != 0) {
        throw Error(std::string("regex search failed: ") + u_errorName(status));
    }
    if (prev != text.size()) {
        spans.push_back({prev, text.size(), false});
    }
}

void find_char_spans(std::string_view text, const std::function<bool(char32_t)>& pred,
                     std::vector<Span>& spans) {
    spans.clear();
    if (text.empty()) {
        spans.push_back({0, 0, false});
        return;
    }
    std::size_t last = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t start = i;
        char32_t cp = next_code_point(text, i);
        if (pred(cp)) {
            if (last < start) {
                spans.push_back({last, start, false});
            }
            spans.push_back({start, i, true});
            last = i;
        }
    }
    if (last < text.size()) {
        spans.push_back({last, text.size(), false});
    }
}

std::vector<std::pair<std::size_t, std::size_t>> apply_behavior(std::vector<Span> spans,
                                                                SplitBehavior behavior,
                                                                bool invert) {
    if (invert) {
        for (auto& s : spans) {
            s.is_match = !s.is_match;
        }
    }
    // `drop` marks spans removed from the output (only the Removed behaviour drops any).
    struct Out {
        std::size_t begin, end;
        bool drop;
    };
    std::vector<Out> acc;
    acc.reserve(spans.size());
    bool previous_match = false;
    switch (behavior) {
        case SplitBehavior::isolated:
            for (const auto& s : spans)
                acc.push_back({s.begin, s.end, false});
            break;
        case SplitBehavior::removed:
            for (const auto& s : spans)
                acc.push_back({s.begin, s.end, s.is_match});
            break;
        case SplitBehavior::contiguous:
            for (const auto& s : spans) {
                if (s.is_match == previous_match && !acc.empty()) {
                    acc.back().end = s.end;
                } else {
                    acc.push_back({s.begin, s.end, false});
                }
                previous_match = s.is_match;
            }
            break;
        case SplitBehavior::merged_with_previous:
            for (const auto& s : spans) {
                if (s.is_match && !previous_match && !acc.empty()) {
                    acc.back().end = s.end;
                } else {
                    acc.push_back({s.begin, s.end, false});
                }
                previous_match = s.is_match;
            }
            break;
        case SplitBehavior::merged_with_next:
            for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
                if (it->is_match && !previous_match && !acc.empty()) {
                    acc.back().begin = it->begin;
                } else {
                    acc.push_back({it->begin, it->end, false});
                }
                previous_match = it->is_match;
            }
            std::reverse(acc.begin(), acc.end());
            break;
    }
    std::vector<std::pair<std::size_t, std::size_t>> out;
    out.reserve(acc.size());
    for (const auto& a : acc) {
        if (!a.drop && a.end > a.begin) {
            out.emplace_back(a.begin, a.end);
        }
    }
    return out;
}

}  // namespace cascade::model::tok
