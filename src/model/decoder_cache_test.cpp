// KV-cache decoding against full recomputation, forked caches against independent runs,
// batched against one-by-one, vocabulary subsets, the cached attention op against its
// double-precision oracle, int8, and the sampler.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/decoder_test_util.hpp"
#include "model/generation.hpp"
#include "model/ops/cached_attention.hpp"

namespace cascade::model {
namespace {

using decoder_test::expect_close;

std::vector<std::int32_t> random_tokens(std::size_t n, std::int64_t vocab, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int32_t> dist(0, static_cast<std::int32_t>(vocab - 1));
    std::vector<std::int32_t> out(n);
    for (auto& t : out)
        t = dist(rng);
    return out;
}

// Logits of every position of `tokens`, computed in one call on a fresh cache.
Tensor all_logits(const DecoderModel& m, std::span<const std::int32_t> tokens,
                  const RunContext& ctx) {
    KvCache cache = m.new_cache();
    DecoderInput in;
    in.tokens = tokens;
    in.cache = &cache;
    in.logit_rows.resize(tokens.size());
    std::iota(in.logit_rows.begin(), in.logit_rows.end(), 0);
    return std::move(m.forward(std::span<DecoderInput>(&in, 1), {}, ctx).front().logits);
}

std::span<const float> row(const Tensor& t, std::size_t r) {
    const auto cols = static_cast<std::size_t>(t.dim(1));
    return {t.data() + r * cols, cols};
}

class DecoderCacheTest : public ::testing::TestWithParam<std::string> {
protected:
    DecoderCacheTest() : model(decoder_test::kGoldenDir / GetParam()), pool(2) {}
    DecoderModel model;
    kernels::ThreadPool pool;
};

TEST_P(DecoderCacheTest, StepwiseDecodingEqualsFullRecomputation) {
    const RunContext ctx{&pool, kernels::best_isa()};
    const auto tokens = random_tokens(40, model.config().vocab_size, 7);
    const Tensor full = all_logits(model, tokens, ctx);
    // One token at a time, then in uneven chunks.
    KvCache cache = model.new_cache();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto logits = model.last_logits(std::span(tokens).subspan(i, 1), cache, ctx);
        expect_close(logits, row(full, i), 1e-4, "step " + std::to_string(i));
    }
    KvCache chunked = model.new_cache();
    std::size_t at = 0;
    for (std::size_t len : {13u, 1u, 19u, 7u}) {
        const auto logits = model.last_logits(std::span(tokens).subspan(at, len), chunked, ctx);
        at += len;
        expect_close(logits, row(full, at - 1), 1e-4, "chunk ending " + std::to_string(at));
    }
}

TEST_P(DecoderCacheTest, ForkedCachesEqualIndependentRuns) {
    const RunContext ctx{&pool, kernels::best_isa()};
    const auto vocab = model.config().vocab_size;
    const auto prefix = random_tokens(17, vocab, 1);
    const std::vector<std::vector<std::int32_t>> suffixes{
        random_tokens(9, vocab, 2), random_tokens(1, vocab, 3), random_tokens(23, vocab, 4)};
    KvCache shared = model.new_cache();
    DecoderInput p;
    p.tokens = prefix;
    p.cache = &shared;  // no logit rows: only cached
    EXPECT_EQ(model.forward(std::span<DecoderInput>(&p, 1), {}, ctx).front().logits.dim(0), 0);
    ASSERT_EQ(shared.length(), prefix.size());

    // All continuations in one batched call, each on its own fork.
    std::vector<KvCache> forks;
    for (std::size_t s = 0; s < suffixes.size(); ++s)
        forks.push_back(shared.fork(suffixes[s].size()));
    std::vector<DecoderInput> inputs(suffixes.size());
    for (std::size_t s = 0; s < suffixes.size(); ++s) {
        inputs[s].tokens = suffixes[s];
        inputs[s].cache = &forks[s];
        inputs[s].logit_rows.resize(suffixes[s].size());
        std::iota(inputs[s].logit_rows.begin(), inputs[s].logit_rows.end(), 0);
    }
    const auto outs = model.forward(inputs, {}, ctx);
    EXPECT_EQ(shared.length(), prefix.size());  // forks never touch the shared prefix
    for (std::size_t s = 0; s < suffixes.size(); ++s) {
        std::vector<std::int32_t> whole = prefix;
        whole.insert(whole.end(), suffixes[s].begin(), suffixes[s].end());
        const Tensor alone = all_logits(model, whole, ctx);
        for (std::size_t i = 0; i < suffixes[s].size(); ++i)
            expect_close(row(outs[s].logits, i), row(alone, prefix.size() + i), 1e-4,
                         "fork " + std::to_string(s) + " row " + std::to_string(i));
        EXPECT_EQ(forks[s].length(), whole.size());
    }
}

TEST_P(DecoderCacheTest, VocabularySubsetEqualsFullColumnsAndAttentionIsOptional) {
    const RunContext ctx{&pool, kernels::best_isa()};
    const auto tokens = random_tokens(12, model.config().vocab_size, 9);
    const Tensor full = all_logits(model, tokens, ctx);
    KvCache cache = model.new_cache();
    DecoderInput in;
    in.tokens = tokens;
    in.cache = &cache;
    in.logit_rows = {11, 4};
    in.attention_rows = {11, 0, 5};
    DecoderOptions options;
    options.vocab_rows = {9, 0, 9, 100};
    options.attention_layers = {1};
    const auto out = model.forward(std::span<DecoderInput>(&in, 1), options, ctx).front();
    ASSERT_EQ(out.logits.dim(1), 4);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t j = 0; j < 4; ++j)
            EXPECT_NEAR(
                row(out.logits, r)[j],
                row(full, in.logit_rows[r])[static_cast<std::size_t>(options.vocab_rows[j])], 1e-4);
    const Tensor& a = out.attention.at(0);
    const auto keys = static_cast<std::size_t>(a.dim(2));
    for (std::int64_t h = 0; h < a.dim(0); ++h)
        for (std::size_t r = 0; r < 3; ++r) {
            const float* p = a.data() + (static_cast<std::size_t>(h) * 3 + r) * keys;
            const std::size_t pos = in.attention_rows[r];
            EXPECT_NEAR(std::accumulate(p, p + keys, 0.0), 1.0, 1e-5);
            for (std::size_t k = pos + 1; k < keys; ++k)
                EXPECT_EQ(p[k], 0.0f) << "future key " << k << " of row " << pos;
        }
}

