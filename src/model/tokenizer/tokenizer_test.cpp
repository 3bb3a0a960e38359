/// Unit tests of the tokenizer pipeline: split behaviours, truncation against a naive oracle,
/// errors for unsupported features and bad input, padding, vocab.txt fallback, threads.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "model/tokenizer/split.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "model/tokenizer/truncation.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

using cascade::testing::shared_dir;
using nlohmann::json;

/// A small BERT-like tokenizer.json: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, then words.
json mini_bert() {
    json vocab = json::object();
    const char* tokens[] = {"[PAD]", "[UNK]",  "[CLS]", "[SEP]", "hello", "world", "##s", "un",
                            "##aff", "##able", ",",     "!",     "cafe",  "a",     "##b"};
    int id = 0;
    for (const char* t : tokens)
        vocab[t] = id++;
    json added = json::array();
    for (int i = 0; i < 4; ++i) {
        added.push_back(
            {{"id", i}, {"content", tokens[i]}, {"special", true}, {"normalized", false}});
    }
    return {{"version", "1.0"},
            {"added_tokens", added},
            {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
            {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
            {"post_processor",
             {{"type", "BertProcessing"}, {"cls", {"[CLS]", 2}}, {"sep", {"[SEP]", 3}}}},
            {"model",
             {{"type", "WordPiece"},
              {"unk_token", "[UNK]"},
              {"continuing_subword_prefix", "##"},
              {"max_input_chars_per_word", 10},
              {"vocab", vocab}}}};
}

Tokenizer load(const json& j) {
    return Tokenizer::from_json(j.dump(), "mini.json");
}

using Ids = std::vector<std::int32_t>;

TEST(Tokenizer, WordPieceSingleAndPair) {
    auto t = load(mini_bert());
    EXPECT_EQ(t.encode("Hello, worlds!").ids, (Ids{2, 4, 10, 5, 6, 11, 3}));
    EXPECT_EQ(t.encode("unaffable CAFÉ", false).ids, (Ids{7, 8, 9, 12}));
    EXPECT_EQ(t.encode("unknownword").ids, (Ids{2, 1, 3}));  // unmatched piece -> [UNK]
    EXPECT_EQ(t.encode("abbbbbbbbbb").ids, (Ids{2, 1, 3}));  // 11 chars > 10 -> [UNK]
    EXPECT_EQ(t.encode("abbbbbbbbb").ids.size(), 12u);       // 10 chars: a ##b x9
    Encoding p = t.encode_pair("hello", "world !");
    EXPECT_EQ(p.ids, (Ids{2, 4, 3, 5, 11, 3}));
    EXPECT_EQ(p.type_ids, (Ids{0, 0, 0, 1, 1, 1}));
    EXPECT_EQ(p.attention_mask, (Ids{1, 1, 1, 1, 1, 1}));
    EXPECT_EQ(t.num_special_tokens(false), 2u);
    EXPECT_EQ(t.num_special_tokens(true), 3u);
    EXPECT_EQ(t.encode("[CLS]hello[SEP]", false).ids, (Ids{2, 4, 3}));  // added tokens kept
}

/// mini_bert() with a WordLevel model over the same vocab: words are looked up whole.
json mini_wordlevel() {
    json j = mini_bert();
    j["model"] = {{"type", "WordLevel"}, {"unk_token", "[UNK]"}, {"vocab", j["model"]["vocab"]}};
    return j;
}

TEST(Tokenizer, WordLevelLooksUpWholeWords) {
    auto t = load(mini_wordlevel());
    EXPECT_EQ(t.model_type(), "WordLevel");
    EXPECT_EQ(t.encode("Hello, world!").ids, (Ids{2, 4, 10, 5, 11, 3}));
    EXPECT_EQ(t.encode("Hello worlds CAFÉ", false).ids, (Ids{4, 1, 12}));  // no ## pieces
    EXPECT_EQ(t.encode("unaffable [SEP] a", false).ids, (Ids{1, 3, 13}));
    EXPECT_EQ(t.encode("", false).ids, Ids{});
    EXPECT_EQ(t.vocab_size(), 15u);
    EXPECT_EQ(t.encode_pair("hello", "world !").ids, (Ids{2, 4, 3, 5, 11, 3}));
}

TEST(Tokenizer, WordLevelWithoutUnkFailsOnlyOnUnknownWords) {
    json j = mini_wordlevel();
    j["model"]["unk_token"] = "<nope>";  // HF: loads, and fails when a word is missing
    auto t = load(j);
    EXPECT_EQ(t.encode("hello world", false).ids, (Ids{4, 5}));
    try {
        (void)t.encode("hello mars", false);
        ADD_FAILURE() << "no error for an unknown word";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'mars'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("<nope>"), std::string::npos) << e.what();
    }
}

TEST(Tokenizer, EmptyAndWhitespaceInputs) {
    auto t = load(mini_bert());
    EXPECT_EQ(t.encode("").ids, (Ids{2, 3}));
    EXPECT_EQ(t.encode(" \t\n ").ids, (Ids{2, 3}));
    EXPECT_EQ(t.encode_pair("", "").ids, (Ids{2, 3, 3}));
    EXPECT_TRUE(t.encode("", false).ids.empty());
}

TEST(Tokenizer, InvalidUtf8IsRepairedNotFatal) {
    auto t = load(mini_bert());
    std::string bad = "hello \xff\xfe world \xc3";
    EXPECT_EQ(t.encode(bad).ids, t.encode("hello \xEF\xBF\xBD\xEF\xBF\xBD world \xEF\xBF\xBD").ids);
    EXPECT_EQ(t.encode(bad).ids, (Ids{2, 4, 5, 3}));  // clean_text drops U+FFFD as HF does
}

/// LongestFirst stated plainly (HF's truncate_encodings): when the shorter side fits in half,
/// only the longer is cut; otherwise max is halved, the odd token going to the longer side
/// (to the second on equal lengths).
std::pair<std::size_t, std::size_t> oracle_longest_first(std::size_t n1, std::size_t n2,
                                                         std::size_t max) {
    if (n1 + n2 <= max)
        return {n1, n2};
    const std::size_t half = max / 2;
    const std::size_t rest = max - half;
    if (std::min(n1, n2) * 2 <= max) {
        return n1 <= n2 ? std::make_pair(n1, max - n1) : std::make_pair(max - n2, n2);
    }
    return n1 <= n2 ? std::make_pair(half, rest) : std::make_pair(rest, half);
}

TEST(Truncation, LongestFirstMatchesOracle) {
    for (std::size_t specials : {0u, 3u}) {
        for (std::size_t n1 = 0; n1 <= 24; ++n1) {
            for (std::size_t n2 = 0; n2 <= 24; ++n2) {
                for (std::size_t max = 0; max <= 25; ++max) {
                    tok::IdSequence a{Ids(n1, 7), Ids(n1, 0)};
                    tok::IdSequence b{Ids(n2, 8), Ids(n2, 1)};
                    tok::truncate(a, &b, max, TruncationStrategy::longest_first);
                    auto [e1, e2] = oracle_longest_first(n1, n2, max);
                    ASSERT_EQ(a.ids.size(), e1) << n1 << " " << n2 << " " << max;
                    ASSERT_EQ(b.ids.size(), e2) << n1 << " " << n2 << " " << max;
                }
            }
        }
    }
}

/// Lengths HF tokenizers 0.23 (npm) gave for "hello" x n1 / "world" x n2 pairs through the
/// MiniLM tokenizer.json, max_length 20 with [CLS] [SEP] [SEP]: (n1, n2) -> (a, b).
TEST(Truncation, LongestFirstMatchesProbedHf) {
    auto t = load(mini_bert());
    struct Probe {
        int n1, n2, a, b;
    };
    for (auto p : {Probe{200, 19, 9, 8}, Probe{20, 19, 9, 8}, Probe{200, 20, 8, 9},
                   Probe{21, 20, 8, 9}, Probe{200, 15, 9, 8}, Probe{12, 10, 9, 8},
                   Probe{10, 12, 8, 9}, Probe{11, 11, 8, 9}, Probe{200, 5, 12, 5}}) {
        std::string x, y;
        for (int i = 0; i < p.n1; ++i)
            x += "hello ";
        for (int i = 0; i < p.n2; ++i)
            y += "world ";
        Encoding e = t.encode_pair(x, y, 20);
        auto count = [&](std::int32_t id) { return std::count(e.ids.begin(), e.ids.end(), id); };
        EXPECT_EQ(count(4), p.a) << p.n1 << "," << p.n2;
        EXPECT_EQ(count(5), p.b) << p.n1 << "," << p.n2;
    }
}

/// HF encodes only the word prefix that first reaches max_length, keeping a straddling word
/// whole, so a side of multi-piece words can hold more tokens than its partner and take the
/// odd token. Lengths from npm tokenizers@0.23.2 on the real MiniLM tokenizer.json
/// ("biomaterial" is bio ##mate ##rial): (dogs, biomaterials, cats) -> (query, document).
TEST(Truncation, WordPrefixDecidesTheOddTokenLikeHf) {
    const auto shared = cascade::testing::shared_dir();
    if (shared.empty())
        GTEST_SKIP() << "../shared not present";
    auto t = Tokenizer::from_file(shared / "models/tokenizers/all-MiniLM-L6-v2/tokenizer.json");
    auto words = [](int n, const char* w) {
        std::string s;
        for (int i = 0; i < n; ++i)
            s += std::string(w) + " ";
        return s;
    };
    struct Probe {
        int dogs, bios, cats, max;
        bool cats_first;
        int q, d;
    };
    for (auto p :
         {Probe{126, 10, 3000, 128, false, 63, 62}, Probe{125, 10, 3000, 128, false, 62, 63},
          Probe{127, 10, 3000, 128, false, 63, 62}, Probe{126, 10, 3000, 128, true, 62, 63},
          Probe{18, 10, 3000, 20, false, 9, 8}}) {
        std::string mixed = words(p.dogs, "dog") + words(p.bios, "biomaterial");
        std::string cats = words(p.cats, "cat");
        Encoding e =
            p.cats_first ? t.encode_pair(cats, mixed, p.max) : t.encode_pair(mixed, cats, p.max);
        auto first = std::count(e.type_ids.begin(), e.type_ids.end(), 0) - 2;
        auto second = std::count(e.type_ids.begin(), e.type_ids.end(), 1) - 1;
        EXPECT_EQ(first, p.q) << p.dogs << " " << p.max << " " << p.cats_first;
        EXPECT_EQ(second, p.d) << p.dogs << " " << p.max << " " << p.cats_first;
    }
}

TEST(Truncation, PairLengthsHonourSpecialTokens) {
    auto t = load(mini_bert());
    std::string doc;
    for (int i = 0; i < 50; ++i)
        doc += "hello world ";
    for (std::size_t max : {6u, 10u, 64u}) {
        Encoding e = t.encode_pair("hello world", doc, max, TruncationStrategy::only_second);
        EXPECT_EQ(e.size(), max);
        EXPECT_EQ(e.ids.front(), 2);
        EXPECT_EQ(e.ids.back(), 3);
        EXPECT_EQ(e.ids[1], 4);  // the query is kept whole
    }
    EXPECT_EQ(t.encode(doc, true, 16).size(), 16u);
    EXPECT_EQ(t.encode(doc, false, 16).size(), 16u);
    // HF errors when only_second cannot leave the document at least one token.
    EXPECT_THROW((void)t.encode_pair("hello world", doc, 5, TruncationStrategy::only_second),
                 Error);
    EXPECT_THROW(
        (void)t.encode_pair("hello world hello", "world", 5, TruncationStrategy::only_second),
        Error);
    EXPECT_THROW((void)t.encode_pair("a", "b", 2), Error);  // fewer than 3 special tokens
    EXPECT_EQ(t.encode_pair("hello", "world", 3).ids, (Ids{2, 3, 3}));
}

TEST(SplitBehavior, HfDocumentationExample) {
    // The example of HF's SplitDelimiterBehavior docs: "the-final--countdown" split on '-'.
    std::string text = "the-final--countdown";
    auto pieces = [&](tok::SplitBehavior b) {
        std::vector<tok::Span> spans;
        tok::find_char_spans(
            text, [](char32_t c) { return c == '-'; }, spans);
        std::vector<std::string> out;
        for (auto [s, e] : tok::apply_behavior(spans, b, false))
            out.push_back(text.substr(s, e - s));
        return out;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(pieces(tok::SplitBehavior::removed), (V{"the", "final", "countdown"}));
    EXPECT_EQ(pieces(tok::SplitBehavior::isolated),
              (V{"the", "-", "final", "-", "-", "countdown"}));
    EXPECT_EQ(pieces(tok::SplitBehavior::merged_with_previous),
              (V{"the-", "final-", "-", "countdown"}));
    EXPECT_EQ(pieces(tok::SplitBehavior::merged_with_next),
              (V{"the", "-final", "-", "-countdown"}));
    EXPECT_EQ(pieces(tok::SplitBehavior::contiguous), (V{"the", "-", "final", "--", "countdown"}));
}

TEST(Regex, OnigurumaClassesAndLookahead) {
    tok::Regex re(R"(\s+(?!\S)|\s+|\p{L}+|\p{N})");
    std::string text = "ab  12\u00a0\u3000x";
    std::vector<tok::Span> spans;
    re.find_spans(text, spans);
    std::vector<std::string> matches;
    for (const auto& s : spans) {
        ASSERT_TRUE(s.is_match);
        matches.push_back(text.substr(s.begin, s.end - s.begin));
    }
    // "  " before a digit: \s+(?!\S) leaves the last space for the next match.
    // Likewise "\u00a0\u3000" before "x" (both are Oniguruma \s, ICU's \s lacks neither here).
    EXPECT_EQ(matches,
              (std::vector<std::string>{"ab", " ", " ", "1", "2", "\u00a0", "\u3000", "x"}));
    EXPECT_THROW(tok::Regex("(unclosed"), Error);
}

TEST(Tokenizer, UnsupportedFeaturesAreNamed) {
    auto expect_named = [](json j, const std::string& what) {
        try {
            (void)Tokenizer::from_json(j.dump(), "x.json");
            ADD_FAILURE() << "no error for " << what;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("x.json"), std::string::npos) << e.what();
        }
    };
    json j = mini_bert();
    j["normalizer"] = {{"type", "FancyNorm"}};
    expect_named(j, "normalizer FancyNorm");
    j = mini_bert();
    j["pre_tokenizer"] = {{"type", "UnicodeScripts"}};
    expect_named(j, "pre_tokenizer UnicodeScripts");
    j = mini_bert();
    j["model"]["type"] = "WordLevelPlus";
    expect_named(j, "model WordLevelPlus");
    j = mini_bert();
    j["model"] = {{"type", "WordLevel"}, {"vocab", {{"a", 0}}}};  // HF requires unk_token
    expect_named(j, "unk_token");
    j = mini_bert();
    j["post_processor"] = {{"type", "Bogus"}};
    expect_named(j, "post_processor Bogus");
    j = mini_bert();
    j["model"]["unk_token"] = "<nope>";
    expect_named(j, "<nope>");
    expect_named(json::array(), "not a JSON object");
    j = mini_bert();
    j["model"]["vocab"]["huge"] = 2147483647;
    expect_named(j, "token id 2147483647");
    j = mini_bert();
    j["model"]["vocab"]["hello"] = "four";
    expect_named(j, "malformed tokenizer.json");
}

TEST(Tokenizer, MalformedFilesGiveInputErrors) {
    cascade::testing::TempDir dir;
    cascade::testing::write_file(dir / "tokenizer.json", "{\"model\": ");
    EXPECT_THROW((void)Tokenizer::from_file(dir / "tokenizer.json"), InputError);
    EXPECT_THROW((void)Tokenizer::from_file(dir / "missing.json"), IoError);
    EXPECT_THROW((void)Tokenizer::from_model_dir(dir / "nothing"), Error);
    cascade::testing::write_file(dir / "vocab.txt", "a\nb\n");
    EXPECT_THROW((void)Tokenizer::from_vocab_txt(dir / "vocab.txt"), InputError);  // no [UNK]
}

TEST(Tokenizer, MalformedSentencePieceModels) {
    cascade::testing::TempDir dir;
    cascade::testing::write_file(dir / "empty.model", "");
    EXPECT_THROW((void)Tokenizer::from_sentencepiece(dir / "empty.model"), InputError);
    cascade::testing::write_file(dir / "cut.model", std::string("\x0a\x7f\x0a\x03"
                                                                "abc",
                                                                7));
    EXPECT_THROW((void)Tokenizer::from_sentencepiece(dir / "cut.model"), InputError);
    // One piece, trainer_spec model_type = 1 (Unigram): named as not implemented.
    std::string unigram("\x0a\x03\x0a\x01\x61\x12\x02\x18\x01", 9);
    cascade::testing::write_file(dir / "uni.model", unigram);
    try {
        (void)Tokenizer::from_sentencepiece(dir / "uni.model");
        ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("not implemented: SentencePiece model type 1"),
                  std::string::npos)
            << e.what();
    }
    auto shared = shared_dir();
    if (shared.empty())
        return;
    std::string llama =
        cascade::testing::slurp(shared / "models/tokenizer-testvectors/llama2-tokenizer.model");
    for (std::size_t cut : {1u, 100u, 5000u, 200000u}) {
        cascade::testing::write_file(dir / "t.model", llama.substr(0, cut));
        EXPECT_THROW((void)Tokenizer::from_sentencepiece(dir / "t.model"), InputError) << cut;
    }
}

