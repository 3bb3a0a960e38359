#include "model/tokenizer/precompiled.hpp"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

// darts-clone DoubleArrayUnit accessors (darts-clone include/darts.h).
bool has_leaf(std::uint32_t unit) {
    return ((unit >> 8) & 1) == 1;
}
std::uint32_t value_of(std::uint32_t unit) {
    return unit & ((1u << 31) - 1);
}
std::uint32_t label_of(std::uint32_t unit) {
    return unit & ((1u << 31) | 0xFF);
}
std::uint32_t offset_of(std::uint32_t unit) {
    return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/// One grapheme-cluster iterator per thread (ICU break iterators are not thread-safe).
icu::BreakIterator& grapheme_iterator() {
    thread_local std::unique_ptr<icu::BreakIterator> it = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::BreakIterator> b(
            icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status) != 0 || !b) {
            throw Error(std::string("ICU grapheme iterator unavailable: ") + u_errorName(status));
        }
        return b;
    }();
    return *it;
}

}  // namespace

std::string base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=')
            break;
        if (c == '\n' || c == '\r')
            continue;
        int v = base64_value(c);
        if (v < 0) {
            throw Error("tokenizer.json: precompiled_charsmap is not valid base64");
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

PrecompiledCharsmap::PrecompiledCharsmap(std::string blob) {
    if (blob.size() < 4) {
        throw Error("tokenizer.json: precompiled_charsmap is truncated");
    }
    std::uint32_t trie_size = 0;
    for (int k = 3; k >= 0; --k) {
        trie_size =
            (trie_size << 8) | static_cast<unsigned char>(blob[static_cast<std::size_t>(k)]);
    }
    if (trie_size % 4 != 0 || trie_size > blob.size() - 4 || trie_size == 0) {
        throw Error("tokenizer.json: precompiled_charsmap trie size " + std::to_string(trie_size) +
                    " does not fit its " + std::to_string(blob.size()) + " bytes");
    }
    m_units.resize(trie_size / 4);
    for (std::size_t i = 0; i < m_units.size(); ++i) {
        const auto* p = reinterpret_cast<const unsigned char*>(blob.data() + 4 + 4 * i);
        m_units[i] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
    }
    m_normalized = blob.substr(4 + trie_size);
    for (int c = 0; c < 128; ++c) {
        char ch = static_cast<char>(c);
        if (auto t = transform(std::string_view(&ch, 1))) {
            m_ascii[static_cast<std::size_t>(c)] = std::string(*t);
        }
    }
}

std::optional<std::string_view> PrecompiledCharsmap::transform(std::string_view chunk) const {
    // darts-clone commonPrefixSearch, stopping at the first (shortest) match.
    std::size_t node = offset_of(m_units[0]);
    for (char ch : chunk) {
        auto c = static_cast<unsigned char>(ch);
        if (c == 0)
            break;
        node ^= c;
        if (node >= m_units.size())
            return std::nullopt;
        std::uint32_t unit = m_units[node];
        if (label_of(unit) != c)
            return std::nullopt;
        node ^= offset_of(unit);
        if (node >= m_units.size())
            return std::nullopt;
        if (has_leaf(unit)) {
            std::size_t begin = value_of(m_units[node]);
            if (begin >= m_normalized.size())
                return std::nullopt;
            std::size_t end = m_normalized.find('\0', begin);
            if (end == std::string::npos)
                end = m_normalized.size();
            return std::string_view(m_normalized).substr(begin, end - begin);
        }
    }
    return std::nullopt;
}

void PrecompiledCharsmap::append_code_points(std::string_view cluster, std::string& out) const {
    for (std::size_t i = 0; i < cluster.size();) {
        std::size_t start = i;
        i += std::min(utf8_length(static_cast<unsigned char>(cluster[i])), cluster.size() - i);
        std::string_view cp = cluster.substr(start, i - start);
        auto t = transform(cp);
        out.append(t ? *t : cp);
    }
}

std::string PrecompiledCharsmap::normalize(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    bool ascii = std::all_of(text.begin(), text.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
        // ASCII graphemes are single characters, except CR LF.
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                std::string_view crlf = text.substr(i, 2);
                auto t = transform(crlf);
                if (t)
                    out.append(*t);
                else
                    append_code_points(crlf, out);
                ++i;
                continue;
            }
            const auto& t = m_ascii[static_cast<unsigned char>(text[i])];
            if (t)
                out += *t;
            else
                out.push_back(text[i]);
        }
        return out;
    }
    UErrorCode status = U_ZERO_ERROR;
    UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
    std::unique_ptr<UText, decltype(&utext_close)> guard(ut, &utext_close);
    icu::BreakIterator& it = grapheme_iterator();
    it.setText(ut, status);
    if (U_FAILURE(status) != 0) {
        throw Error(std::string("ICU grapheme segmentation failed: ") + u_errorName(status));
    }
    std::int32_t begin = it.first();
    for (std::int32_t end = it.next(); end != icu::BreakIterator::DONE;
         begin = end, end = it.next()) {
        std::string_view cluster =
            text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
        if (cluster.size() < 6) {
            if (auto t = transform(cluster)) {
                out.append(*t);
                continue;
            }
        }
        append_code_points(cluster, out);
    }
    return out;
}

}  // namespace cascade::model::tok
