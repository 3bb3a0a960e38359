#include "util/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace cascade {

namespace {

/// Length of the well-formed sequence starting at s[i], or 0 when it is ill-formed; on failure
/// `bad` receives the length of the maximal subpart to replace (at least 1).
std::size_t valid_sequence(std::string_view s, std::size_t i, std::size_t& bad) {
    auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    std::uint8_t c = byte(i);
    bad = 1;
    if (c < 0x80) {
        return 1;
    }
    std::size_t len = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if (i + k >= s.size()) {
            bad = k;
            return 0;
        }
        std::uint8_t b = byte(i + k);
        std::uint8_t l = k == 1 ? lo : 0x80;
        std::uint8_t h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            bad = k;
            return 0;
        }
    }
    return len;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size();) {
        // ASCII eight bytes at a time (collections are mostly ASCII): a word with no high bit
        // set is eight one-byte sequences.
        if (i + 8 <= s.size()) {
            std::uint64_t word = 0;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        std::size_t n = valid_sequence(s, i, bad);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = valid_sequence(s, i, bad);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            i += bad;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool sanitize_utf8_inplace(std::string& s) {
    if (is_valid_utf8(s)) {
        return false;
    }
    s = sanitize_utf8(s);
    return true;
}

}  // namespace cascade
