// Fast kernels against naive oracles: AVX2 vs scalar element-wise ops, packed attention vs a
// double-precision loop (with GQA and causal masks), int8 SIMD vs scalar (bit-identical) and
// int8 vs fp32 (quantization error bound), OpenBLAS vs a double loop.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "model/kernels/gemm.hpp"
#include "model/kernels/int8_gemm.hpp"
#include "model/kernels/vector_math.hpp"
#include "model/ops/attention.hpp"
#include "model/ops/first_query_attention.hpp"

namespace cascade::model {
namespace {

using kernels::Isa;

std::vector<float> random_vector(std::size_t n, float scale, unsigned seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v)
        x = dist(gen);
    return v;
}

bool have_avx2() {
    return kernels::cpu_features().avx2_fma;
}

TEST(VectorMath, Avx512MatchesScalar) {
    if (!kernels::cpu_features().avx512_vnni)
        GTEST_SKIP() << "no AVX-512";
    for (std::size_t n : {1u, 7u, 16u, 33u, 128u, 384u, 1000u}) {
        auto x = random_vector(n, 3.0f, static_cast<unsigned>(n) + 100);
        x[0] = -12.0f;  // GELU tail
        if (n > 2)
            x[n - 1] = 9.0f;  // largest element in the masked tail
        auto a = x, b = x;
        kernels::gelu_inplace(a.data(), n, Isa::Avx512Vnni);
        kernels::gelu_inplace(b.data(), n, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 2e-6f * (1 + std::fabs(b[i])));
        a = x, b = x;
        kernels::softmax_inplace(a.data(), n, Isa::Avx512Vnni);
        kernels::softmax_inplace(b.data(), n, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 1e-6f);
    }
}

TEST(VectorMath, Avx2MatchesScalar) {
    if (!have_avx2())
        GTEST_SKIP() << "no AVX2";
    for (std::size_t n : {1u, 7u, 8u, 33u, 384u, 1000u}) {
        auto x = random_vector(n, 3.0f, static_cast<unsigned>(n));
        x[0] = -12.0f;  // GELU tail
        auto a = x, b = x;
        kernels::gelu_inplace(a.data(), n, Isa::Avx2);
        kernels::gelu_inplace(b.data(), n, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 2e-6f * (1 + std::fabs(b[i])));
        a = x, b = x;
        kernels::softmax_inplace(a.data(), n, Isa::Avx2);
        kernels::softmax_inplace(b.data(), n, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 1e-6f);
        a = x, b = x;
        kernels::exp_inplace(a.data(), n, Isa::Avx2);
        kernels::exp_inplace(b.data(), n, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 3e-7f * b[i]);
        const auto gamma = random_vector(n, 1.0f, 7), beta = random_vector(n, 1.0f, 8);
        a = x, b = x;
        kernels::layer_norm_rows(a.data(), 1, n, gamma.data(), beta.data(), 1e-12f, Isa::Avx2);
        kernels::layer_norm_rows(b.data(), 1, n, gamma.data(), beta.data(), 1e-12f, Isa::Scalar);
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_NEAR(a[i], b[i], 1e-5f * (1 + std::fabs(b[i])));
        const auto y = random_vector(n, 1.0f, 9);
        EXPECT_NEAR(kernels::dot(x.data(), y.data(), n, Isa::Avx2),
                    kernels::dot(x.data(), y.data(), n, Isa::Scalar), 1e-4f * std::sqrt(n));
    }
}

TEST(Gemm, OpenBlasMatchesLoop) {
    const std::size_t m = 37, n = 19, k = 70;
    const auto x = random_vector(m * k, 1, 1), w = random_vector(n * k, 1, 2),
               b = random_vector(n, 1, 3);
    std::vector<float> y(m * n), ref(m * n);
    kernels::linear_f32(x.data(), w.data(), b.data(), y.data(), m, n, k);
    kernels::linear_reference(x.data(), w.data(), b.data(), ref.data(), m, n, k);
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(y[i], ref[i], 1e-4f);
}

struct AttentionCase {
    std::size_t heads, kv_heads;
    bool causal;
};

TEST(Attention, PackedMatchesReference) {
    const std::vector<std::size_t> offsets{0, 1, 9, 9 + 64, 9 + 64 + 5};
    const std::size_t t = offsets.back(), d = 16;
    kernels::ThreadPool pool(2);
    for (const auto c : {AttentionCase{4, 4, false}, AttentionCase{4, 2, false},
                         AttentionCase{4, 1, true}, AttentionCase{2, 2, true}}) {
        const auto q = random_vector(t * c.heads * d, 1, 11);
        const auto k = random_vector(t * c.kv_heads * d, 1, 12);
        const auto v = random_vector(t * c.kv_heads * d, 1, 13);
        ops::AttentionParams p{c.heads, c.kv_heads, d, 0.25f, c.causal};
        std::vector<float> ref(t * c.heads * d);
        ops::attention_reference({q.data(), c.heads * d}, {k.data(), c.kv_heads * d},
                                 {v.data(), c.kv_heads * d}, ref.data(), c.heads * d, offsets, p);
        for (Isa isa : {Isa::Scalar, kernels::best_isa()}) {
            std::vector<float> out(ref.size(), -1.0f);
            std::vector<std::vector<float>> probs;
            ops::attention({q.data(), c.heads * d}, {k.data(), c.kv_heads * d},
                           {v.data(), c.kv_heads * d}, out.data(), c.heads * d, offsets, p, pool,
                           isa, &probs);
            for (std::size_t i = 0; i < out.size(); ++i)
                ASSERT_NEAR(out[i], ref[i], 2e-5f) << i;
            ASSERT_EQ(probs.size(), (offsets.size() - 1) * c.heads);
            const auto& last = probs.back();  // 5x5 of the last sequence, rows sum to one
            for (std::size_t r = 0; r < 5; ++r) {
                float s = 0;
                for (std::size_t j = 0; j < 5; ++j)
                    s += last[r * 5 + j];
                EXPECT_NEAR(s, 1.0f, 1e-5f);
                if (c.causal && r < 4)
                    EXPECT_EQ(last[r * 5 + 4], 0.0f);
            }
        }
    }
}

// The first-query op equals the full op's first row of every sequence (its query rows are
// gathered, one per sequence), with GQA and the causal mask.
TEST(Attention, FirstQueryMatchesFirstRows) {
    const std::vector<std::size_t> offsets{0, 1, 9, 9 + 64, 9 + 64 + 5};
    const std::size_t t = offsets.back(), d = 16, seqs = offsets.size() - 1;
    kernels::ThreadPool pool(2);
    for (const auto c :
         {AttentionCase{4, 4, false}, AttentionCase{4, 2, false}, AttentionCase{4, 1, true}}) {
        const std::size_t qw = c.heads * d, kw = c.kv_heads * d;
        const auto q = random_vector(t * qw, 1, 21);
        const auto k = random_vector(t * kw, 1, 22);
        const auto v = random_vector(t * kw, 1, 23);
        ops::AttentionParams p{c.heads, c.kv_heads, d, 0.25f, c.causal};
        std::vector<float> ref(t * qw);
        ops::attention_reference({q.data(), qw}, {k.data(), kw}, {v.data(), kw}, ref.data(), qw,
                                 offsets, p);
        std::vector<float> first_q(seqs * qw);
        for (std::size_t s = 0; s < seqs; ++s)
            std::copy_n(q.data() + offsets[s] * qw, qw, first_q.data() + s * qw);
        for (Isa isa : {Isa::Scalar, kernels::best_isa()}) {
            std::vector<float> out(seqs * qw, -1.0f);
            ops::attention_first_query({first_q.data(), qw}, {k.data(), kw}, {v.data(), kw},
                                       out.data(), qw, offsets, p, pool, isa);
            for (std::size_t s = 0; s < seqs; ++s)
                for (std::size_t i = 0; i < qw; ++i)
                    ASSERT_NEAR(out[s * qw + i], ref[offsets[s] * qw + i], 2e-5f) << s << "/" << i;
        }
    }
}

// Re-associated first-query attention on the input rows equals projecting K and V first.
TEST(Attention, FirstQueryFromInputsMatchesProjectedKeys) {
    const std::vector<std::size_t> offsets{0, 1, 9, 9 + 100, 9 + 100 + 5};
    const std::size_t t = offsets.back(), d = 16, heads = 3, hd = heads * d, hidden = 40;
    const std::size_t seqs = offsets.size() - 1;
    kernels::ThreadPool pool(2);
    const auto x = random_vector(t * hidden, 1, 41), q = random_vector(seqs * hd, 1, 42);
    const auto wk = random_vector(hd * hidden, 0.3f, 43), bk = random_vector(hd, 1, 44);
    const auto wv = random_vector(hd * hidden, 0.3f, 45), bv = random_vector(hd, 1, 46);
    std::vector<float> k(t * hd), v(t * hd);
    kernels::linear_reference(x.data(), wk.data(), bk.data(), k.data(), t, hd, hidden);
    kernels::linear_reference(x.data(), wv.data(), bv.data(), v.data(), t, hd, hidden);
    for (bool causal : {false, true}) {
        ops::AttentionParams p{heads, heads, d, 0.25f, causal};
        std::vector<float> want(seqs * hd);
        ops::attention_first_query({q.data(), hd}, {k.data(), hd}, {v.data(), hd}, want.data(), hd,
                                   offsets, p, pool, Isa::Scalar);
        for (Isa isa : {Isa::Scalar, kernels::best_isa()}) {
            std::vector<float> got(seqs * hd, -1.0f);
            ops::attention_first_query_from_inputs({q.data(), hd}, x.data(), hidden,
                                                   {wk.data(), bk.data()}, {wv.data(), bv.data()},
                                                   got.data(), hd, offsets, p, pool, isa);
            for (std::size_t i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 2e-5f * (1 + std::fabs(want[i]))) << causal << i;
        }
    }
}

TEST(Int8, SimdKernelsMatchScalarExactly) {
    kernels::ThreadPool pool(2);
    for (auto [m, n, k] : {std::tuple<std::size_t, std::size_t, std::size_t>{1, 16, 4},
                           {5, 37, 30},
                           {70, 48, 384},
                           {131, 100, 97}}) {
        const auto x = random_vector(m * k, 2, 21), w = random_vector(n * k, 0.1f, 22),
                   b = random_vector(n, 1, 23);
        const auto q = kernels::quantize_weights(w.data(), n, k);
        std::vector<float> scalar(m * n);
        kernels::linear_int8(x.data(), m, q, b.data(), scalar.data(), Isa::Scalar, pool);
        for (Isa isa : {Isa::Avx2, Isa::Avx512Vnni}) {
            if (isa == Isa::Avx2 && !kernels::cpu_features().avx2_fma)
                continue;
            if (isa == Isa::Avx512Vnni && !kernels::cpu_features().avx512_vnni)
                continue;
            std::vector<float> simd(m * n, -1);
            kernels::linear_int8(x.data(), m, q, b.data(), simd.data(), isa, pool);
            for (std::size_t i = 0; i < simd.size(); ++i)
                ASSERT_EQ(simd[i], scalar[i]) << kernels::isa_name(isa) << " at " << i;
        }
        // Against fp32: symmetric 8-bit rounding of both operands bounds the error by
        // roughly k · (|x|max·|w|max) / 127 · 0.5 per element; require far less on average.
        std::vector<float> ref(m * n);
        kernels::linear_reference(x.data(), w.data(), b.data(), ref.data(), m, n, k);
        double err = 0, mag = 0;
        for (std::size_t i = 0; i < ref.size(); ++i) {
            err += std::fabs(scalar[i] - ref[i]);
            mag += std::fabs(ref[i] - b[i % n]);
        }
        EXPECT_LT(err, 0.03 * mag) << m << "x" << n << "x" << k;
    }
}

// The fused outputs (GELU, residual accumulate) equal Store followed by the separate step,
// for the fp32 product and every int8 kernel.
TEST(LinearOutput, FusedEqualsSeparate) {
    using kernels::LinearOutput;
    kernels::ThreadPool pool(2);
    const std::size_t m = 70, n = 48, k = 40;
    const auto x = random_vector(m * k, 1, 31), w = random_vector(n * k, 0.3f, 32),
               b = random_vector(n, 1, 33), y0 = random_vector(m * n, 1, 34);
    const auto q = kernels::quantize_weights(w.data(), n, k);
    std::vector<Isa> isas{Isa::Scalar};
    if (kernels::cpu_features().avx2_fma)
        isas.push_back(Isa::Avx2);
    if (kernels::cpu_features().avx512_vnni)
        isas.push_back(Isa::Avx512Vnni);
    for (bool int8 : {false, true})
        for (Isa isa : isas) {
            auto run = [&](LinearOutput out, std::vector<float> y) {
                if (int8)
                    kernels::linear_int8(x.data(), m, q, b.data(), y.data(), isa, pool, out);
                else
                    kernels::linear_f32(x.data(), w.data(), b.data(), y.data(), m, n, k,
                                        out == LinearOutput::Accumulate);
                return y;
            };
            const auto stored = run(LinearOutput::Store, y0);
            const auto added = run(LinearOutput::Accumulate, y0);
            for (std::size_t i = 0; i < stored.size(); ++i)
                ASSERT_NEAR(added[i], y0[i] + stored[i], 1e-5f * (1 + std::fabs(y0[i])))
                    << int8 << kernels::isa_name(isa) << i;
            if (!int8)
                continue;
            auto gelu = stored;
            kernels::gelu_inplace(gelu.data(), gelu.size(), isa);
            const auto fused = run(LinearOutput::Gelu, y0);
            for (std::size_t i = 0; i < gelu.size(); ++i)
                ASSERT_EQ(fused[i], gelu[i]) << kernels::isa_name(isa) << i;
        }
    // bias + GELU in one pass against the two steps, on every ISA.
    for (Isa isa : isas) {
        auto sep = y0, fused = y0;
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t i = 0; i < n; ++i)
                sep[r * n + i] += b[i];
        kernels::gelu_inplace(sep.data(), sep.size(), Isa::Scalar);
        kernels::bias_gelu_rows(fused.data(), m, n, b.data(), isa);
        for (std::size_t i = 0; i < sep.size(); ++i)
            ASSERT_NEAR(fused[i], sep[i], 2e-6f * (1 + std::fabs(sep[i])))
                << kernels::isa_name(isa);
    }
}

}  // namespace
}  // namespace cascade::model
