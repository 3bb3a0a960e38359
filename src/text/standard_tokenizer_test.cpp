#include "text/standard_tokenizer.hpp"

#include <gtest/gtest.h>
#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "text/char_class.hpp"
#include "text/golden_test_util.hpp"
#include "util/utf8.hpp"

namespace cascade::text {
namespace {

std::vector<std::string> tokens_of(std::string_view text, std::size_t max = kMaxTokenLength) {
    std::vector<Token> tokens;
    standard_tokenize(text, tokens, max);
    std::vector<std::string> out;
    for (const Token& t : tokens)
        out.emplace_back(text.substr(t.begin, t.end - t.begin));
    return out;
}

TEST(StandardTokenizer, GoldenFile) {
    const auto rows = testing::read_golden(std::string(CASCADE_SOURCE_DIR) +
                                           "/tests/golden/text/standard_tokenizer.tsv");
    ASSERT_GT(rows.size(), 80u);
    for (const auto& row : rows) {
        EXPECT_EQ(tokens_of(row.input), row.expected) << "golden line " << row.line;
    }
}

TEST(StandardTokenizer, TokenTypes) {
    std::vector<Token> tokens;
    const std::string text =
        "David 5000 \xE4\xB8\xAD \xE3\x81\x84 \xE3\x82\xAB\xE3\x82\xBF "
        "\xED\x9B\x88\xEB\xAF\xBC \xF0\x9F\x92\xA9 \xE0\xB8\x81\xE0\xB8\xB2";
    standard_tokenize(text, tokens);
    std::vector<std::string_view> names;
    for (const Token& t : tokens)
        names.push_back(token_type_name(t.type));
    EXPECT_EQ(names, (std::vector<std::string_view>{"<ALPHANUM>", "<NUM>", "<IDEOGRAPHIC>",
                                                    "<HIRAGANA>", "<KATAKANA>", "<HANGUL>",
                                                    "<EMOJI>", "<SOUTHEAST_ASIAN>"}));
}

// Lucene's testMaxTokenLengthDefault: 255 b's stay whole, 256 b's become 255 + 1.
TEST(StandardTokenizer, MaxTokenLengthSplitsLongTokens) {
    const std::string b255(255, 'b');
    EXPECT_EQ(tokens_of("x " + b255 + " " + b255 + "b"),
              (std::vector<std::string>{"x", b255, b255, "b"}));
    // testMaxTokenLengthNonDefault with 5.
    EXPECT_EQ(tokens_of("ab cd toolong xy z", 5),
              (std::vector<std::string>{"ab", "cd", "toolo", "ng", "xy", "z"}));
    // The limit counts UTF-16 units, not bytes: 200 'é' (400 bytes) stay whole.
    std::string e200;
    for (int i = 0; i < 200; ++i)
        e200 += "\xC3\xA9";
    EXPECT_EQ(tokens_of(e200), (std::vector<std::string>{e200}));
    // Scanning restarts at the cut: the rest is tokenized afresh ("." cannot start a token).
    EXPECT_EQ(tokens_of("abcd.ef", 4), (std::vector<std::string>{"abcd", "ef"}));
}

TEST(StandardTokenizer, AsciiTableMatchesIcu) {
    for (unsigned c = 0; c < 128; ++c) {
        const CharInfo fast = ascii_char_info(static_cast<unsigned char>(c));
        const CharInfo icu = char_info(c);
        EXPECT_EQ(fast.word, icu.word) << "code point " << c;
        EXPECT_EQ(fast.flags, icu.flags) << "code point " << c;
    }
}

TEST(StandardTokenizer, IllFormedUtf8DoesNotCrash) {
    const std::string bad =
        "ab\xFF\xFE"
        "cd \xE2\x82 ef\xF0\x9F";
    EXPECT_EQ(tokens_of(bad), (std::vector<std::string>{"ab", "cd", "ef"}));
}

/// ICU's word segments with a letter/number rule status: the UAX #29 oracle.
std::vector<std::string> icu_words(const std::string& text) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
    it->setText(ut, status);
    std::vector<std::string> out;
    int32_t start = it->first();
    for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
        if (it->getRuleStatus() >= UBRK_WORD_NONE_LIMIT)
            out.push_back(text.substr(start, end - start));
    }
    utext_close(ut);
    return out;
}

// On an alphabet where Lucene's grammar and ICU's UAX #29 rules agree (no ':', no CJK, no
// emoji, no Hebrew (ICU gives Hebrew_Letter Single_Quote rule status 0), no lone '_'), the scanner
// must reproduce ICU's segmentation exactly: a random differential test of the whole grammar, ASCII
// fast path included.
TEST(StandardTokenizer, AgreesWithIcuOnRandomText) {
    const std::vector<std::string> alphabet = {
        "a",        "b",  "Z",   "y",  "0", "7",        ".",        ",",        "'",
        ";",        " ",  "-",   "/",  "(", "\xC3\xA9", "\xCE\xB1", "\xCC\x81", "\xE2\x80\x99",
        "\xC2\xAD", "\"", "a_b", "1_2"};
    std::mt19937 rng(12345);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const int n = 1 + static_cast<int>(rng() % 24);
        for (int i = 0; i < n; ++i)
            text += alphabet[rng() % alphabet.size()];
        ASSERT_EQ(tokens_of(text), icu_words(text)) << "text: [" << text << "]";
    }
}

// Random code points from the whole Unicode range (and random bytes): tokens are non-empty,
// ordered, non-overlapping, whole code points, and a token never contains a space.
TEST(StandardTokenizer, RandomUnicodeIsWellBehaved) {
    std::mt19937 rng(777);
    const std::vector<char32_t> interesting = {0x20,   0x2E,   0x27,    0x5F,    0x3A,    0x200D,
                                               0xFE0F, 0x20E3, 0x1F469, 0x2764,  0x1F3FC, 0x1F1FA,
                                               0x0E01, 0x4E2D, 0x3042,  0x30AB,  0xD55C,  0x05D0,
                                               0x22,   0x0301, 0xE0067, 0xE007F, 0x23,    0x31};
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const int n = 1 + static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            char32_t c = 0;
            switch (rng() % 3) {
                case 0:
                    c = interesting[rng() % interesting.size()];
                    break;
                case 1:
                    c = static_cast<char32_t>(rng() % 0x3000);
                    break;
                default:
                    c = static_cast<char32_t>(rng() % 0x110000);
                    break;
            }
            if (c >= 0xD800 && c <= 0xDFFF)
                c = 'x';
            cascade::append_utf8(text, c);
        }
        if (round % 4 == 0)
            text[rng() % text.size()] = static_cast<char>(rng());  // ill-formed
        const bool well_formed = is_valid_utf8(text);
        std::vector<Token> tokens;
        standard_tokenize(text, tokens);
        std::uint32_t last_end = 0;
        for (const Token& t : tokens) {
            ASSERT_LT(t.begin, t.end);
            ASSERT_LE(last_end, t.begin);
            ASSERT_LE(t.end, text.size());
            if (well_formed) {  // tokens hold whole code points
                ASSERT_NE(static_cast<unsigned char>(text[t.begin]) & 0xC0, 0x80u);
                ASSERT_TRUE(t.end == text.size() ||
                            (static_cast<unsigned char>(text[t.end]) & 0xC0) != 0x80);
            }
            ASSERT_EQ(text.substr(t.begin, t.end - t.begin).find(' '), std::string::npos);
            last_end = t.end;
        }
    }
}

}  // namespace
}  // namespace cascade::text