TEST(Tokenizer, PaddingAndVocabQueries) {
    auto t = load(mini_bert());
    std::vector<Encoding> batch = t.encode_batch({"hello", "hello world , hello"});
    t.pad(batch);
    ASSERT_EQ(batch[0].size(), batch[1].size());
    EXPECT_EQ(batch[0].ids, (Ids{2, 4, 3, 0, 0, 0}));
    EXPECT_EQ(batch[0].attention_mask, (Ids{1, 1, 1, 0, 0, 0}));
    t.pad(batch, 8);
    EXPECT_EQ(batch[1].size(), 8u);
    EXPECT_EQ(t.token_to_id("##aff"), 8);
    EXPECT_EQ(t.token_to_id("nope"), std::nullopt);
    EXPECT_EQ(t.id_to_token(9), "##able");
    EXPECT_EQ(t.id_to_token(999), "");
    EXPECT_EQ(t.vocab_size(), 15u);
    EXPECT_EQ(t.pad_id(), 0);
    EXPECT_EQ(t.model_type(), "WordPiece");
    EXPECT_FALSE(t.truncation().has_value());
}

TEST(Tokenizer, MiniLmSettingsAndVocabTxtFallback) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto folder = dir / "models/tokenizers/all-MiniLM-L6-v2";
    auto t = Tokenizer::from_file(folder / "tokenizer.json");
    ASSERT_TRUE(t.padding().has_value());
    EXPECT_EQ(t.padding()->fixed_length, 128u);
    ASSERT_TRUE(t.truncation().has_value());
    EXPECT_EQ(t.truncation()->max_length, 128u);
    EXPECT_EQ(t.vocab_size(), 30522u);
    EXPECT_EQ(t.token_to_id("[SEP]"), 102);
    // encode() ignores the file's 128 limit: the caller chooses max_length.
    std::string long_text;
    for (int i = 0; i < 300; ++i)
        long_text += "retrieval ";
    EXPECT_EQ(t.encode(long_text).size(), 302u);
    EXPECT_EQ(t.encode(long_text, true, 512).size(), 302u);

    cascade::testing::TempDir tmp;
    std::filesystem::copy_file(folder / "vocab.txt", tmp / "vocab.txt");
    auto v = Tokenizer::from_model_dir(tmp.path());
    for (const char* text : {"Héllo, WORLD! [SEP] 中文 don't", "IL-6 p53 β-catenin"}) {
        EXPECT_EQ(v.encode_pair(text, "doc text").ids, t.encode_pair(text, "doc text").ids);
    }
}

