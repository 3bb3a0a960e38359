/// Static embedding models through the runtime: the committed tiny Model2Vec and
/// sentence-transformers folders against NumPy (tests/reference/make_static_goldens.py, ids from
/// Hugging Face's tokenizer), normalization on and off, detection, and malformed folders.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/static_embedding.hpp"
#include "runtime/model_pool.hpp"
#include "runtime/static_family.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

namespace fs = std::filesystem;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;
using nlohmann::json;

const fs::path kGold = fs::path(CASCADE_SOURCE_DIR) / "tests/golden/model";

std::unique_ptr<Model> load(const fs::path& dir, std::size_t max_length = 0) {
    ModelOptions options;
    options.dir = dir;
    options.max_length = max_length;
    return load_model(options, Task::EmbedTexts, 1);
}

/// Replays <name>.golden.json against the folder `dir`: ids, and the `field` vectors
/// ("normalized" or "mean") within 1e-6.
void check_golden(const fs::path& dir, const std::string& name, const std::string& field) {
    const json golden = json::parse(slurp(kGold / (name + ".golden.json")));
    const auto texts = golden.at("texts").get<std::vector<std::string>>();
    int cases = 0;
    for (const json& c : golden.at("cases")) {
        const auto max_length = c.at("max_length").get<std::size_t>();
        auto model = load(dir, max_length == 512 ? 0 : max_length);  // 0: the default, 512
        ASSERT_EQ(model->max_length(), max_length);
        const std::string& text = texts.at(c.at("text").get<std::size_t>());
        const auto encodings = model->encode_texts(std::span(&text, 1), max_length);
        ASSERT_EQ(encodings.size(), 1u);
        EXPECT_EQ(encodings[0].ids, c.at("ids").get<std::vector<std::int32_t>>())
            << name << " text " << c.at("text") << " max_length " << max_length;
        const auto got = model->forward(encodings, 1);
        const auto want = c.at(field).get<std::vector<double>>();
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t d = 0; d < want.size(); ++d)
            EXPECT_NEAR(got[d], want[d], 1e-6) << name << " text " << c.at("text") << " dim " << d;
        ++cases;
    }
    EXPECT_EQ(cases, 22);
}

fs::path copy_folder(const TempDir& tmp, const std::string& name) {
    const fs::path dir = tmp / name;
    fs::copy(kGold / name, dir, fs::copy_options::recursive);
    return dir;
}

TEST(StaticEmbedding, Model2VecMatchesNumpy) {
    EXPECT_TRUE(is_static_folder(kGold / "static-tiny"));
    const model::StaticEmbedding m(kGold / "static-tiny");
    EXPECT_EQ(m.layout(), model::StaticLayout::Model2Vec);  // its modules.json notwithstanding
    EXPECT_EQ(m.dimension(), 8u);
    EXPECT_TRUE(m.normalize());
    check_golden(kGold / "static-tiny", "static-tiny", "normalized");
}

TEST(StaticEmbedding, Model2VecWithoutNormalize) {
    TempDir tmp;
    const fs::path dir = copy_folder(tmp, "static-tiny");
    json config = json::parse(slurp(dir / "config.json"));
    config["normalize"] = false;
    write_file(dir / "config.json", config.dump());
    check_golden(dir, "static-tiny", "mean");
    write_file(dir / "config.json", "{}");  // early Model2Vec files; normalize defaults to false
    EXPECT_TRUE(is_static_folder(dir));
    check_golden(dir, "static-tiny", "mean");
}

TEST(StaticEmbedding, SentenceTransformersMatchesNumpy) {
    EXPECT_TRUE(is_static_folder(kGold / "static-tiny-st"));
    const model::StaticEmbedding m(kGold / "static-tiny-st");
    EXPECT_EQ(m.layout(), model::StaticLayout::SentenceTransformers);
    EXPECT_TRUE(m.normalize());
    check_golden(kGold / "static-tiny-st", "static-tiny-st", "normalized");
}

TEST(StaticEmbedding, SentenceTransformersWithoutNormalizeModule) {
    TempDir tmp;
    const fs::path dir = copy_folder(tmp, "static-tiny-st");
    json modules = json::parse(slurp(dir / "modules.json"));
    modules.erase(1);
    write_file(dir / "modules.json", modules.dump());
    check_golden(dir, "static-tiny-st", "mean");
}

TEST(StaticEmbedding, ThroughThePoolLikeEveryBiEncoder) {
    ModelPool pool;
    ModelOptions options;
    options.dir = kGold / "static-tiny";
    auto loaded = pool.get(options, Task::EmbedTexts);
    const std::vector<std::string> texts = {"The cat sat on the mat.", "", "zebra"};
    const auto flat = loaded->embed_texts(texts).get();
    ASSERT_EQ(flat.size(), 3u * 8u);
    const model::StaticEmbedding m(kGold / "static-tiny");
    const auto first = m.embed(texts[0]);
    for (std::size_t d = 0; d < 8; ++d) {
        EXPECT_EQ(flat[d], first[d]);
        EXPECT_EQ(flat[8 + d], 0.0f);   // empty text: the zero vector
        EXPECT_EQ(flat[16 + d], 0.0f);  // unknown words only (unk dropped)
    }
    EXPECT_THROW((void)pool.get(options, Task::ScorePairs), UsageError);
    EXPECT_THROW((void)load_static_model(options, Task::ScorePairs, 1), UsageError);
}

