#include "model/tokenizer/added_vocabulary.hpp"

#include <unicode/uchar.h>

#include <algorithm>

#include "model/tokenizer/unicode.hpp"

namespace cascade::model::tok {

namespace {

/// HF's word test for single_word tokens: the regex `\w`.
bool is_word_char(char32_t cp) {
    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               cp == '_';
    }
    auto mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
    return (mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

char32_t last_code_point(std::string_view s) {
    std::size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
    }
    return next_code_point(s, start);
}

}  // namespace

void AddedTokenMatcher::add(const AddedToken& token, std::string pattern) {
    if (pattern.empty()) {
        return;
    }
    Entry e{std::move(pattern), token};
    auto pos = std::find_if(m_entries.begin(), m_entries.end(),
                            [&](const Entry& x) { return x.pattern.size() < e.pattern.size(); });
    m_first_bytes[static_cast<unsigned char>(e.pattern[0])] = true;
    m_entries.insert(pos, std::move(e));
}

std::vector<Segment> AddedTokenMatcher::split(std::string_view text) const {
    std::vector<Segment> out;
    if (m_entries.empty()) {
        if (!text.empty())
            out.push_back({0, text.size(), -1});
        return out;
    }
    std::size_t prev_end = 0;  // end of the previous token match (incl. rstrip)
    std::size_t scan = 0;
    while (scan < text.size()) {
        const Entry* hit = nullptr;
        if (!m_first_bytes[static_cast<unsigned char>(text[scan])]) {
            ++scan;
            continue;
        }
        for (const auto& e : m_entries) {  // longest first
            if (text.compare(scan, e.pattern.size(), e.pattern) == 0) {
                hit = &e;
                break;
            }
        }
        if (hit == nullptr) {
            scan += utf8_length(static_cast<unsigned char>(text[scan]));
            continue;
        }
        std::size_t begin = scan;
        std::size_t end = scan + hit->pattern.size();
        const AddedToken& t = hit->token;
        if (t.single_word) {
            bool left_ok = begin == 0 || !is_word_char(last_code_point(text.substr(0, begin)));
            std::size_t j = end;
            bool right_ok = end == text.size() || !is_word_char(next_code_point(text, j));
            if (!left_ok || !right_ok) {
                scan = end;  // the scan resumes after the rejected match, as HF's iterator does
                continue;
            }
        }
        if (t.lstrip) {
            while (begin > prev_end) {
                std::size_t s = begin - 1;
                while (s > prev_end && (static_cast<unsigned char>(text[s]) & 0xC0) == 0x80)
                    --s;
                std::size_t j = s;
                if (!is_whitespace(next_code_point(text, j)))
                    break;
                begin = s;
            }
        }
        if (t.rstrip) {
            while (end < text.size()) {
                std::size_t j = end;
                if (!is_whitespace(next_code_point(text, j)))
                    break;
                end = j;
            }
        }
        if (begin > prev_end) {
            out.push_back({prev_end, begin, -1});
        }
        out.push_back({begin, end, t.id});
        prev_end = end;
        scan = end;
    }
    if (prev_end < text.size()) {
        out.push_back({prev_end, text.size(), -1});
    }
    return out;
}

}  // namespace cascade::model::tok
