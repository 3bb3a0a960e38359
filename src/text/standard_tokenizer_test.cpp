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

}  // namespace
}  // namespace cascade::text
