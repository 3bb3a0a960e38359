/// Golden tests: cascade's ids against Hugging Face `tokenizers` on real tokenizer.json files.
/// - ../shared/models/tokenizer-testvectors: llama.cpp's 46 hard strings with HF's ids.
/// - tests/golden/tokenizer/*.jsonl: outputs of HF tokenizers (npm tokenizers@0.23.2) written
///   by tests/reference/hf_tokenize.js; see tests/golden/tokenizer/README.md.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "model/tokenizer/tokenizer.hpp"
#include "tests/run_cli.hpp"

namespace cascade::model {
namespace {

using cascade::testing::shared_dir;
using cascade::testing::slurp;

struct Vector {
    std::string text;
    std::vector<std::int32_t> ids;
};

/// Reads a llama.cpp test-vector pair: .inp strings separated by "\n__ggml_vocab_test__\n",
/// .out one line of space-separated ids per string.
std::vector<Vector> read_vectors(const std::filesystem::path& base) {
    std::string inp = slurp(base.string() + ".inp");
    std::vector<Vector> out;
    const std::string sep = "\n__ggml_vocab_test__\n";
    for (std::size_t pos = 0; pos < inp.size();) {
        std::size_t next = inp.find(sep, pos);
        if (next == std::string::npos)
            break;
        out.push_back({inp.substr(pos, next - pos), {}});
        pos = next + sep.size();
    }
    std::ifstream ids(base.string() + ".out");
    std::string line;
    for (auto& v : out) {
        if (!std::getline(ids, line))
            break;
        std::istringstream ss(line);
        std::int32_t id = 0;
        while (ss >> id)
            v.ids.push_back(id);
    }
    return out;
}

void check_vectors(const std::filesystem::path& tokenizer_json, const std::string& name) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto tokenizer = Tokenizer::from_file(dir / tokenizer_json);
    auto vectors = read_vectors(dir / "models/tokenizer-testvectors" / name);
    ASSERT_EQ(vectors.size(), 46u);
    int failures = 0;
    for (const auto& v : vectors) {
        auto got = tokenizer.encode(v.text, false).ids;
        EXPECT_EQ(got, v.ids) << name << " text: '" << v.text << "'";
        failures += got != v.ids;
    }
    EXPECT_EQ(failures, 0);
}

TEST(TokenizerVectors, BertBgeWithMiniLmTokenizerJson) {
    check_vectors("models/tokenizers/all-MiniLM-L6-v2/tokenizer.json", "bert-bge");
}

TEST(TokenizerVectors, BertBgeWithVocabTxt) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto tokenizer =
        Tokenizer::from_vocab_txt(dir / "models/tokenizers/all-MiniLM-L6-v2/vocab.txt");
    for (const auto& v : read_vectors(dir / "models/tokenizer-testvectors/bert-bge")) {
        EXPECT_EQ(tokenizer.encode(v.text, false).ids, v.ids) << "text: '" << v.text << "'";
    }
}

TEST(TokenizerVectors, Qwen2WithQwen3TokenizerJson) {
    check_vectors("models/tokenizers/qwen3/tokenizer.json", "qwen2");
}

TEST(TokenizerVectors, LlamaSpmWithSentencePieceModel) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    auto tokenizer =
        Tokenizer::from_sentencepiece(dir / "models/tokenizer-testvectors/llama2-tokenizer.model");
    EXPECT_EQ(tokenizer.vocab_size(), 32000u);
    for (const auto& v : read_vectors(dir / "models/tokenizer-testvectors/llama-spm")) {
        EXPECT_EQ(tokenizer.encode(v.text, false).ids, v.ids) << "text: '" << v.text << "'";
    }
    EXPECT_EQ(tokenizer.encode("Hello").ids.front(), 1);  // <s>
}

std::filesystem::path golden_dir() {
    return std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/golden/tokenizer";
}

TruncationStrategy strategy_of(const std::string& s) {
    if (s == "OnlySecond")
        return TruncationStrategy::only_second;
    if (s == "OnlyFirst")
        return TruncationStrategy::only_first;
    return TruncationStrategy::longest_first;
}

