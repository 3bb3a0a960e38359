#pragma once
/// Per-code-point classes for the word grammar of Lucene's StandardTokenizer.
///
/// The classes are the Unicode Word_Break values that grammar distinguishes (UAX #29,
/// https://unicode.org/reports/tr29/), plus the script, line-break and emoji properties its
/// extra rules use (Han, Hiragana, Line_Break=Complex_Context, UTS #51 emoji properties). The
/// values come from ICU's character properties (ICU 72 = Unicode 15.0); Lucene 9 compiles its
/// grammar against Unicode 12.1 (`%unicode 12.1`), so characters assigned or re-classified
/// since then can differ.

#include <cstdint>

namespace cascade::text {

/// Word_Break class of a code point as Lucene's grammar (StandardTokenizerImpl.jflex) uses it.
enum class WordClass : std::uint8_t {
    kOther = 0,
    kALetter,               ///< WB=ALetter, not Hangul script
    kHangul,                ///< WB=ALetter and Script=Hangul (typed <HANGUL>)
    kHebrewLetter,          ///< WB=Hebrew_Letter
    kNumeric,               ///< WB=Numeric (includes the fullwidth digits U+FF10..U+FF19)
    kKatakana,              ///< WB=Katakana
    kMidLetter,             ///< WB=MidLetter (includes ':' U+003A)
    kMidNumLet,             ///< WB=MidNumLet ('.')
    kSingleQuote,           ///< WB=Single_Quote ('\'')
    kMidNum,                ///< WB=MidNum (',', ';')
    kDoubleQuote,           ///< WB=Double_Quote ('"')
    kExtendNumLet,          ///< WB=ExtendNumLet ('_')
    kExtend,                ///< WB=Extend or WB=Format, except the selectors and ZWJ below
    kZwj,                   ///< U+200D ZERO WIDTH JOINER (WB=ZWJ)
    kPresentationSelector,  ///< U+FE0E / U+FE0F (WB=Extend, but special for emoji sequences)
    kRegionalIndicator,     ///< WB=Regional_Indicator
};

/// Flag bits for the non-Word_Break properties the grammar uses.
enum CharFlag : std::uint8_t {
    kFlagHan = 1,             ///< Script=Han: one <IDEOGRAPHIC> token per character
    kFlagHiragana = 2,        ///< Script=Hiragana: one <HIRAGANA> token per character
    kFlagComplexContext = 4,  ///< Line_Break=Complex_Context (Thai, Lao, Khmer, Myanmar)
    kFlagEmojiChar =
        8,  ///< Extended_Pictographic, or Emoji minus RI/keycap bases/©®™〰〽/modifiers
    kFlagEmojiModifierBase = 16,
    kFlagEmojiModifier = 32,
    kFlagKeycapBase = 64,  ///< [0-9#*]
    kFlagTag = 128,        ///< U+E0020..U+E007F (tag spec and tag term)
};

/// Class and flags of one code point.
struct CharInfo {
    WordClass word = WordClass::kOther;
    std::uint8_t flags = 0;
};

/// Looks up a code point (any value; invalid ones are kOther). O(1) for the BMP through a table
/// built once on first use (thread-safe), a few ICU property look-ups above it.
[[nodiscard]] CharInfo char_info(char32_t c);

/// The classes of the 128 ASCII code points, equal to char_info() on them (a test checks).
[[nodiscard]] constexpr CharInfo ascii_char_info(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return {WordClass::kALetter, 0};
    if (c >= '0' && c <= '9')
        return {WordClass::kNumeric, kFlagKeycapBase};
    switch (c) {
        case '#':
        case '*':
            return {WordClass::kOther, kFlagKeycapBase};
        case ':':
            return {WordClass::kMidLetter, 0};
        case '.':
            return {WordClass::kMidNumLet, 0};
        case '\'':
            return {WordClass::kSingleQuote, 0};
        case ',':
        case ';':
            return {WordClass::kMidNum, 0};
        case '"':
            return {WordClass::kDoubleQuote, 0};
        case '_':
            return {WordClass::kExtendNumLet, 0};
        default:
            return {WordClass::kOther, 0};
    }
}

/// True for the classes Lucene's ExtFmtZwj macro absorbs after a character (WB4).
[[nodiscard]] inline bool is_ext_fmt_zwj(WordClass w) {
    return w == WordClass::kExtend || w == WordClass::kZwj || w == WordClass::kPresentationSelector;
}

/// True for the classes that count as AHLetter (ALetter or Hebrew_Letter).
[[nodiscard]] inline bool is_ah_letter(WordClass w) {
    return w == WordClass::kALetter || w == WordClass::kHangul || w == WordClass::kHebrewLetter;
}

}  // namespace cascade::text
