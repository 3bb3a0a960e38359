#include "model/kernels/bf16_gemm.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include <immintrin.h>

#include "model/kernels/tile_epilogue.hpp"

#define CASCADE_AVX512_BF16 \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma")))

// The intrinsics give no cast between __m512bh and __m512i; a C-style cast reinterprets one
// vector type as another of the same size (GCC and Clang vector extensions).
namespace cascade::model::kernels {
namespace {

constexpr std::size_t kTileRows = 12;  // 12 × 2 zmm accumulators + 2 for B + 1 broadcast
constexpr std::size_t kPanel = kBf16PanelCols;
static_assert(kPanel == simd::kTileCols);
// bf16 activation bytes one row block may span (stays in L2 while the panels stream past).
constexpr std::size_t kRowBlockBytes = std::size_t{256} * 1024;

// out[r][0..31] = Σ_t dot(a[r·lda + t], b pairs of pair t) for r < MR, where a holds each row's
// activations as bf16 pairs (one 32-bit word per pair) and b is one packed panel.
template <int MR>
CASCADE_AVX512_BF16 void tile_kernel(const std::uint32_t* a, std::size_t lda,
                                     const std::uint16_t* b, std::size_t pairs, float* out) {
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (std::size_t t = 0; t < pairs; ++t) {
        const auto b0 = (__m512bh)(_mm512_load_si512(b + 2 * kPanel * t));
        const auto b1 = (__m512bh)(_mm512_load_si512(b + 2 * kPanel * t + kPanel));
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            const auto av = (__m512bh)(_mm512_set1_epi32(
                static_cast<int>(a[static_cast<std::size_t>(r) * lda + t])));
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
        _mm512_store_ps(out + kPanel * r, acc[r][0]);
        _mm512_store_ps(out + kPanel * r + 16, acc[r][1]);
    }
}

using TileFn = void (*)(const std::uint32_t*, std::size_t, const std::uint16_t*, std::size_t,
                        float*);

template <std::size_t... R>
constexpr auto make_tile_table(std::index_sequence<R...>) {
    return std::array<TileFn, sizeof...(R)>{tile_kernel<static_cast<int>(R) + 1>...};
}
// kTileFns[r - 1] computes r rows.
constexpr auto kTileFns = make_tile_table(std::make_index_sequence<kTileRows>{});

// Rows [r0, r1) of x rounded to bf16 pairs into `out` (rows × pairs words; an odd k's last
// pair has a zero high half). vcvtne2ps2bf16 rounds to nearest even, as float_to_bf16 does.
CASCADE_AVX512_BF16 void round_rows(const float* x, std::size_t k, std::size_t r0, std::size_t r1,
                                    std::size_t pairs, std::uint32_t* out) {
    for (std::size_t r = r0; r < r1; ++r) {
        const float* xr = x + r * k;
        auto* dst = reinterpret_cast<std::uint16_t*>(out + (r - r0) * pairs);
        std::size_t t = 0;
        for (; t + 32 <= k; t += 32) {
            const __m512bh v =
                _mm512_cvtne2ps_pbh(_mm512_loadu_ps(xr + t + 16), _mm512_loadu_ps(xr + t));
            _mm512_storeu_si512(dst + t, (__m512i)(v));
        }
        if (t < k) {
            const std::size_t left = k - t;
            const __m512 lo = _mm512_maskz_loadu_ps(simd::lane_mask(left), xr + t);
            const __m512 hi = left > 16
                                  ? _mm512_maskz_loadu_ps(simd::lane_mask(left - 16), xr + t + 16)
                                  : _mm512_setzero_ps();
            const auto v = (__m512i)(_mm512_cvtne2ps_pbh(hi, lo));
            // Whole pairs: the zero past k fills an odd k's last pair.
            const std::size_t words = (left + 1) / 2;
            _mm512_mask_storeu_epi32(dst + t, static_cast<__mmask16>((1u << words) - 1), v);
        }
    }
}

// Rows [r0, r1) against panels [p0, p1).
CASCADE_AVX512_BF16 void run_block(const float* x, std::size_t r0, std::size_t r1, std::size_t p0,
                                   std::size_t p1, const PackedBf16Weights& w, const float* bias,
                                   float* y, LinearOutput output) {
    thread_local std::vector<std::uint32_t> rounded;
    rounded.resize((r1 - r0) * w.pairs);
    round_rows(x, w.k, r0, r1, w.pairs, rounded.data());
    alignas(64) float tile[kTileRows * kPanel];
    for (std::size_t p = p0; p < p1; ++p) {
        const std::size_t c0 = p * kPanel;
        const std::size_t cols = std::min(kPanel, w.n - c0);
        const std::uint16_t* panel = w.panel(p);
        for (std::size_t i = r0; i < r1; i += kTileRows) {
            const std::size_t rows = std::min(kTileRows, r1 - i);
            kTileFns[rows - 1](rounded.data() + (i - r0) * w.pairs, w.pairs, panel, w.pairs, tile);
            simd::write_tile(tile, rows, cols, bias ? bias + c0 : nullptr, y + i * w.n + c0, w.n,
                             output);
        }
    }
}

}  // namespace

std::uint16_t float_to_bf16(float f) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffU) > 0x7f800000U)  // NaN: keep it a (quiet) NaN
        return static_cast<std::uint16_t>((bits >> 16) | 0x40U);
    bits += 0x7fffU + ((bits >> 16) & 1U);
    return static_cast<std::uint16_t>(bits >> 16);
}

