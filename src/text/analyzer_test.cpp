#include "text/analyzer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/run_cli.hpp"
#include "text/golden_test_util.hpp"
#include "text/neutral_analyzer.hpp"
#include "text/stop_words.hpp"
#include "util/error.hpp"

namespace cascade::text {
namespace {

std::vector<std::string> with_positions(const Analyzer& a, std::string_view text) {
    std::vector<std::string> terms;
    std::vector<std::uint32_t> positions;
    a.analyze(text, terms, &positions);
    EXPECT_EQ(terms.size(), positions.size());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        out.push_back(std::to_string(positions[i]) + ":" + terms[i]);
    }
    return out;
}

std::vector<std::string> terms_of(const Analyzer& a, std::string_view text) {
    std::vector<std::string> terms;
    a.analyze(text, terms);
    return terms;
}

TEST(EnglishAnalyzer, GoldenFile) {
    const auto analyzer = make_analyzer(AnalyzerOptions{});
    const auto rows = testing::read_golden(std::string(CASCADE_SOURCE_DIR) +
                                           "/tests/golden/text/english_analyzer.tsv");
    ASSERT_GE(rows.size(), 10u);
    for (const auto& row : rows) {
        EXPECT_EQ(with_positions(*analyzer, row.input), row.expected) << "golden line " << row.line;
    }
}

TEST(EnglishAnalyzer, StopSetIsLucenes33Words) {
    EXPECT_EQ(kEnglishStopWords.size(), 33u);
    EXPECT_TRUE(std::is_sorted(kEnglishStopWords.begin(), kEnglishStopWords.end()));
    for (const auto w : kEnglishStopWords)
        EXPECT_TRUE(is_english_stop_word(w)) << w;
    for (const char* w : {"", "i", "me", "we", "has", "have", "from", "which", "The", "thes"}) {
        EXPECT_FALSE(is_english_stop_word(w)) << w;
    }
    // Near misses of every stop word (a byte changed, added, removed; a NUL appended) and every
    // word of up to 3 bytes over a small alphabet: the check agrees with the list.
    const auto listed = [](std::string_view w) {
        return std::find(kEnglishStopWords.begin(), kEnglishStopWords.end(), w) !=
               kEnglishStopWords.end();
    };
    const std::string alphabet("aeinorst\0", 9);
    std::vector<std::string> words;
    for (const auto w : kEnglishStopWords) {
        const std::string s(w);
        words.push_back(s + std::string(1, '\0'));
        words.push_back(s.substr(1));
        words.push_back(s.substr(0, s.size() - 1));
        for (std::size_t i = 0; i <= s.size(); ++i)
            for (const char c : alphabet) {
                words.push_back(s.substr(0, i) + c + s.substr(i));
                if (i < s.size())
                    words.push_back(s.substr(0, i) + c + s.substr(i + 1));
            }
    }
    for (const char a : alphabet) {
        words.emplace_back(1, a);
        for (const char b : alphabet) {
            words.push_back(std::string{a, b});
            for (const char c : alphabet)
                words.push_back(std::string{a, b, c});
        }
    }
    for (const auto& w : words)
        ASSERT_EQ(is_english_stop_word(w), listed(w)) << ::testing::PrintToString(w);
}

TEST(EnglishAnalyzer, PositionsLeaveStopWordGaps) {
    const auto a = make_analyzer("english+porter+stop");
    EXPECT_EQ(with_positions(*a, "the cat is on the mat"),
              (std::vector<std::string>{"1:cat", "5:mat"}));
    const auto keep = make_analyzer("english+porter");
    EXPECT_EQ(with_positions(*keep, "the cat is on the mat"),
              (std::vector<std::string>{"0:the", "1:cat", "2:is", "3:on", "4:the", "5:mat"}));
    // Terms are appended, not replaced.
    std::vector<std::string> terms = {"x"};
    a->analyze("cats", terms);
    EXPECT_EQ(terms, (std::vector<std::string>{"x", "cat"}));
}

TEST(EnglishAnalyzer, OptionsChangeTheChain) {
    const std::string text = "The Running dogs";
    EXPECT_EQ(terms_of(*make_analyzer("english"), text),
              (std::vector<std::string>{"the", "running", "dogs"}));
    EXPECT_EQ(terms_of(*make_analyzer("english+stop"), text),
              (std::vector<std::string>{"running", "dogs"}));
    EXPECT_EQ(terms_of(*make_analyzer("english+snowball+stop"), "possibly etiology as"),
              (std::vector<std::string>{"possibli", "etiologi"}));
    EXPECT_EQ(terms_of(*make_analyzer("english+porter+stop"), "possibly etiology as"),
              (std::vector<std::string>{"possibl", "etiolog"}));
}

TEST(Analyzer, NameRoundTrips) {
    for (const char* kind : {"english", "neutral"}) {
        for (const char* stemmer : {"porter", "snowball", "none"}) {
            for (const bool stop : {true, false}) {
                const AnalyzerOptions options{kind, stemmer, stop};
                const auto a = make_analyzer(options);
                const auto b = make_analyzer(a->name());
                EXPECT_EQ(a->name(), b->name());
                EXPECT_EQ(a->name(), analyzer_name(options));
                const std::string text = "The Dogs’s RUNNING 中文 tests";
                EXPECT_EQ(terms_of(*a, text), terms_of(*b, text)) << a->name();
            }
        }
    }
    EXPECT_EQ(make_analyzer(AnalyzerOptions{})->name(), "english+porter+stop");
}

TEST(Analyzer, BadOptionsAreUsageErrors) {
    EXPECT_THROW(make_analyzer(AnalyzerOptions{"klingon", "porter", true}), UsageError);
    EXPECT_THROW(make_analyzer(AnalyzerOptions{"english", "krovetz", true}), UsageError);
    EXPECT_THROW(make_analyzer("english+porter+stop+extra"), UsageError);
    EXPECT_THROW(make_analyzer(""), UsageError);
    try {
        (void)make_analyzer(AnalyzerOptions{"english", "lancaster", true});
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("porter, snowball, none"), std::string::npos);
    }
}

