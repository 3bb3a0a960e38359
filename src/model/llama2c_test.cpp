// The real tiny Llama stories260K (llama2.c .bin) against tests/reference/llama2c_reference.py,
// a float64 re-statement of llama2.c's run.c: logits of prompts and greedy continuations.
#include "model/llama2c.hpp"
#include "model/decoder_test_util.hpp"
#include "model/generation.hpp"

namespace cascade::model {
namespace {

TEST(Llama2c, ReadsTheHeader) {
    if (!std::filesystem::exists(decoder_test::kStories))
        GTEST_SKIP() << "needs ../shared/models (stories260K)";
    const DecoderModel m = load_llama2c(decoder_test::kStories);
    const auto& c = m.config();
    EXPECT_EQ(c.hidden_size, 64);
    EXPECT_EQ(c.intermediate_size, 172);
    EXPECT_EQ(c.num_layers, 5);
    EXPECT_EQ(c.num_heads, 8);
    EXPECT_EQ(c.num_kv_heads, 4);
    EXPECT_EQ(c.vocab_size, 512);
    EXPECT_EQ(c.max_position_embeddings, 512);
    EXPECT_TRUE(c.tie_word_embeddings);  // positive vocab_size: shared classifier
}

TEST(Llama2c, Stories260KMatchesReference) {
    if (!std::filesystem::exists(decoder_test::kStories))
        GTEST_SKIP() << "needs ../shared/models (stories260K)";
    const auto golden = decoder_test::read_golden("stories260K");
    const double tol = golden.at("tolerance").get<double>();
    const DecoderModel m = load_llama2c(decoder_test::kStories);
    kernels::ThreadPool pool(2);
    for (const auto isa : decoder_test::isas()) {
        const RunContext ctx{&pool, isa};
        for (const auto& c : golden.at("cases")) {
            const auto ids = c.at("input_ids").get<std::vector<std::int32_t>>();
            KvCache cache = m.new_cache();
            decoder_test::expect_close(
                m.last_logits(ids, cache, ctx), c.at("last_logits").get<std::vector<double>>(), tol,
                "prompt of " + std::to_string(ids.size()) + " tokens " + kernels::isa_name(isa));
        }
        for (const auto& g : golden.at("greedy")) {
            const auto prompt = g.at("prompt").get<std::vector<std::int32_t>>();
            const auto want = g.at("tokens").get<std::vector<std::int32_t>>();
            GenerationOptions o;
            o.max_new_tokens = want.size();
            KvCache cache = m.new_cache();
            EXPECT_EQ(generate(m, prompt, cache, o, ctx).tokens, want) << kernels::isa_name(isa);
        }
    }
}

}  // namespace
}  // namespace cascade::model
