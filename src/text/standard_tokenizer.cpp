#include "text/standard_tokenizer.hpp"

#include "text/char_class.hpp"

#include <array>
#include <limits>
#include <string>

#include "util/error.hpp"

namespace cascade::text {
namespace {

constexpr char32_t kInvalid = 0x110000;  // classed kOther by char_info

/// Decodes the code point at s[i]; `len` receives its byte length (1 for an ill-formed byte).
inline char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        len = 1;
        return b0;
    }
    auto cont = [&](std::size_t k) -> int {
        if (i + k >= s.size())
            return -1;
        const auto b = static_cast<unsigned char>(s[i + k]);
        return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
    };
    len = 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        const int c1 = cont(1);
        if (c1 < 0)
            return kInvalid;
        len = 2;
        return (char32_t(b0 & 0x1F) << 6) | char32_t(c1);
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const int c1 = cont(1);
        const int c2 = cont(2);
        if (c1 < 0 || c2 < 0)
            return kInvalid;
        const char32_t c = (char32_t(b0 & 0x0F) << 12) | (char32_t(c1) << 6) | char32_t(c2);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return kInvalid;
        len = 3;
        return c;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const int c1 = cont(1);
        const int c2 = cont(2);
        const int c3 = cont(3);
        if (c1 < 0 || c2 < 0 || c3 < 0)
            return kInvalid;
        const char32_t c =
            (char32_t(b0 & 0x07) << 18) | (char32_t(c1) << 12) | (char32_t(c2) << 6) | char32_t(c3);
        if (c < 0x10000 || c > 0x10FFFF)
            return kInvalid;
        len = 4;
        return c;
    }
    return kInvalid;
}