TEST(StaticEmbedding, TransformerFoldersAreNotStatic) {
    EXPECT_FALSE(is_static_folder(kGold / "bert-micro-bi"));  // modules.json: Transformer first
    EXPECT_FALSE(is_static_folder(kGold / "bert-tiny"));
    EXPECT_FALSE(is_static_folder(kGold / "qwen3-tiny"));
    EXPECT_FALSE(is_static_folder(kGold / "no-such-folder"));
}

/// A safetensors file with one tensor of `dtype` and `shape`, zero-filled.
std::string safetensors(const std::string& name, const std::string& dtype,
                        const std::vector<std::int64_t>& shape, std::size_t element_bytes = 4) {
    std::size_t n = 1;
    for (auto d : shape)
        n *= static_cast<std::size_t>(d);
    const json header = {
        {name, {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {0, n * element_bytes}}}}};
    std::string text = header.dump();
    const std::uint64_t size = text.size();
    std::string out(8, '\0');
    std::memcpy(out.data(), &size, 8);
    return out + text + std::string(n * element_bytes, '\0');
}

/// Expects load() of `dir` to throw InputError mentioning every one of `parts`.
void expect_input_error(const fs::path& dir, const std::vector<std::string>& parts) {
    try {
        (void)load_static_model(ModelOptions{.dir = dir}, Task::EmbedTexts, 1);
        ADD_FAILURE() << "no error for " << dir;
    } catch (const InputError& e) {
        for (const auto& p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

TEST(StaticEmbedding, MalformedModel2VecFoldersNameFileAndField) {
    TempDir tmp;
    const fs::path dir = copy_folder(tmp, "static-tiny");
    const std::int64_t rows = 33;  // [UNK] + 32 words
    write_file(dir / "model.safetensors", safetensors("other", "F32", {rows, 8}));
    expect_input_error(dir, {"model.safetensors", "no tensor 'embeddings'", "other"});
    write_file(dir / "model.safetensors", safetensors("embeddings", "F32", {rows * 8}));
    expect_input_error(dir, {"model.safetensors", "'embeddings'", "2-D", "[264]"});
    write_file(dir / "model.safetensors", safetensors("embeddings", "I8", {rows, 8}, 1));
    expect_input_error(dir, {"model.safetensors", "dtype I8"});
    write_file(dir / "model.safetensors", safetensors("embeddings", "F32", {rows - 1, 8}));
    expect_input_error(dir, {"tokenizer.json", "vocabulary size 33", "32 rows"});
    write_file(dir / "model.safetensors", safetensors("embeddings", "F32", {rows, 8}));
    EXPECT_NO_THROW((void)load(dir));
    write_file(dir / "config.json", R"({"normalize": "yes"})");
    expect_input_error(dir, {"config.json", "\"normalize\""});
    write_file(dir / "config.json", R"({"normalize": tru)");
    expect_input_error(dir, {"config.json", "malformed JSON"});
    write_file(dir / "config.json", R"({"normalize": true})");
    fs::remove(dir / "tokenizer.json");
    expect_input_error(dir, {"tokenizer.json", "missing", "Model2Vec"});
}

TEST(StaticEmbedding, MalformedSentenceTransformersFoldersNameFileAndField) {
    TempDir tmp;
    const fs::path dir = copy_folder(tmp, "static-tiny-st");
    json modules = json::parse(slurp(dir / "modules.json"));
    modules[1]["type"] = "sentence_transformers.models.Dense";
    write_file(dir / "modules.json", modules.dump());
    expect_input_error(dir, {"modules.json", "module 1", "models.Dense"});
    modules.erase(1);
    write_file(dir / "modules.json", modules.dump());
    write_file(dir / "0_StaticEmbedding/model.safetensors",
               safetensors("embedding.bias", "F16", {8}, 2));
    expect_input_error(dir, {"0_StaticEmbedding/model.safetensors", "'embedding.weight'"});
    fs::remove(dir / "0_StaticEmbedding/model.safetensors");
    expect_input_error(dir, {"0_StaticEmbedding/model.safetensors", "missing"});
}

TEST(StaticEmbedding, NeitherLayoutIsNamed) {
    TempDir tmp;
    write_file(tmp / "config.json", R"({"model_type": "bert"})");
    expect_input_error(tmp.path(), {"not a static embedding model", "modules.json"});
}

}  // namespace
}  // namespace cascade::runtime
