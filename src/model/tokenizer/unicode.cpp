#include "model/tokenizer/unicode.hpp"

#include <algorithm>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "util/error.hpp"

namespace cascade::model::tok {

std::size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        return 4;
    }
    return 1;
}

char32_t next_code_point(std::string_view s, std::size_t& i) {
    auto lead = static_cast<unsigned char>(s[i]);
    std::size_t len = utf8_length(lead);
    if (i + len > s.size()) {
        len = 1;
    }
    char32_t cp = 0;
    switch (len) {
        case 1:
            cp = lead;
            break;
        case 2:
            cp = lead & 0x1Fu;
            break;
        case 3:
            cp = lead & 0x0Fu;
            break;
        default:
            cp = lead & 0x07u;
            break;
    }
    for (std::size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    i += len;
    return cp;
}

std::size_t count_code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    }
    return n;
}

bool is_whitespace(char32_t cp) {
    if (cp < 0x80) {
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    }
    return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_WHITE_SPACE) != 0;
}

bool is_control(char32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
        return false;
    }
    auto mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
    return (mask & U_GC_C_MASK) != 0;
}

bool is_bert_punctuation(char32_t cp) {
    if (cp < 0x80) {
        return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
               (cp >= 123 && cp <= 126);
    }
    return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_P_MASK) != 0;
}

bool is_chinese_char(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t cp) {
    return cp >= 0x300 && u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK;
}

namespace {

const icu::Normalizer2& normalizer_for(NormalForm form) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = nullptr;
    switch (form) {
        case NormalForm::nfc:
            n = icu::Normalizer2::getNFCInstance(status);
            break;
        case NormalForm::nfd:
            n = icu::Normalizer2::getNFDInstance(status);
            break;
        case NormalForm::nfkc:
            n = icu::Normalizer2::getNFKCInstance(status);
            break;
        case NormalForm::nfkd:
            n = icu::Normalizer2::getNFKDInstance(status);
            break;
    }
    if (U_FAILURE(status) != 0 || n == nullptr) {
        throw Error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
    }
    return *n;
}

bool is_ascii(std::string_view s) {
    return std::ranges::all_of(s, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string normalize(std::string_view s, NormalForm form) {
    if (is_ascii(s)) {
        return std::string(s);  // ASCII is invariant under every normal form
    }
    const icu::Normalizer2& n = normalizer_for(form);
    UErrorCode status = U_ZERO_ERROR;
    auto u =
        icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    if (n.isNormalized(u, status) != 0 && U_SUCCESS(status) != 0) {
        return std::string(s);
    }
    status = U_ZERO_ERROR;
    icu::UnicodeString out = n.normalize(u, status);
    if (U_FAILURE(status) != 0) {
        throw Error(std::string("Unicode normalization failed: ") + u_errorName(status));
    }
    std::string result;
    out.toUTF8String(result);
    return result;
}

std::string lowercase(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
            ++i;
            continue;
        }
        char32_t cp = next_code_point(s, i);
        UChar32 simple = u_tolower(static_cast<UChar32>(cp));
        if (cp != 0x130) {  // only U+0130 has a multi-character unconditional lowercase
            append_utf8(out, static_cast<char32_t>(simple));
            continue;
        }
        icu::UnicodeString one(static_cast<UChar32>(cp));
        one.toLower(icu::Locale::getRoot());
        std::string piece;
        one.toUTF8String(piece);
        out += piece;
    }
    return out;
}

}  // namespace cascade::model::tok