/// A-Z or a-z.
constexpr bool is_ascii_letter(unsigned char b) {
    return (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
}

/// ASCII letters and digits for the word rule's fast path: kAsciiLetter, kAsciiDigit, or 0 for
/// every other byte (all of 0x80-0xFF included).
constexpr std::uint8_t kAsciiLetter = 1;
constexpr std::uint8_t kAsciiDigit = 2;
constexpr auto kAsciiAlnum = [] {
    std::array<std::uint8_t, 256> kinds{};
    for (int b = 0; b < 128; ++b) {
        if (is_ascii_letter(static_cast<unsigned char>(b)))
            kinds[b] = kAsciiLetter;
        else if (b >= '0' && b <= '9')
            kinds[b] = kAsciiDigit;
    }
    return kinds;
}();

constexpr auto kAsciiInfo = [] {
    std::array<CharInfo, 128> table{};
    for (unsigned c = 0; c < 128; ++c)
        table[c] = ascii_char_info(static_cast<unsigned char>(c));
    return table;
}();

/// Cursor over the text that answers class questions at byte positions.
class Scanner {
public:
    explicit Scanner(std::string_view s) : m_s(s) {}

    [[nodiscard]] std::size_t size() const { return m_s.size(); }

    /// Class of the code point at `i` (i < size()); `len` receives its byte length.
    CharInfo at(std::size_t i, std::size_t& len) const {
        const auto b = static_cast<unsigned char>(m_s[i]);
        if (b < 0x80) {
            len = 1;
            return kAsciiInfo[b];
        }
        return char_info(decode(m_s, i, len));
    }

    char32_t code_point(std::size_t i, std::size_t& len) const { return decode(m_s, i, len); }

    /// Lucene's ExtFmtZwj*: skips Extend, Format and ZWJ (WB4). With `sans_selectors`, stops
    /// at U+FE0E/U+FE0F (ExtFmtZwjSansPresSel, used inside emoji sequences).
    std::size_t skip_ext(std::size_t i, bool sans_selectors = false) const {
        while (i < m_s.size()) {
            if (static_cast<unsigned char>(m_s[i]) < 0x80)
                return i;  // no ASCII is Extend
            std::size_t len = 0;
            const WordClass w = at(i, len).word;
            if (!is_ext_fmt_zwj(w))
                return i;
            if (sans_selectors && w == WordClass::kPresentationSelector)
                return i;
            i += len;
        }
        return i;
    }

    /// Word rule (ALPHANUM, NUM, HANGUL, KATAKANA): end of the longest match from `p`, or `p`.
    std::size_t match_word(std::size_t p, TokenType& type) const;
    /// EMOJI rule: end of the longest emoji sequence from `p`, or `p`.
    std::size_t match_emoji(std::size_t p) const;
    /// SOUTHEAST_ASIAN rule: a run of Line_Break=Complex_Context characters.
    std::size_t match_complex_context(std::size_t p) const {
        std::size_t i = p;
        while (i < m_s.size()) {
            std::size_t len = 0;
            if ((at(i, len).flags & kFlagComplexContext) == 0)
                break;
            i = skip_ext(i + len);
        }
        return i;
    }
    /// IDEOGRAPHIC / HIRAGANA rules: one character with the given flag, plus its extenders.
    std::size_t match_single(std::size_t p, std::uint8_t flag) const {
        std::size_t len = 0;
        return (at(p, len).flags & flag) != 0 ? skip_ext(p + len) : p;
    }

private:
    std::size_t match_emoji_unit(std::size_t p) const;

    std::string_view m_s;
};

enum class WordState : std::uint8_t {
    kStart,        // only ExtendNumLet seen so far
    kLetter,       // last core character was an AHLetter (not Hebrew)
    kHebrew,       // last core character was a Hebrew_Letter
    kNumeric,      // last core character was Numeric
    kKatakana,     // last core character was Katakana
    kHebrewQuote,  // a Hebrew_Letter followed by a Single_Quote closed the last unit
    kAfterEnl,     // ExtendNumLet after a core character
};

std::size_t Scanner::match_word(std::size_t p, TokenType& type) const {
    WordState state = WordState::kStart;
    std::size_t end = p;
    std::size_t i = p;
    bool all_numeric = true;
    bool all_hangul = true;
    bool all_katakana = true;
    while (i < m_s.size()) {
        // ASCII letters and digits, the bulk of most text, joined directly: what the general
        // step below does for an AHLetter or Numeric after anything but Katakana.
        // A run of them is taken in one tight loop: no ASCII byte is Extend, so skip_ext only
        // matters after the run, and the state is the last one's kind.
        if (state != WordState::kKatakana) {
            std::uint8_t kind = kAsciiAlnum[static_cast<unsigned char>(m_s[i])];
            if (kind != 0) {
                std::uint8_t kinds = kind;
                std::size_t j = i + 1;
                for (; j < m_s.size(); ++j) {
                    const std::uint8_t k = kAsciiAlnum[static_cast<unsigned char>(m_s[j])];
                    if (k == 0)
                        break;
                    kind = k;
                    kinds |= k;
                }
                state = kind == kAsciiLetter ? WordState::kLetter : WordState::kNumeric;
                all_hangul = all_katakana = false;
                if ((kinds & kAsciiLetter) != 0)
                    all_numeric = false;
                i = skip_ext(j);
                end = i;
                continue;
            }
        }
        std::size_t len = 0;
        const WordClass w = at(i, len).word;
        const std::size_t next = skip_ext(i + len);
        const bool after_core_or_start = state != WordState::kKatakana;
        if (w == WordClass::kExtendNumLet) {
            state = state == WordState::kStart ? WordState::kStart : WordState::kAfterEnl;
            all_hangul = all_katakana = false;
        } else if (is_ah_letter(w) && after_core_or_start) {
            state = w == WordClass::kHebrewLetter ? WordState::kHebrew : WordState::kLetter;
            all_numeric = all_katakana = false;
            all_hangul = all_hangul && w == WordClass::kHangul;
        } else if (w == WordClass::kNumeric && after_core_or_start) {
            state = WordState::kNumeric;
            all_hangul = all_katakana = false;
        } else if (w == WordClass::kKatakana &&
                   (state == WordState::kStart || state == WordState::kKatakana ||
                    state == WordState::kAfterEnl)) {
            state = WordState::kKatakana;
            all_numeric = all_hangul = false;
        } else if (state == WordState::kHebrew && w == WordClass::kSingleQuote) {
            state = WordState::kHebrewQuote;  // WB7a: Hebrew_Letter × Single_Quote
            all_numeric = all_hangul = all_katakana = false;
        } else {
            // A middle character joins only when the same kind of character follows it.
            const bool letter_mid = w == WordClass::kMidLetter || w == WordClass::kMidNumLet ||
                                    w == WordClass::kSingleQuote;
            const bool num_mid = w == WordClass::kMidNum || w == WordClass::kMidNumLet ||
                                 w == WordClass::kSingleQuote;
            if (next >= m_s.size())
                break;
            std::size_t len2 = 0;
            const WordClass w2 = at(next, len2).word;
            const bool letter_state = state == WordState::kLetter || state == WordState::kHebrew;
            const bool joins =
                (letter_state && letter_mid && is_ah_letter(w2)) ||
                (state == WordState::kNumeric && num_mid && w2 == WordClass::kNumeric) ||
                (state == WordState::kHebrew && w == WordClass::kDoubleQuote &&
                 w2 == WordClass::kHebrewLetter);
            if (!joins)
                break;
            all_numeric = all_hangul = all_katakana = false;
            i = next;  // the following core character is consumed by the next iteration
            continue;
        }
        i = next;
        if (state != WordState::kStart)
            end = i;
    }
    if (all_numeric) {
        type = TokenType::kNum;
    } else if (all_hangul) {
        type = TokenType::kHangul;
    } else if (all_katakana) {
        type = TokenType::kKatakana;
    } else {
        type = TokenType::kAlphanum;
    }
    return end;
}

std::size_t Scanner::match_emoji_unit(std::size_t p) const {
    std::size_t i = p;
    std::size_t len = 0;
    while (i < m_s.size() && at(i, len).word == WordClass::kZwj)
        i += len;
    if (i >= m_s.size())
        return p;
    const CharInfo info = at(i, len);
    if ((info.flags & kFlagEmojiChar) != 0) {
        i = skip_ext(i + len, true);
        std::size_t len2 = 0;
        if (i < m_s.size() && code_point(i, len2) == 0xFE0F)
            i += len2;
        return i;
    }
    if ((info.flags & kFlagEmojiModifier) != 0)
        return skip_ext(i + len, true);
    return p;
}

std::size_t Scanner::match_emoji(std::size_t p) const {
    std::size_t len = 0;
    const CharInfo first = at(p, len);
    if ((first.flags & kFlagKeycapBase) != 0) {  // [0-9#*] FE0F? 20E3
        std::size_t i = skip_ext(p + len, true);
        std::size_t len2 = 0;
        if (i < m_s.size() && code_point(i, len2) == 0xFE0F)
            i += len2;
        if (i < m_s.size() && code_point(i, len2) == 0x20E3)
            return skip_ext(i + len2, true);
        return p;
    }
    if (first.word == WordClass::kRegionalIndicator) {  // exactly two regional indicators
        const std::size_t i = skip_ext(p + len);
        std::size_t len2 = 0;
        if (i < m_s.size() && at(i, len2).word == WordClass::kRegionalIndicator) {
            return skip_ext(i + len2);
        }
        return p;
    }
    std::size_t i = match_emoji_unit(p);
    if (i == p)
        return p;
    // ( ZWJ unit )*: a unit may itself start with ZWJs, and the previous unit may have
    // absorbed the joiner as an extender.
    while (i < m_s.size()) {
        std::size_t zlen = 0;
        const bool joiner_here = at(i, zlen).word == WordClass::kZwj;
        const bool joiner_before = i > p && i >= 3 && m_s.substr(i - 3, 3) == "\xE2\x80\x8D";
        if (!joiner_here && !joiner_before)
            break;
        const std::size_t j = match_emoji_unit(i);
        if (j == i)
            break;
        i = j;
    }
    return i;
}

}  // namespace