/// Replays every case of <name>.golden.jsonl (written by tests/reference/hf_tokenize.js).
void check_golden(const Tokenizer& tokenizer, const std::string& name) {
    std::vector<std::string> texts;
    {
        std::ifstream in(golden_dir() / "texts.jsonl");
        std::string line;
        while (std::getline(in, line))
            texts.push_back(nlohmann::json::parse(line).get<std::string>());
    }
    ASSERT_GT(texts.size(), 300u);
    std::ifstream in(golden_dir() / (name + ".golden.jsonl"));
    ASSERT_TRUE(in) << name;
    std::string line;
    int cases = 0;
    int failures = 0;
    while (std::getline(in, line)) {
        auto c = nlohmann::json::parse(line);
        if (c.contains("patch")) {
            continue;  // the header of a variant golden
        }
        const std::string& a = texts.at(c.at("a").get<std::size_t>());
        auto max_length = c.at("max_length").get<std::size_t>();
        bool special = c.at("special").get<bool>();
        Encoding e =
            c.at("b").is_null()
                ? tokenizer.encode(a, special, max_length)
                : tokenizer.encode_pair(a, texts.at(c.at("b").get<std::size_t>()), max_length,
                                        strategy_of(c.at("strategy").get<std::string>()), special);
        auto ids = c.at("ids").get<std::vector<std::int32_t>>();
        auto type_ids = c.at("type_ids").get<std::vector<std::int32_t>>();
        bool ok = e.ids == ids && e.type_ids == type_ids &&
                  e.attention_mask == std::vector<std::int32_t>(ids.size(), 1);
        if (!ok && failures < 5) {
            ADD_FAILURE() << name << " case " << cases << ": " << line.substr(0, 200);
        }
        failures += !ok;
        ++cases;
    }
    EXPECT_GT(cases, 300);
    EXPECT_EQ(failures, 0) << "of " << cases << " cases";
}

TEST(TokenizerGolden, BertMiniLmAgainstHf) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    check_golden(Tokenizer::from_file(dir / "models/tokenizers/all-MiniLM-L6-v2/tokenizer.json"),
                 "bert");
}

TEST(TokenizerGolden, Qwen3AgainstHf) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    check_golden(Tokenizer::from_file(dir / "models/tokenizers/qwen3/tokenizer.json"), "qwen3");
}

}  // namespace
}  // namespace cascade::model

namespace cascade::model {
namespace {

// The Unigram tokenizers are committed beside their goldens, so these need no shared dir.
TEST(TokenizerGolden, UnigramXlmrStyleAgainstHf) {
    check_golden(Tokenizer::from_file(golden_dir() / "unigram_xlmr_style.tokenizer.json"),
                 "unigram_xlmr_style");
}

TEST(TokenizerGolden, UnigramByteFallbackAgainstHf) {
    check_golden(Tokenizer::from_file(golden_dir() / "unigram_byte_fallback.tokenizer.json"),
                 "unigram_byte_fallback");
}

// WordLevel tokenizers built by tests/reference/make_wordlevel_goldens.js (unknown words -> unk).
TEST(TokenizerGolden, WordLevelBertAgainstHf) {
    check_golden(Tokenizer::from_file(golden_dir() / "wordlevel_bert.tokenizer.json"),
                 "wordlevel_bert");
}

TEST(TokenizerGolden, WordLevelWhitespaceAgainstHf) {
    check_golden(Tokenizer::from_file(golden_dir() / "wordlevel_whitespace.tokenizer.json"),
                 "wordlevel_whitespace");
}

}  // namespace
}  // namespace cascade::model