TEST(Analyzer, IllFormedUtf8IsRepairedNotFatal) {
    const auto a = make_analyzer("english");
    EXPECT_EQ(terms_of(*a, "caf\xC3 dogs\xFF"), (std::vector<std::string>{"caf", "dogs"}));
    const auto n = make_analyzer("neutral");
    EXPECT_EQ(terms_of(*n, "caf\xC3 dogs\xFF"), (std::vector<std::string>{"caf", "dogs"}));
}

TEST(NeutralAnalyzer, CjkBigramsAndSingles) {
    const auto a = make_analyzer("neutral");
    EXPECT_EQ(with_positions(*a, "中文字 カタカナ 안녕하세요 The Dogs 日 x"),
              (std::vector<std::string>{"0:中文", "1:文字", "2:カタ", "3:タカ", "4:カナ", "5:안녕",
                                        "6:녕하", "7:하세", "8:세요", "9:the", "10:dogs", "11:日",
                                        "12:x"}));
    // Mixed scripts in one run are bigrammed across the script change, like CJKBigramFilter.
    EXPECT_EQ(terms_of(*a, "仮名遣い"), (std::vector<std::string>{"仮名", "名遣", "遣い"}));
    // Non-adjacent CJK characters are not joined.
    EXPECT_EQ(terms_of(*a, "中 文"), (std::vector<std::string>{"中", "文"}));
}

constexpr std::size_t kSciFactTerms = 838128;
constexpr std::size_t kSciFactDistinct = 28865;  // = the index's term count
constexpr std::uint64_t kSciFactHash = 5279026474213577252ULL;

TEST(NeutralAnalyzer, FoldsCharacterWidths) {
    const auto a = make_analyzer("neutral");
    // Full-width Latin and digits become ASCII; half-width Katakana with a sound mark becomes
    // the composed full-width letter (ｶﾞｷﾞ -> ガギ), then bigrams.
    EXPECT_EQ(terms_of(*a, "Ｔｅｓｔｓ １２３４ ｶﾞｷﾞ"),
              (std::vector<std::string>{"tests", "1234", "ガギ"}));
    std::string out;
    EXPECT_FALSE(fold_width("plain ascii and caf\xC3\xA9", out));
}

