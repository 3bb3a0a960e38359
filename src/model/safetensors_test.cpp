// Safetensors and model-folder validation: good files load, truncated or lying files fail
// with CorruptionError naming the file and tensor, config problems are named.
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/bert.hpp"
#include "model/safetensors.hpp"
#include "tests/run_cli.hpp"

namespace cascade::model {
namespace {

using cascade::testing::TempDir;
using cascade::testing::write_file;

const std::filesystem::path kGolden =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";

std::string make_file(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    std::uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), std::data(v), s.size());
    return s;
}

template <typename Fn>
std::string error_of(Fn fn) {
    try {
        fn();
    } catch (const CorruptionError& e) {
        return std::string("corrupt: ") + e.what();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(Safetensors, LoadsF32F16Bf16) {
    TempDir dir;
    // 1.5 = f16 0x3e00, bf16 0x3fc0; -2 = f16 0xc000, bf16 0xc000.
    std::string data = floats({1.0f, -2.5f});
    data += std::string("\x00\x3e\x00\xc0", 4) + std::string("\xc0\x3f\x00\xc0", 4);
    const std::string header =
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
        R"("h":{"dtype":"F16","shape":[2,1],"data_offsets":[8,12]},)"
        R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"__metadata__":{"x":"y"}})";
    write_file(dir / "m.safetensors", make_file(header, data));
    SafetensorsFile f(dir / "m.safetensors");
    EXPECT_EQ(f.load("a").values(), (std::vector<float>{1.0f, -2.5f}));
    EXPECT_EQ(f.load("h").values(), (std::vector<float>{1.5f, -2.0f}));
    EXPECT_EQ(f.load("h").shape(), (std::vector<std::int64_t>{2, 1}));
    EXPECT_EQ(f.load("b").values(), (std::vector<float>{1.5f, -2.0f}));
}

TEST(Safetensors, HalfConversionCoversSubnormalsAndSpecials) {
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
    EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(half_to_float(0x8000), -0.0f);
    EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
    EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
}

TEST(Safetensors, RejectsBrokenFiles) {
    TempDir dir;
    const auto p = dir / "bad.safetensors";
    const std::string good_header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    struct Case {
        std::string bytes;
        std::string expect;
    } cases[] = {
        {"abc", "truncated safetensors file"},
        {make_file(good_header, floats({1, 2})).substr(0, 20), "header length"},
        {make_file(good_header, floats({1})), "tensor 'w': data_offsets end 8 lies past"},
        {make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})),
         "tensor 'w': data_offsets span 8 bytes but shape [3]"},
        {make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", floats({1, 2})),
         "reversed"},
        {make_file(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", floats({1, 2})),
         "unknown dtype 'Q4'"},
        {make_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})),
         "non-integer or negative"},
        {make_file(R"({"w":{"dtype":"F32","shape":[2]}})", floats({1, 2})), "data_offsets"},
        {make_file(R"({"w":)", floats({1, 2})), "not valid JSON"},
        {make_file("[1,2]", ""), "not a JSON object"},
    };
    for (const auto& c : cases) {
        write_file(p, c.bytes);
        const std::string err = error_of([&] { SafetensorsFile f(p); });
        EXPECT_NE(err.find("corrupt: "), std::string::npos) << err;
        EXPECT_NE(err.find(p.string()), std::string::npos) << err;
        EXPECT_NE(err.find(c.expect), std::string::npos) << err << " / wanted: " << c.expect;
    }
    // A lying 8-byte length (huge) must not be trusted.
    std::string huge(8, '\xff');
    write_file(p, huge + "{}");
    EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("exceeds the file size"),
              std::string::npos);
}

