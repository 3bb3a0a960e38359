// Bad model folders and bad inputs: each a clear error naming the file and the field.
#include <fstream>

#include "model/decoder_test_util.hpp"
#include "model/llama2c.hpp"

namespace cascade::model {
namespace {

namespace fs = std::filesystem;

// A writable copy of a golden model folder.
fs::path copy_model(const std::string& name, const std::string& tag) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("decoder_errors_" + tag);
    fs::remove_all(dir);
    fs::copy(decoder_test::kGoldenDir / name, dir, fs::copy_options::recursive);
    return dir;
}

void edit_config(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j;
    {
        std::ifstream in(dir / "config.json");
        j = nlohmann::json::parse(in);
    }
    edit(j);
    std::ofstream(dir / "config.json") << j.dump(2);
}

// The message of the Error that loading `dir` throws.
std::string load_error(const fs::path& dir) {
    try {
        const DecoderModel m(dir);
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "loading " << dir << " did not fail";
    return {};
}

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(DecoderErrors, UnsupportedArchitectureListsTheSupportedOnes) {
    const auto dir = copy_model("qwen3-tiny", "arch");
    edit_config(dir, [](auto& j) { j["architectures"] = {"MistralForCausalLM"}; });
    EXPECT_THAT(load_error(dir), AllOf(HasSubstr("config.json"), HasSubstr("MistralForCausalLM"),
                                       HasSubstr("LlamaForCausalLM"), HasSubstr("Qwen2ForCausalLM"),
                                       HasSubstr("Qwen3ForCausalLM")));
}

TEST(DecoderErrors, MissingShardNamesIndexAndShard) {
    const auto dir = copy_model("qwen2-tiny", "shard");
    fs::remove(dir / "model-00002-of-00002.safetensors");
    EXPECT_THAT(load_error(dir), AllOf(HasSubstr("model.safetensors.index.json"),
                                       HasSubstr("model-00002-of-00002.safetensors")));
}

TEST(DecoderErrors, MissingTensorNamesFileAndTensor) {
    const auto dir = copy_model("qwen3-tiny", "tensor");
    edit_config(dir, [](auto& j) { j["tie_word_embeddings"] = false; });  // needs lm_head
    EXPECT_THAT(load_error(dir),
                AllOf(HasSubstr("model.safetensors"), HasSubstr("lm_head.weight")));
}

TEST(DecoderErrors, WrongShapeNamesTensorAndShapes) {
    const auto dir = copy_model("llama3-tiny", "shape");
    edit_config(dir, [](auto& j) { j["intermediate_size"] = 40; });
    EXPECT_THAT(load_error(dir), AllOf(HasSubstr("model.safetensors"),
                                       HasSubstr("model.layers.0.mlp.gate_proj.weight"),
                                       HasSubstr("[48, 32]"), HasSubstr("[40, 32]")));
}

TEST(DecoderErrors, ConfigFieldsNotImplementedOrMissing) {
    const auto dir = copy_model("llama3-tiny", "config");
    edit_config(dir, [](auto& j) { j["rope_scaling"]["rope_type"] = "yarn"; });
    EXPECT_THAT(load_error(dir), AllOf(HasSubstr("config.json"), HasSubstr("yarn")));
    edit_config(dir, [](auto& j) {
        j["rope_scaling"] = nullptr;
        j["hidden_act"] = "gelu";
    });
    EXPECT_THAT(load_error(dir), AllOf(HasSubstr("config.json"), HasSubstr("hidden_act")));
    edit_config(dir, [](auto& j) {
        j["hidden_act"] = "silu";
        j.erase("intermediate_size");
    });
    EXPECT_THAT(load_error(dir), HasSubstr("\"intermediate_size\""));
    edit_config(dir, [](auto& j) {
        j["intermediate_size"] = 48;
        j["num_key_value_heads"] = 3;
    });
    EXPECT_THAT(load_error(dir), HasSubstr("num_key_value_heads"));
}

TEST(DecoderErrors, BadInputs) {
    const DecoderModel model(decoder_test::kGoldenDir / "qwen3-tiny");
    kernels::ThreadPool pool(1);
    const RunContext ctx{&pool, kernels::Isa::Scalar};
    auto error_of = [&](const std::function<void()>& fn) -> std::string {
        try {
            fn();
        } catch (const Error& e) {
            return e.what();
        }
        return "no error";
    };
    KvCache cache = model.new_cache();
    const std::vector<std::int32_t> bad_id{1, 128};
    EXPECT_THAT(error_of([&] { (void)model.last_logits(bad_id, cache, ctx); }),
                HasSubstr("outside the vocabulary"));
    EXPECT_EQ(cache.length(), 0u);                     // a rejected call leaves the cache alone
    const std::vector<std::int32_t> too_long(257, 1);  // max_position_embeddings 256
    EXPECT_THAT(error_of([&] { (void)model.last_logits(too_long, cache, ctx); }),
                AllOf(HasSubstr("max_position_embeddings 256"), HasSubstr("config.json")));
    const std::vector<std::int32_t> ok{1, 2, 3};
    std::vector<DecoderInput> twice(2);
    for (auto& in : twice) {
        in.tokens = ok;
        in.cache = &cache;
    }
    EXPECT_THAT(error_of([&] { (void)model.forward(twice, {}, ctx); }),
                HasSubstr("shares its KV cache"));
    DecoderOptions layers;
    layers.attention_layers = {2};
    EXPECT_THAT(error_of([&] { (void)model.forward(std::span(twice).subspan(0, 1), layers, ctx); }),
                HasSubstr("attention layer 2"));
}

TEST(DecoderErrors, Llama2cTruncatedOrBadHeader) {
    if (!std::filesystem::exists(decoder_test::kStories))
        GTEST_SKIP() << "needs ../shared/models (stories260K)";
    const fs::path bad = fs::path(::testing::TempDir()) / "truncated_stories.bin";
    {
        std::ifstream in(decoder_test::kStories, std::ios::binary);
        std::vector<char> head(100000);
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        std::ofstream(bad, std::ios::binary).write(head.data(), in.gcount());
    }
    try {
        (void)load_llama2c(bad);
        ADD_FAILURE() << "no error";
    } catch (const CorruptionError& e) {
        EXPECT_THAT(std::string(e.what()),
                    AllOf(HasSubstr("truncated_stories.bin"), HasSubstr("100000 bytes")));
    }
    {
        const std::int32_t header[7] = {64, 172, 5, 7, 4, 512, 512};  // 7 heads: 64 % 7 != 0
        std::ofstream(bad, std::ios::binary)
            .write(reinterpret_cast<const char*>(header), sizeof(header));
    }
    EXPECT_THROW((void)load_llama2c(bad), CorruptionError);
}

}  // namespace
}  // namespace cascade::model