namespace cascade::model {
namespace {

/// Variants: a real tokenizer.json with sections replaced by the merge patch (RFC 7396) in the
/// golden's first line, covering components the real files do not use.
void check_variant(const std::string& name) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    std::ifstream in(golden_dir() / (name + ".golden.jsonl"));
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << name;
    auto header = nlohmann::json::parse(line);
    std::string base = header.at("base").get<std::string>() == "bert"
                           ? "models/tokenizers/all-MiniLM-L6-v2/tokenizer.json"
                           : "models/tokenizers/qwen3/tokenizer.json";
    auto json = nlohmann::json::parse(slurp(dir / base));
    json.merge_patch(header.at("patch"));
    check_golden(Tokenizer::from_json(json.dump(), name), name);
}

TEST(TokenizerVariants, ByteLevelRoberta) {
    check_variant("variant_bytelevel_roberta");
}
TEST(TokenizerVariants, BpeIgnoreMergesDigits) {
    check_variant("variant_bpe_ignore_merges");
}
TEST(TokenizerVariants, NfkdPunctuationDigits) {
    check_variant("variant_nfkd_punctuation");
}
TEST(TokenizerVariants, NfkcWhitespace) {
    check_variant("variant_nfkc_whitespace");
}
TEST(TokenizerVariants, NfcSplitBehaviours) {
    check_variant("variant_nfc_splits");
}
TEST(TokenizerVariants, NfdPrepend) {
    check_variant("variant_nfd_prepend");
}

}  // namespace
}  // namespace cascade::model

namespace cascade::model {
namespace {

/// Replays <name>.decode.jsonl (tests/reference/hf_decode.js): Hugging Face's decode of golden
/// and random id sequences, with and without special tokens.
void check_decode(const Tokenizer& tokenizer, const std::string& name) {
    std::ifstream in(golden_dir() / (name + ".decode.jsonl"));
    ASSERT_TRUE(in) << name;
    std::string line;
    int cases = 0;
    int failures = 0;
    while (std::getline(in, line)) {
        const auto c = nlohmann::json::parse(line);
        const auto ids = c.at("ids").get<std::vector<std::int32_t>>();
        const std::string got = tokenizer.decode(ids, c.at("skip").get<bool>());
        const bool ok = got == c.at("text").get<std::string>();
        if (!ok && failures < 5)
            ADD_FAILURE() << name << " case " << cases << ": got '" << got << "' for "
                          << line.substr(0, 300);
        failures += static_cast<int>(!ok);
        ++cases;
    }
    EXPECT_EQ(cases, 320);
    EXPECT_EQ(failures, 0) << "of " << cases << " cases";
}

TEST(TokenizerDecode, BertWordPieceAgainstHf) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    check_decode(Tokenizer::from_file(dir / "models/tokenizers/all-MiniLM-L6-v2/tokenizer.json"),
                 "bert");
}

TEST(TokenizerDecode, Qwen3ByteLevelAgainstHf) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    const auto tokenizer = Tokenizer::from_file(dir / "models/tokenizers/qwen3/tokenizer.json");
    check_decode(tokenizer, "qwen3");
    EXPECT_TRUE(tokenizer.is_special(*tokenizer.token_to_id("<|im_end|>")));
    EXPECT_FALSE(tokenizer.is_special(*tokenizer.token_to_id("yes")));
}

TEST(TokenizerDecode, UnigramMetaspaceAgainstHf) {
    check_decode(Tokenizer::from_file(golden_dir() / "unigram_xlmr_style.tokenizer.json"),
                 "unigram_xlmr_style");
}

TEST(TokenizerDecode, LlamaStyleDecoderSequenceAgainstHf) {
    auto json = nlohmann::json::parse(slurp(golden_dir() / "unigram_byte_fallback.tokenizer.json"));
    json["decoder"] = {
        {"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
    check_decode(Tokenizer::from_json(json.dump(), "llama-style"), "unigram_llama_decoder");
}

TEST(TokenizerDecode, SentencePieceModelRoundTrips) {
    auto dir = shared_dir();
    if (dir.empty())
        GTEST_SKIP() << "no shared dir";
    const auto tokenizer =
        Tokenizer::from_sentencepiece(dir / "models/tokenizer-testvectors/llama2-tokenizer.model");
    for (const std::string text :
         {"Hello world", "  two leading", "中文 and 🦙 bytes", "tabs\tand\nnewlines"}) {
        const Encoding e = tokenizer.encode(text, true);
        EXPECT_EQ(tokenizer.decode(e.ids), text) << text;
    }
}

TEST(TokenizerDecode, UnknownDecoderTypeIsNamed) {
    auto json = nlohmann::json::parse(slurp(golden_dir() / "unigram_xlmr_style.tokenizer.json"));
    json["decoder"] = {{"type", "CTC"}};
    try {
        (void)Tokenizer::from_json(json.dump(), "ctc.json");
        FAIL() << "no error";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("ctc.json"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("CTC"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace cascade::model
