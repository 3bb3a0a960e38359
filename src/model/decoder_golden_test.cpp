// Compares DecoderModel with the float64 PyTorch reference of Llama / Qwen2 / Qwen3
// (tests/reference/decoder_reference.py) on the random-weight folders under
// tests/golden/model/: last-position logits, chosen rows and vocabulary entries, attention
// probabilities of chosen rows and layers, and greedy tokens.
#include "model/decoder_test_util.hpp"
#include "model/generation.hpp"

namespace cascade::model {
namespace {

using decoder_test::expect_close;

class DecoderGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DecoderGoldenTest, LogitsRowsAndAttentionMatchReference) {
    const auto golden = decoder_test::read_golden(GetParam());
    const double tol = golden.at("tolerance").get<double>();
    const DecoderModel model(decoder_test::kGoldenDir / GetParam());
    kernels::ThreadPool pool(2);
    kernels::set_blas_threads(1);
    for (const auto isa : decoder_test::isas()) {
        const RunContext ctx{&pool, isa};
        for (const auto& c : golden.at("cases")) {
            const std::string where =
                GetParam() + " " + c.at("name").get<std::string>() + " " + kernels::isa_name(isa);
            const auto ids = c.at("input_ids").get<std::vector<std::int32_t>>();
            KvCache cache = model.new_cache();
            const auto last = model.last_logits(ids, cache, ctx);
            expect_close(last, c.at("last_logits").get<std::vector<double>>(), tol,
                         where + " last logits");
            EXPECT_EQ(cache.length(), ids.size());

            KvCache fresh = model.new_cache();
            DecoderInput in;
            in.tokens = ids;
            in.cache = &fresh;
            in.logit_rows = c.at("positions").get<std::vector<std::size_t>>();
            in.attention_rows = c.at("attention_rows").get<std::vector<std::size_t>>();
            DecoderOptions options;
            options.vocab_rows = c.at("vocab_rows").get<std::vector<std::int32_t>>();
            options.attention_layers = c.at("attention_layers").get<std::vector<std::size_t>>();
            const auto out = model.forward(std::span<DecoderInput>(&in, 1), options, ctx);
            const auto want_rows = c.at("row_logits").get<std::vector<std::vector<double>>>();
            const Tensor& logits = out.front().logits;
            ASSERT_EQ(logits.dim(0), static_cast<std::int64_t>(want_rows.size()));
            const auto cols = static_cast<std::size_t>(logits.dim(1));
            for (std::size_t r = 0; r < want_rows.size(); ++r)
                expect_close(std::span<const float>(logits.data() + r * cols, cols), want_rows[r],
                             tol, where + " chosen rows");
            const auto want_att =
                c.at("attention").get<std::vector<std::vector<std::vector<std::vector<double>>>>>();
            ASSERT_EQ(out.front().attention.size(), want_att.size());
            for (std::size_t l = 0; l < want_att.size(); ++l) {
                const Tensor& a = out.front().attention[l];
                ASSERT_EQ(a.dim(0), static_cast<std::int64_t>(want_att[l].size()));
                const auto keys = static_cast<std::size_t>(a.dim(2));
                ASSERT_EQ(keys, ids.size());
                for (std::size_t h = 0; h < want_att[l].size(); ++h)
                    for (std::size_t r = 0; r < want_att[l][h].size(); ++r)
                        expect_close(std::span<const float>(
                                         a.data() + (h * want_att[l][h].size() + r) * keys, keys),
                                     want_att[l][h][r], tol,
                                     where + " attention layer " + std::to_string(l));
            }
        }
    }
}

TEST_P(DecoderGoldenTest, GreedyTokensMatchReference) {
    const auto golden = decoder_test::read_golden(GetParam());
    const DecoderModel model(decoder_test::kGoldenDir / GetParam());
    kernels::ThreadPool pool(2);
    for (const auto isa : decoder_test::isas()) {
        const RunContext ctx{&pool, isa};
        for (const auto& g : golden.at("greedy")) {
            const auto prompt = g.at("prompt").get<std::vector<std::int32_t>>();
            const auto want = g.at("tokens").get<std::vector<std::int32_t>>();
            GenerationOptions options;
            options.max_new_tokens = want.size();
            KvCache cache = model.new_cache();
            const auto got = generate(model, prompt, cache, options, ctx);
            EXPECT_EQ(got.tokens, want) << GetParam() << " " << kernels::isa_name(isa);
            EXPECT_FALSE(got.stopped);
            EXPECT_EQ(cache.length(), prompt.size() + want.size() - 1);
        }
    }
}

TEST(DecoderConfigTest, ReadsEachArchitecturesFields) {
    const auto qwen3 = load_decoder_config(decoder_test::kGoldenDir / "qwen3-tiny");
    EXPECT_EQ(qwen3.architecture, DecoderArchitecture::Qwen3);
    EXPECT_EQ(qwen3.head_dim, 16);  // explicit, != hidden / heads = 8
    EXPECT_EQ(qwen3.num_kv_heads, 2);
    EXPECT_TRUE(qwen3.tie_word_embeddings);
    EXPECT_TRUE(qwen3.qk_norm);
    EXPECT_FALSE(qwen3.qkv_bias);
    EXPECT_EQ(qwen3.eos_token_ids, std::vector<std::int32_t>{2});
    const auto llama = load_decoder_config(decoder_test::kGoldenDir / "llama3-tiny");
    EXPECT_EQ(llama.rope_scaling.kind, RopeScaling::Kind::Llama3);
    EXPECT_EQ(llama.rope_scaling.original_max_position_embeddings, 64);
    EXPECT_DOUBLE_EQ(llama.rope_scaling.factor, 8.0);
    EXPECT_EQ(llama.head_dim, 16);
    EXPECT_EQ(llama.eos_token_ids, (std::vector<std::int32_t>{2, 3}));
    const auto qwen2 = load_decoder_config(decoder_test::kGoldenDir / "qwen2-tiny");
    EXPECT_TRUE(qwen2.qkv_bias);
    EXPECT_FALSE(qwen2.o_bias);
    EXPECT_TRUE(is_decoder_folder(decoder_test::kGoldenDir / "qwen2-tiny"));
    EXPECT_FALSE(is_decoder_folder(decoder_test::kGoldenDir / "bert-tiny"));
}

// The llama3 rescaling keeps short wavelengths, divides long ones by `factor` and
// interpolates between (transformers' _compute_llama3_parameters).
TEST(DecoderConfigTest, Llama3FrequencyBands) {
    RopeScaling s;
    s.kind = RopeScaling::Kind::Llama3;
    s.factor = 8;
    s.low_freq_factor = 1;
    s.high_freq_factor = 4;
    s.original_max_position_embeddings = 64;  // keep below 16, divide above 64
    const double two_pi = 6.283185307179586;
    const auto out = llama3_inverse_frequencies({two_pi / 8, two_pi / 32, two_pi / 128}, s);
    EXPECT_DOUBLE_EQ(out[0], two_pi / 8);
    EXPECT_DOUBLE_EQ(out[2], two_pi / 128 / 8);
    const double smooth = (64.0 / 32 - 1) / (4 - 1);
    EXPECT_NEAR(out[1], (1 - smooth) * two_pi / 32 / 8 + smooth * two_pi / 32, 1e-15);
}

INSTANTIATE_TEST_SUITE_P(Models, DecoderGoldenTest,
                         ::testing::Values("qwen3-tiny", "llama3-tiny", "qwen2-tiny"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

}  // namespace
}  // namespace cascade::model