TEST_P(DecoderCacheTest, Int8StaysCloseToFp32) {
    const RunContext ctx{&pool, kernels::best_isa()};
    const auto tokens = random_tokens(20, model.config().vocab_size, 11);
    KvCache c32 = model.new_cache();
    const auto fp32 = model.last_logits(tokens, c32, ctx);
    DecoderModel q(decoder_test::kGoldenDir / GetParam());
    q.quantize_int8();
    KvCache c8 = q.new_cache();
    const auto int8 = q.last_logits(tokens, c8, ctx);
    double dot = 0, n32 = 0, n8 = 0;
    for (std::size_t i = 0; i < fp32.size(); ++i) {
        dot += static_cast<double>(fp32[i]) * int8[i];
        n32 += static_cast<double>(fp32[i]) * fp32[i];
        n8 += static_cast<double>(int8[i]) * int8[i];
    }
    EXPECT_GT(dot / std::sqrt(n32 * n8), 0.99);
}

TEST_P(DecoderCacheTest, Bf16StaysCloseToFp32AndRoundsItsWeights) {
    const RunContext ctx{&pool, kernels::best_isa()};
    const auto tokens = random_tokens(20, model.config().vocab_size, 13);
    KvCache c32 = model.new_cache();
    const auto fp32 = model.last_logits(tokens, c32, ctx);
    const DecoderModel b(decoder_test::kGoldenDir / GetParam(), DecoderModel::Blocks::Bf16);
    KvCache cb = b.new_cache();
    const auto bf16 = b.last_logits(tokens, cb, ctx);
    double dot = 0, n32 = 0, nb = 0, worst = 0;
    for (std::size_t i = 0; i < fp32.size(); ++i) {
        dot += static_cast<double>(fp32[i]) * bf16[i];
        n32 += static_cast<double>(fp32[i]) * fp32[i];
        nb += static_cast<double>(bf16[i]) * bf16[i];
        worst = std::max(worst, std::fabs(static_cast<double>(fp32[i]) - bf16[i]));
    }
    EXPECT_GT(dot / std::sqrt(n32 * nb), 0.999);
    // The goldens' weights are fp32 values, not bf16 ones: a bf16 model that silently kept
    // fp32 would give the fp32 logits to the last bit.
    EXPECT_GT(worst, 1e-6);
    // Batched rows and the KV cache work as in fp32: stepwise decoding equals one call.
    KvCache stepwise = b.new_cache();
    std::vector<float> last;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        last = b.last_logits(std::span(tokens).subspan(i, 1), stepwise, ctx);
    expect_close(last, bf16, 1e-4, "bf16 stepwise");
}