TEST(Tokenizer, MillionCharacterInputs) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto bert = Tokenizer::from_file(dir / "models/tokenizers/all-MiniLM-L6-v2/tokenizer.json");
    auto qwen = Tokenizer::from_file(dir / "models/tokenizers/qwen3/tokenizer.json");
    std::string one_word(1'000'000, 'a');
    std::string words;
    while (words.size() < 1'000'000)
        words += "lorem ipsum dolor ";
    EXPECT_EQ(bert.encode(one_word).ids, (Ids{101, 100, 102}));
    EXPECT_EQ(bert.encode_pair("query", words, 512).size(), 512u);
    Encoding q = qwen.encode(one_word, false);
    EXPECT_GT(q.size(), 1000u);
    EXPECT_EQ(qwen.encode(words, false, 512).size(), 512u);
    // Long whitespace runs: regex backtracking must not overflow (ICU's default stack did).
    std::string spaces(1'000'000, ' ');
    EXPECT_GT(qwen.encode(spaces, false).size(), 1000u);
    EXPECT_EQ(bert.encode(spaces).ids, (Ids{101, 102}));
    auto unigram = Tokenizer::from_file(std::filesystem::path(CASCADE_SOURCE_DIR) /
                                        "tests/golden/tokenizer/unigram_xlmr_style.tokenizer.json");
    // HF (npm tokenizers) gives these ids for 1,000 spaces / newlines instead of 1,000,000.
    EXPECT_EQ(unigram.encode(spaces + "x" + spaces).ids, (Ids{0, 5, 219, 5, 2}));
    EXPECT_EQ(unigram.encode(std::string(1'000'000, '\n')).ids, (Ids{0, 5, 2}));
}

TEST(Tokenizer, ThreadsAgreeWithSerial) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto qwen = Tokenizer::from_file(dir / "models/tokenizers/qwen3/tokenizer.json");
    std::vector<std::string> texts;
    for (int i = 0; i < 200; ++i) {
        texts.push_back("sample " + std::to_string(i * 7919) + " text with words like caching, " +
                        "merging and threads " + std::string(static_cast<std::size_t>(i % 9), 'x'));
    }
    std::vector<Encoding> a, b;
    std::thread t1([&] { a = qwen.encode_batch(texts); });
    std::thread t2([&] { b = qwen.encode_batch(texts); });
    t1.join();
    t2.join();
    auto fresh = Tokenizer::from_file(dir / "models/tokenizers/qwen3/tokenizer.json");
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto serial = fresh.encode(texts[i]).ids;
        EXPECT_EQ(a[i].ids, serial);
        EXPECT_EQ(b[i].ids, serial);
    }
}

}  // namespace
}  // namespace cascade::model