std::string_view token_type_name(TokenType type) {
    switch (type) {
        case TokenType::kAlphanum:
            return "<ALPHANUM>";
        case TokenType::kNum:
            return "<NUM>";
        case TokenType::kSoutheastAsian:
            return "<SOUTHEAST_ASIAN>";
        case TokenType::kIdeographic:
            return "<IDEOGRAPHIC>";
        case TokenType::kHiragana:
            return "<HIRAGANA>";
        case TokenType::kKatakana:
            return "<KATAKANA>";
        case TokenType::kHangul:
            return "<HANGUL>";
        case TokenType::kEmoji:
            return "<EMOJI>";
    }
    return "<UNKNOWN>";
}

namespace {

/// Byte offset at which a token of UTF-16 length > max must be cut: after the last whole code
/// point that fits in `max` UTF-16 units.
std::size_t cut_point(std::string_view s, std::size_t begin, std::size_t end, std::size_t max) {
    std::size_t units = 0;
    std::size_t i = begin;
    while (i < end) {
        std::size_t len = 0;
        const char32_t c = decode(s, i, len);
        const std::size_t u = c >= 0x10000 && c != kInvalid ? 2 : 1;
        if (units + u > max)
            break;
        units += u;
        i += len;
    }
    return i;
}

}  // namespace

void standard_tokenize(std::string_view utf8, std::vector<Token>& out,
                       std::size_t max_token_length) {
    if (utf8.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw Error("cannot analyze a text of " + std::to_string(utf8.size()) +
                    " bytes: the limit is 4 GiB per field");
    }
    const Scanner scan(utf8);
    std::size_t p = 0;
    while (p < utf8.size()) {
        const auto b = static_cast<unsigned char>(utf8[p]);
        // Fast skip of ASCII that can never start a token (spaces, most punctuation).
        if (b < 0x80 &&
            !((b >= '0' && b <= '9') || is_ascii_letter(b) || b == '_' || b == '#' || b == '*')) {
            ++p;
            continue;
        }
        TokenType type = TokenType::kAlphanum;
        // No emoji sequence starts with an ASCII letter (they carry no emoji flag), so most
        // tokens need not try the emoji rule.
        std::size_t best = is_ascii_letter(b) ? p : scan.match_emoji(p);
        TokenType best_type = TokenType::kEmoji;
        if (const std::size_t e = scan.match_word(p, type); e > best) {
            best = e;
            best_type = type;
        }
        if (b >= 0x80) {
            if (const std::size_t e = scan.match_complex_context(p); e > best) {
                best = e;
                best_type = TokenType::kSoutheastAsian;
            }
            if (const std::size_t e = scan.match_single(p, kFlagHan); e > best) {
                best = e;
                best_type = TokenType::kIdeographic;
            }
            if (const std::size_t e = scan.match_single(p, kFlagHiragana); e > best) {
                best = e;
                best_type = TokenType::kHiragana;
            }
        }
        if (best == p) {  // Lucene's [^] rule: drop one character
            std::size_t len = 0;
            decode(utf8, p, len);
            p += len;
            continue;
        }
        if (best - p > max_token_length) {  // UTF-16 length >= byte length / 3; check exactly
            const std::size_t cut = cut_point(utf8, p, best, max_token_length);
            if (cut < best)
                best = cut;
        }
        out.push_back(
            Token{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(best), best_type});
        p = best;
    }
}

}  // namespace cascade::text