INSTANTIATE_TEST_SUITE_P(Models, DecoderCacheTest,
                         ::testing::Values("qwen3-tiny", "llama3-tiny", "qwen2-tiny"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(CachedAttention, MatchesDoubleOracleWithPastAndGqa) {
    ops::AttentionParams p;
    p.num_heads = 6;
    p.num_kv_heads = 2;
    p.scale = 0.25f;
    std::mt19937 rng(5);
    std::normal_distribution<float> dist;
    kernels::ThreadPool pool(3);
    // head_dim 16 and 48 take the AVX-512 tiles (one and two 16-column blocks of context);
    // 20 takes the axpy path on every ISA. 33 rows leave a tile of 1 after four of 8.
    for (const std::size_t head_dim : {16u, 20u, 48u})
        for (const auto isa : decoder_test::isas())
            for (std::size_t past : {0u, 1u, 30u})
                for (std::size_t rows : {1u, 5u, 33u}) {
                    p.head_dim = head_dim;
                    const std::string where = "head_dim " + std::to_string(head_dim) + " past " +
                                              std::to_string(past) + " rows " +
                                              std::to_string(rows);
                    const std::size_t qw = p.num_heads * p.head_dim;
                    const std::size_t kvw = p.num_kv_heads * p.head_dim;
                    const std::size_t total = past + rows;
                    std::vector<float> q(rows * qw), k(total * kvw), v(k.size());
                    for (auto* buf : {&q, &k, &v})
                        for (auto& x : *buf)
                            x = dist(rng);
                    std::vector<float> got(rows * qw), want(rows * qw);
                    // Rows 0 and rows - 1 export: the first sees past + 1 keys, the last all.
                    const std::vector<std::size_t> exported =
                        rows > 1 ? std::vector<std::size_t>{rows - 1, 0}
                                 : std::vector<std::size_t>{0};
                    std::vector<float> probs(p.num_heads * exported.size() * total, -1.0f);
                    ops::CachedSequence s{q.data(), qw,       rows,        past,
                                          k.data(), v.data(), kvw,         got.data(),
                                          qw,       exported, probs.data()};
                    std::vector<ops::CachedSequence> batch{s};
                    ops::cached_attention(batch, p, pool, isa);
                    ops::CachedSequence ref = s;
                    ref.out = want.data();
                    ops::cached_attention_reference(ref, p);
                    expect_close(got, want, 1e-5, where);
                    // Exported probabilities against a double softmax of the same scores.
                    const std::size_t group = p.num_heads / p.num_kv_heads;
                    for (std::size_t h = 0; h < p.num_heads; ++h)
                        for (std::size_t e = 0; e < exported.size(); ++e) {
                            const std::size_t i = exported[e];
                            const std::size_t visible = past + i + 1;
                            std::vector<double> sc(visible);
                            for (std::size_t j = 0; j < visible; ++j) {
                                double acc = 0;
                                for (std::size_t c = 0; c < p.head_dim; ++c)
                                    acc += static_cast<double>(q[i * qw + h * p.head_dim + c]) *
                                           k[j * kvw + (h / group) * p.head_dim + c];
                                sc[j] = acc * p.scale;
                            }
                            const double mx = *std::max_element(sc.begin(), sc.end());
                            double sum = 0;
                            for (auto& x : sc)
                                sum += (x = std::exp(x - mx));
                            const float* pr = probs.data() + (h * exported.size() + e) * total;
                            for (std::size_t j = 0; j < total; ++j)
                                ASSERT_NEAR(pr[j], j < visible ? sc[j] / sum : 0.0, 1e-5)
                                    << where << " head " << h << " row " << i << " key " << j;
                        }
                }
}

TEST(TokenSampler, SeededTopPAndStops) {
    const DecoderModel model(decoder_test::kGoldenDir / "qwen3-tiny");
    kernels::ThreadPool pool(1);
    const RunContext ctx{&pool, kernels::best_isa()};
    const std::vector<std::int32_t> prompt{3, 14, 15, 92, 65};
    auto run = [&](GenerationOptions o) {
        KvCache cache = model.new_cache();
        return generate(model, prompt, cache, o, ctx);
    };
    GenerationOptions greedy;
    greedy.max_new_tokens = 10;
    const auto g = run(greedy);
    ASSERT_EQ(g.tokens.size(), 10u);

    GenerationOptions sampled = greedy;
    sampled.temperature = 1.5f;
    sampled.top_p = 0.95f;
    sampled.seed = 42;
    EXPECT_EQ(run(sampled).tokens, run(sampled).tokens);  // same seed, same tokens
    sampled.seed = 43;
    bool differs = false;
    for (std::uint64_t seed = 43; seed < 48 && !differs; ++seed) {
        sampled.seed = seed;
        differs = run(sampled).tokens != g.tokens;
    }
    EXPECT_TRUE(differs) << "temperature 1.5 never left the greedy path";

    GenerationOptions nucleus = greedy;  // a tiny nucleus holds only the most likely token
    nucleus.temperature = 1.0f;
    nucleus.top_p = 1e-6f;
    EXPECT_EQ(run(nucleus).tokens, g.tokens);

    GenerationOptions stop = greedy;
    stop.stop_tokens = {g.tokens[3]};
    const auto s = run(stop);
    EXPECT_TRUE(s.stopped);
    const auto first = std::find(g.tokens.begin(), g.tokens.end(), g.tokens[3]) - g.tokens.begin();
    EXPECT_EQ(s.tokens.size(), static_cast<std::size_t>(first) + 1);
}

TEST(GenerateBatch, EachSequenceGetsWhatGenerateGivesItAlone) {
    const DecoderModel model(decoder_test::kGoldenDir / "qwen3-tiny");
    kernels::ThreadPool pool(2);
    const RunContext ctx{&pool, kernels::best_isa()};
    // Prompts of different lengths; one sequence continues a cached prefix.
    const std::vector<std::vector<std::int32_t>> prompts{
        {3, 14, 15, 92, 65}, {7}, random_tokens(23, model.config().vocab_size, 5)};
    GenerationOptions options;
    options.max_new_tokens = 9;
    std::vector<GenerationResult> alone;
    for (const auto& p : prompts) {
        KvCache cache = model.new_cache();
        alone.push_back(generate(model, p, cache, options, ctx));
    }
    // A stop token the second sequence meets early ends it while the others go on.
    options.stop_tokens = {alone[1].tokens[2]};
    std::vector<GenerationResult> expected;
    for (const auto& p : prompts) {
        KvCache cache = model.new_cache();
        expected.push_back(generate(model, p, cache, options, ctx));
    }
    std::vector<KvCache> caches;
    for (std::size_t i = 0; i < prompts.size(); ++i)
        caches.push_back(model.new_cache());
    std::vector<std::span<const std::int32_t>> spans(prompts.begin(), prompts.end());
    const auto batched = generate_batch(model, spans, caches, options, ctx);
    ASSERT_EQ(batched.size(), prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(batched[i].tokens, expected[i].tokens) << "sequence " << i;
        EXPECT_EQ(batched[i].stopped, expected[i].stopped) << "sequence " << i;
    }
    EXPECT_TRUE(batched[1].stopped);
    EXPECT_LT(batched[1].tokens.size(), batched[0].tokens.size());
}

}  // namespace
}  // namespace cascade::model
