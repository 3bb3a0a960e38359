#include "text/char_class.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <array>
#include <memory>

namespace cascade::text {
namespace {

WordClass word_class_of(UChar32 c) {
    if (c == 0x200D)
        return WordClass::kZwj;
    if (c == 0xFE0E || c == 0xFE0F)
        return WordClass::kPresentationSelector;
    switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
        case U_WB_ALETTER: {
            UErrorCode status = U_ZERO_ERROR;
            return uscript_getScript(c, &status) == USCRIPT_HANGUL ? WordClass::kHangul
                                                                   : WordClass::kALetter;
        }
        case U_WB_HEBREW_LETTER:
            return WordClass::kHebrewLetter;
        case U_WB_NUMERIC:
            return WordClass::kNumeric;
        case U_WB_KATAKANA:
            return WordClass::kKatakana;
        case U_WB_MIDLETTER:
            return WordClass::kMidLetter;
        case U_WB_MIDNUMLET:
            return WordClass::kMidNumLet;
        case U_WB_SINGLE_QUOTE:
            return WordClass::kSingleQuote;
        case U_WB_MIDNUM:
            return WordClass::kMidNum;
        case U_WB_DOUBLE_QUOTE:
            return WordClass::kDoubleQuote;
        case U_WB_EXTENDNUMLET:
            return WordClass::kExtendNumLet;
        case U_WB_EXTEND:
        case U_WB_FORMAT:
            return WordClass::kExtend;
        case U_WB_ZWJ:
            return WordClass::kZwj;
        case U_WB_REGIONAL_INDICATOR:
            return WordClass::kRegionalIndicator;
        default:
            return WordClass::kOther;
    }
}

std::uint8_t flags_of(UChar32 c) {
    std::uint8_t flags = 0;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    if (script == USCRIPT_HAN)
        flags |= kFlagHan;
    if (script == USCRIPT_HIRAGANA)
        flags |= kFlagHiragana;
    if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) {
        flags |= kFlagComplexContext;
    }
    const bool keycap_base = (c >= '0' && c <= '9') || c == '#' || c == '*';
    if (keycap_base)
        flags |= kFlagKeycapBase;
    const bool modifier = u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER);
    if (modifier)
        flags |= kFlagEmojiModifier;
    if (u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER_BASE))
        flags |= kFlagEmojiModifierBase;
    // Lucene's EmojiChar: Extended_Pictographic, or Emoji without the "RKAM" characters
    // (regional indicators, keycap bases, the "accidental" ©®™〰〽, emoji modifiers).
    const bool accidental = c == 0xA9 || c == 0xAE || c == 0x2122 || c == 0x3030 || c == 0x303D;
    const bool regional = u_getIntPropertyValue(c, UCHAR_WORD_BREAK) == U_WB_REGIONAL_INDICATOR;
    const bool rkam = regional || keycap_base || accidental || modifier;
    if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) ||
        (u_hasBinaryProperty(c, UCHAR_EMOJI) && !rkam)) {
        flags |= kFlagEmojiChar;
    }
    if (c >= 0xE0020 && c <= 0xE007F)
        flags |= kFlagTag;
    return flags;
}

CharInfo compute(UChar32 c) {
    return CharInfo{word_class_of(c), flags_of(c)};
}

struct BmpTable {
    std::array<CharInfo, 0x10000> entries;
    BmpTable() {
        for (UChar32 c = 0; c < 0x10000; ++c)
            entries[c] = compute(c);
    }
};

const BmpTable& bmp_table() {
    static const auto table = std::make_unique<BmpTable>();
    return *table;
}

}  // namespace

CharInfo char_info(char32_t c) {
    if (c < 0x10000)
        return bmp_table().entries[c];
    if (c > 0x10FFFF)
        return CharInfo{};
    return compute(static_cast<UChar32>(c));
}

}  // namespace cascade::text