// Every truncation of a real model file either loads (no: it always lacks bytes) or fails
// cleanly; none may crash or read past the mapping (run under ASan to be sure).
TEST(Safetensors, EveryTruncationOfARealFileFailsCleanly) {
    TempDir dir;
    const std::string full = cascade::testing::slurp(kGolden / "xlmr-tiny" / "model.safetensors");
    ASSERT_GT(full.size(), 1000u);
    std::uint64_t header_len = 0;
    std::memcpy(&header_len, full.data(), 8);
    for (std::size_t cut :
         {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{100},
          static_cast<std::size_t>(header_len + 8), full.size() / 2, full.size() - 1}) {
        write_file(dir / "model.safetensors", full.substr(0, cut));
        EXPECT_NE(error_of([&] { SafetensorsFile f(dir / "model.safetensors"); }).find("corrupt"),
                  std::string::npos)
            << "cut at " << cut;
    }
}

void copy_folder(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

TEST(ModelFolder, ShardedIndexLoadsAndNamesMissingShardTensor) {
    TempDir dir;
    copy_folder(kGolden / "minilm-l6-h384", dir / "m");
    auto index_path = dir / "m" / "model.safetensors.index.json";
    std::ifstream in(index_path);
    auto index = nlohmann::json::parse(in);
    in.close();
    index["weight_map"]["no.such.tensor"] = "model-00001-of-00002.safetensors";
    write_file(index_path, index.dump());
    const std::string err = error_of([&] { WeightStore ws(dir / "m"); });
    EXPECT_NE(err.find("no.such.tensor"), std::string::npos) << err;
}

TEST(ModelFolder, MissingOrMisshapenTensorIsNamed) {
    const WeightStore ws(kGolden / "bert-tiny");
    std::string err = error_of([&] { (void)ws.load("bert.pooler.dense.weight", {128, 64}); });
    EXPECT_NE(err.find("'bert.pooler.dense.weight' has shape [128, 128]"), std::string::npos)
        << err;
    err = error_of([&] { (void)ws.load("bert.encoder.layer.9.output.dense.weight", {1}); });
    EXPECT_NE(err.find("missing tensor 'bert.encoder.layer.9.output.dense.weight'"),
              std::string::npos)
        << err;

    // A config that promises more layers than the weights hold.
    TempDir dir;
    copy_folder(kGolden / "bert-tiny", dir / "m");
    std::ifstream in(dir / "m" / "config.json");
    auto cfg = nlohmann::json::parse(in);
    in.close();
    cfg["num_hidden_layers"] = 3;
    write_file(dir / "m" / "config.json", cfg.dump());
    err = error_of([&] { BertModel m(dir / "m"); });
    EXPECT_NE(err.find("missing tensor 'bert.encoder.layer.2.attention.self.query.weight'"),
              std::string::npos)
        << err;
}

TEST(ModelFolder, UnknownArchitectureListsSupported) {
    TempDir dir;
    copy_folder(kGolden / "bert-tiny", dir / "m");
    write_file(dir / "m" / "config.json",
               R"({"architectures":["T5ForConditionalGeneration"],"hidden_size":8})");
    const std::string err = error_of([&] { BertModel m(dir / "m"); });
    EXPECT_NE(err.find("unsupported architecture \"T5ForConditionalGeneration\""),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("BertForSequenceClassification"), std::string::npos) << err;
    EXPECT_NE(err.find("XLMRobertaForSequenceClassification"), std::string::npos) << err;
}

TEST(ModelFolder, BadInputsAreErrors) {
    const BertModel model(kGolden / "bert-tiny");
    kernels::ThreadPool pool(1);
    RunContext ctx{&pool, kernels::Isa::Scalar};
    Sequence empty;
    Sequence too_long{std::vector<std::int32_t>(513, 5), {}};
    Sequence bad_id{{101, 512}, {}};
    Sequence bad_type{{101, 5}, {0, 2}};
    for (const Sequence* s : {&empty, &too_long, &bad_id, &bad_type})
        EXPECT_NE(error_of([&] { (void)model.forward({s}, ctx); }), "no error");
    EXPECT_NE(error_of([&] { (void)model.forward({&bad_id}, ctx); }).find("token id 512"),
              std::string::npos);
}

}  // namespace
}  // namespace cascade::model