std::vector<std::string> scifact_texts(std::size_t limit) {
    std::vector<std::string> texts;
    const auto dir = cascade::testing::shared_dir();
    if (dir.empty())
        return texts;
    std::ifstream in(dir / "data/scifact/corpus.jsonl");
    std::string line;
    while (texts.size() < limit && std::getline(in, line)) {
        const auto doc = nlohmann::json::parse(line);
        texts.push_back(doc.at("title").get<std::string>() + "\n" +
                        doc.at("text").get<std::string>());
    }
    return texts;
}

TEST(EnglishAnalyzer, SciFactSmoke) {
    const auto texts = scifact_texts(100);
    if (texts.empty())
        GTEST_SKIP() << "no shared data";
    ASSERT_EQ(texts.size(), 100u);
    const auto a = make_analyzer("english+porter+stop");
    std::size_t total = 0;
    for (const auto& text : texts) {
        std::vector<std::string> terms;
        std::vector<std::uint32_t> positions;
        a->analyze(text, terms, &positions);
        EXPECT_GT(terms.size(), 0u);
        total += terms.size();
        for (std::size_t i = 0; i < terms.size(); ++i) {
            EXPECT_FALSE(terms[i].empty());
            EXPECT_EQ(terms[i].find(' '), std::string::npos);
            if (i > 0)
                EXPECT_GT(positions[i], positions[i - 1]);
            for (const char c : terms[i])
                EXPECT_FALSE(c >= 'A' && c <= 'Z') << terms[i];
        }
    }
    EXPECT_GT(total, 10000u);  // about 160 terms per abstract
    // Stemming can produce a stop word ("ones" -> "on"); without it none may survive.
    const auto unstemmed = make_analyzer("english+stop");
    for (const auto& text : texts) {
        for (const auto& term : terms_of(*unstemmed, text))
            EXPECT_FALSE(is_english_stop_word(term));
    }
    // The first document's title (BEIR SciFact doc 4983).
    EXPECT_EQ(terms_of(*a, texts[0]).front(), "microstructur");
}

// Regression fingerprint of the whole SciFact corpus analyzed as Anserini's flat BEIR
// documents (title + "\n" + text). Obtained from this analyzer at the commit where cascade's
// BM25 reproduced Anserini's SciFact regression exactly (flat nDCG@10 0.6789, R@100 0.9253,
// multifield nDCG@10 0.6647); any change to the english chain changes it.
TEST(EnglishAnalyzer, SciFactFingerprint) {
    const auto texts = scifact_texts(100000);
    if (texts.empty())
        GTEST_SKIP() << "no shared data";
    ASSERT_EQ(texts.size(), 5183u);
    const auto a = make_analyzer("english+porter+stop");
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64
    auto mix = [&hash](std::string_view s) {
        for (const char c : s) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
    };
    std::size_t total = 0;
    std::set<std::string> distinct;
    std::vector<std::string> terms;
    for (const auto& text : texts) {
        terms.clear();
        a->analyze(text, terms);
        total += terms.size();
        for (const auto& t : terms) {
            mix(t);
            mix("\n");
            distinct.insert(t);
        }
    }
    EXPECT_EQ(total, kSciFactTerms);
    EXPECT_EQ(distinct.size(), kSciFactDistinct);
    EXPECT_EQ(hash, kSciFactHash);
}

TEST(Analyzer, ThreadsGetTheSameTermsAsOneThread) {
    auto texts = scifact_texts(200);
    if (texts.empty()) {
        texts = {"Hello wörld, the 3.14 dogs’s 中文字 💩", "A:B C_D 1,000 e-mail"};
    }
    for (const char* name : {"english+porter+stop", "neutral", "english+snowball"}) {
        const auto a = make_analyzer(name);
        std::vector<std::vector<std::string>> expected;
        for (const auto& t : texts)
            expected.push_back(terms_of(*a, t));
        std::vector<int> mismatches(2, 0);
        std::vector<std::thread> threads;
        for (int k = 0; k < 2; ++k) {
            threads.emplace_back([&, k] {
                for (int round = 0; round < 3; ++round) {
                    for (std::size_t i = 0; i < texts.size(); ++i) {
                        if (terms_of(*a, texts[i]) != expected[i])
                            ++mismatches[k];
                    }
                }
            });
        }
        for (auto& t : threads)
            t.join();
        EXPECT_EQ(mismatches[0] + mismatches[1], 0) << name;
    }
}

}  // namespace
}  // namespace cascade::text
