// The packed-weight AVX-512 fp32 GEMM (kernels/packed_sgemm.hpp) against a double-precision
// triple loop, on edge shapes (one row, rows not a multiple of the 12-row tile, columns not a
// multiple of the 32-column panel, k = 1) and the model's shapes, for every epilogue, with
// and without bias, on one and two threads.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/cpu.hpp"
#include "model/kernels/packed_sgemm.hpp"

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

struct Expected {
    std::vector<double> value;  ///< y after the layer, in double precision
    std::vector<double> bound;  ///< allowed |error| per element
};

// y0 combined with x·wᵀ + bias as `output` says; the bound covers fp32 rounding of a k-term
// dot product (Σ|x||w| · k·ε / 8, generous for random signs) and the GELU's erf (1.5e-7).
Expected naive(const std::vector<float>& x, const std::vector<float>& w, const float* bias,
               const std::vector<float>& y0, std::size_t m, std::size_t n, std::size_t k,
               LinearOutput output) {
    Expected e{std::vector<double>(m * n), std::vector<double>(m * n)};
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double acc = bias ? bias[j] : 0.0, mag = bias ? std::fabs(bias[j]) : 0.0;
            for (std::size_t t = 0; t < k; ++t) {
                const double p = static_cast<double>(x[i * k + t]) * w[j * k + t];
                acc += p;
                mag += std::fabs(p);
            }
            double tol = 1e-6 + mag * 1.2e-7 * (4.0 + static_cast<double>(k) / 8.0);
            if (output == LinearOutput::Gelu) {
                acc = 0.5 * acc * (1.0 + std::erf(acc / std::sqrt(2.0)));
                tol += 2e-7 * (1.0 + std::fabs(acc));
            } else if (output == LinearOutput::Accumulate) {
                acc += y0[i * n + j];
                tol += 1.2e-7 * std::fabs(acc);
            }
            e.value[i * n + j] = acc;
            e.bound[i * n + j] = tol;
        }
    return e;
}

TEST(Gemm, PackedMatchesLoop) {
    if (!kernels::cpu_features().avx512_vnni)
        GTEST_SKIP() << "no AVX-512";
    struct Shape {
        std::size_t n, k;
    };
    const std::vector<Shape> shapes{{1, 1}, {19, 384}, {45, 1536}, {64, 7}, {384, 384}, {33, 1}};
    const float kCanary = 12345.0f;
    kernels::ThreadPool one(1), two(2);
    unsigned seed = 1;
    for (const Shape& s : shapes) {
        const auto w = random_values(s.n * s.k, seed++), b = random_values(s.n, seed++);
        const auto packed = kernels::pack_sgemm_weights(w.data(), s.n, s.k);
        ASSERT_EQ(packed.panels, (s.n + 31) / 32);
        for (std::size_t m : {1, 7, 33, 513}) {
            if (m * s.n * s.k > 100'000'000)
                continue;  // keep the double loop quick
            const auto x = random_values(m * s.k, seed++), y0 = random_values(m * s.n, seed++);
            for (LinearOutput out :
                 {LinearOutput::Store, LinearOutput::Gelu, LinearOutput::Accumulate})
                for (const float* bias : {b.data(), static_cast<const float*>(nullptr)})
                    for (kernels::ThreadPool* pool : {&one, &two}) {
                        const Expected e = naive(x, w, bias, y0, m, s.n, s.k, out);
                        std::vector<float> y(y0);
                        y.push_back(kCanary);  // a write past the last column would hit this
                        kernels::linear_packed_f32(x.data(), m, packed, bias, y.data(), *pool, out);
                        ASSERT_EQ(y.back(), kCanary);
                        for (std::size_t i = 0; i < m * s.n; ++i)
                            ASSERT_NEAR(y[i], e.value[i], e.bound[i])
                                << "m " << m << " n " << s.n << " k " << s.k << " output "
                                << static_cast<int>(out) << " bias " << (bias != nullptr)
                                << " threads " << pool->size() << " at " << i;
                    }
        }
    }
}

// Packing puts w[j][t] at panel j / 32, offset 32·t + j % 32, and zeroes the padding columns.
TEST(Gemm, PackedLayout) {
    const std::size_t n = 40, k = 3;
    std::vector<float> w(n * k);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = static_cast<float>(i + 1);
    const auto p = kernels::pack_sgemm_weights(w.data(), n, k);
    ASSERT_EQ(p.panels, 2u);
    for (std::size_t j = 0; j < 64; ++j)
        for (std::size_t t = 0; t < k; ++t)
            EXPECT_EQ(p.panel(j / 32)[32 * t + j % 32], j < n ? w[j * k + t] : 0.0f) << j;
}

}  // namespace
}  // namespace cascade::model
