// The bf16 GEMM (kernels/bf16_gemm.hpp): rounding to bf16 bit for bit against the definition,
// packing, and the AVX-512 BF16 kernel against the loop that rounds x and w to bf16 and sums
// in double, on edge shapes (odd k, k = 1, rows not a multiple of the 12-row tile, columns not
// a multiple of the 32-column panel, fewer rows than threads) and the decoder's shapes, for
// every epilogue, on one and three threads.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/bf16_gemm.hpp"
#include "model/kernels/cpu.hpp"

namespace cascade::model {
namespace {

using kernels::LinearOutput;

std::vector<float> random_values(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v)
        x = dist(gen);
    return v;
}

std::uint32_t bits_of(float f) {
    std::uint32_t b = 0;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

float from_bits(std::uint32_t b) {
    float f = 0;
    std::memcpy(&f, &b, sizeof f);
    return f;
}

TEST(Bf16, RoundsToNearestEven) {
    // 1 + 2^-8 lies halfway between bf16 1 and 1 + 2^-7: ties go to the even mantissa (1).
    EXPECT_EQ(kernels::float_to_bf16(1.0f + 0x1p-8f), 0x3f80);
    // 1 + 3·2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
    EXPECT_EQ(kernels::float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);
    // Just above the half rounds up, just below rounds down.
    EXPECT_EQ(kernels::float_to_bf16(from_bits(0x3f808001)), 0x3f81);
    EXPECT_EQ(kernels::float_to_bf16(from_bits(0x3f807fff)), 0x3f80);
    EXPECT_EQ(kernels::float_to_bf16(-2.0f), 0xc000);
    EXPECT_EQ(kernels::float_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
    // The largest finite floats round up to infinity, as IEEE rounding says.
    EXPECT_EQ(kernels::float_to_bf16(std::numeric_limits<float>::max()), 0x7f80);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_TRUE(std::isnan(kernels::bf16_to_float32(kernels::float_to_bf16(nan))));
    // A signalling NaN whose payload sits in the dropped bits stays a NaN, not infinity.
    EXPECT_TRUE(
        std::isnan(kernels::bf16_to_float32(kernels::float_to_bf16(from_bits(0x7f800001)))));
    // Every bf16 value survives the trip through fp32 unchanged (what a bf16 checkpoint needs).
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        const float f = kernels::bf16_to_float32(static_cast<std::uint16_t>(h));
        if (std::isnan(f))
            continue;
        ASSERT_EQ(kernels::float_to_bf16(f), h) << std::hex << h;
        ASSERT_EQ(bits_of(f), h << 16);
    }
}

TEST(Bf16, PacksPairsInPanels) {
    const std::size_t n = 35, k = 5;  // two panels, three pairs, the last pair half empty
    std::vector<float> w(n * k);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = static_cast<float>(i) + 0.5f;
    const auto p = kernels::pack_bf16_weights(w.data(), n, k);
    ASSERT_EQ(p.panels, 2u);
    ASSERT_EQ(p.pairs, 3u);
    for (std::size_t j = 0; j < 64; ++j)
        for (std::size_t t = 0; t < 6; ++t) {
            const std::uint16_t got = p.panel(j / 32)[(t / 2) * 64 + 2 * (j % 32) + t % 2];
            const std::uint16_t want =
                j < n && t < k ? kernels::float_to_bf16(w[j * k + t]) : std::uint16_t{0};
            ASSERT_EQ(got, want) << "column " << j << " k " << t;
        }
}

TEST(Bf16, KernelMatchesLoop) {
    if (!kernels::bf16_kernel_enabled())
        GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
    struct Shape {
        std::size_t n, k;
    };
    const std::vector<Shape> shapes{{1, 1}, {19, 383}, {45, 1024}, {64, 7}, {96, 3072}, {33, 2}};
    const float kCanary = 12345.0f;
    kernels::ThreadPool one(1), three(3);
    unsigned seed = 7;
    for (const Shape& s : shapes) {
        const auto w = random_values(s.n * s.k, seed++), b = random_values(s.n, seed++);
        const auto packed = kernels::pack_bf16_weights(w.data(), s.n, s.k);
        for (std::size_t m : {1, 2, 13, 37}) {
            const auto x = random_values(m * s.k, seed++), y0 = random_values(m * s.n, seed++);
            std::vector<float> product(m * s.n), magnitude(m * s.n);
            kernels::linear_bf16_reference(x.data(), w.data(), nullptr, product.data(), m, s.n,
                                           s.k);
            std::vector<float> absx(x.size()), absw(w.size());
            for (std::size_t i = 0; i < x.size(); ++i)
                absx[i] = std::fabs(x[i]);
            for (std::size_t i = 0; i < w.size(); ++i)
                absw[i] = std::fabs(w[i]);
            kernels::linear_bf16_reference(absx.data(), absw.data(), nullptr, magnitude.data(), m,
                                           s.n, s.k);
            for (LinearOutput out :
                 {LinearOutput::Store, LinearOutput::Gelu, LinearOutput::Accumulate})
                for (const float* bias : {static_cast<const float*>(nullptr), b.data()})
                    for (kernels::ThreadPool* pool : {&one, &three}) {
                        // A row past the output must stay untouched.
                        std::vector<float> y(m * s.n + 1, kCanary);
                        std::copy(y0.begin(), y0.end(), y.begin());
                        kernels::linear_bf16(x.data(), m, packed, bias, y.data(), *pool, out);
                        ASSERT_EQ(y.back(), kCanary);
                        for (std::size_t i = 0; i < m * s.n; ++i) {
                            const std::size_t j = i % s.n;
                            double want = product[i] + (bias ? bias[j] : 0.0);
                            // fp32 accumulation over k/2 pair steps.
                            double tol = 1e-6 + magnitude[i] * 1.2e-7 * (4.0 + s.k / 8.0);
                            if (out == LinearOutput::Gelu) {
                                want = 0.5 * want * (1.0 + std::erf(want / std::sqrt(2.0)));
                                tol += 2e-7 * (1.0 + std::fabs(want));
                            } else if (out == LinearOutput::Accumulate) {
                                want += y0[i];
                                tol += 1.2e-7 * std::fabs(want);
                            }
                            ASSERT_NEAR(y[i], want, tol)
                                << "n " << s.n << " k " << s.k << " m " << m << " row " << i / s.n
                                << " col " << j << " threads " << pool->size();
                        }
                    }
        }
    }
}

TEST(Bf16, DiffersFromFp32ByBf16Rounding) {
    // The kernel must round the activations: on inputs that are not bf16 values its result
    // differs from the fp32 product, and matches the rounded one.
    if (!kernels::bf16_kernel_enabled())
        GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
    const std::size_t k = 64;
    std::vector<float> w(k, 1.0f), x(k, 1.0f + 0x1p-10f);  // x rounds to 1 in bf16
    const auto packed = kernels::pack_bf16_weights(w.data(), 1, k);
    kernels::ThreadPool one(1);
    float y = 0;
    kernels::linear_bf16(x.data(), 1, packed, nullptr, &y, one);
    EXPECT_EQ(y, 64.0f);
}

}  // namespace
}  // namespace cascade::model