float bf16_to_float32(std::uint16_t h) {
    const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
    float f = 0;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

PackedBf16Weights pack_bf16_weights(const float* w, std::size_t n, std::size_t k) {
    PackedBf16Weights p;
    p.n = n;
    p.k = k;
    p.pairs = (k + 1) / 2;
    p.panels = (n + kPanel - 1) / kPanel;
    const std::size_t values = p.panels * p.pairs * 2 * kPanel;
    if (values == 0)
        return p;
    p.packed.reset(
        static_cast<std::uint16_t*>(std::aligned_alloc(64, values * sizeof(std::uint16_t))));
    if (!p.packed)
        throw std::bad_alloc();
    std::memset(p.packed.get(), 0, values * sizeof(std::uint16_t));
    for (std::size_t j = 0; j < n; ++j) {
        std::uint16_t* dst =
            p.packed.get() + (j / kPanel) * p.pairs * 2 * kPanel + 2 * (j % kPanel);
        for (std::size_t t = 0; t < k; ++t)
            dst[(t / 2) * 2 * kPanel + t % 2] = float_to_bf16(w[j * k + t]);
    }
    return p;
}

bool bf16_kernel_enabled() {
    static const bool enabled = cpu_features().avx512_bf16 && best_isa() == Isa::Avx512Vnni;
    return enabled;
}

void linear_bf16(const float* x, std::size_t m, const PackedBf16Weights& w, const float* bias,
                 float* y, ThreadPool& pool, LinearOutput output) {
    if (m == 0 || w.n == 0)
        return;
    const std::size_t threads = pool.size();
    const std::size_t target = std::max<std::size_t>(
        kTileRows, kRowBlockBytes / (std::max<std::size_t>(w.pairs, 1) * sizeof(std::uint32_t)));
    std::size_t blocks = (m + target - 1) / target;
    blocks = (blocks + threads - 1) / threads * threads;
    std::size_t rows = (m + blocks - 1) / blocks;
    rows = (rows + kTileRows - 1) / kTileRows * kTileRows;
    blocks = (m + rows - 1) / rows;
    // Few rows (a decoding step, a short prompt): split the panels as well, so every thread
    // gets work; each then rounds its rows itself, which costs little next to the product.
    const std::size_t per_group =
        (w.panels + std::min(w.panels, (threads + blocks - 1) / blocks) - 1) /
        std::min(w.panels, (threads + blocks - 1) / blocks);
    const std::size_t groups = (w.panels + per_group - 1) / per_group;
    const std::size_t units = blocks * groups;
    auto unit = [&](std::size_t u) {
        const std::size_t b = u / groups;
        const std::size_t g = u % groups;
        const std::size_t p0 = g * per_group;
        run_block(x, b * rows, std::min(m, (b + 1) * rows), p0, std::min(w.panels, p0 + per_group),
                  w, bias, y, output);
    };
    if (units == 1)
        return unit(0);
    pool.parallel_for(units, unit);
}

void linear_bf16_reference(const float* x, const float* w, const float* bias, float* y,
                           std::size_t m, std::size_t n, std::size_t k) {
    auto round = [](float v) { return static_cast<double>(bf16_to_float32(float_to_bf16(v))); };
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double acc = bias ? bias[j] : 0.0;
            for (std::size_t t = 0; t < k; ++t)
                acc += round(x[i * k + t]) * round(w[j * k + t]);
            y[i * n + j] = static_cast<float>(acc);
        }
}

}  // namespace cascade::model::kernels
