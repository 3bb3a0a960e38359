#include "model/kernels/packed_sgemm.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "model/kernels/cpu.hpp"
#include "model/kernels/simd_avx512.hpp"
#include "model/kernels/tile_epilogue.hpp"

namespace cascade::model::kernels {
namespace {

constexpr std::size_t kTileRows = 12;  // 12 × 2 zmm accumulators + 2 for B + 1 broadcast
constexpr std::size_t kPanel = kSgemmPanelCols;
static_assert(kPanel == simd::kTileCols);
// Activation bytes one row block may span, so that it stays in L2 (1 MB on Zen 4) while every
// panel of the weights streams past it.
constexpr std::size_t kRowBlockBytes = std::size_t{256} * 1024;

// out[r][0..31] = Σ_t a[r·lda + t] · b[32t .. 32t+31] for r < MR: the register tile. Fully
// unrolled over rows so the 2·MR accumulators live in zmm registers for the whole k loop.
template <int MR>
CASCADE_AVX512 void tile_kernel(const float* a, std::size_t lda, const float* b, std::size_t k,
                                float* out) {
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (std::size_t t = 0; t < k; ++t) {
        const __m512 b0 = _mm512_load_ps(b + kPanel * t);
        const __m512 b1 = _mm512_load_ps(b + kPanel * t + 16);
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            const __m512 av = _mm512_set1_ps(a[static_cast<std::size_t>(r) * lda + t]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
        _mm512_store_ps(out + kPanel * r, acc[r][0]);
        _mm512_store_ps(out + kPanel * r + 16, acc[r][1]);
    }
}

using TileFn = void (*)(const float*, std::size_t, const float*, std::size_t, float*);

template <std::size_t... R>
constexpr auto make_tile_table(std::index_sequence<R...>) {
    return std::array<TileFn, sizeof...(R)>{tile_kernel<static_cast<int>(R) + 1>...};
}
// kTileFns[r - 1] computes r rows.
constexpr auto kTileFns = make_tile_table(std::make_index_sequence<kTileRows>{});

// Rows [r0, r1) of the product: every panel of the weights against the row block.
CASCADE_AVX512 void run_row_block(const float* x, std::size_t r0, std::size_t r1,
                                  const PackedSgemmWeights& w, const float* bias, float* y,
                                  LinearOutput output) {
    alignas(64) float tile[kTileRows * kPanel];
    for (std::size_t p = 0; p < w.panels; ++p) {
        const std::size_t c0 = p * kPanel;
        const std::size_t cols = std::min(kPanel, w.n - c0);
        const float* panel = w.panel(p);
        for (std::size_t i = r0; i < r1; i += kTileRows) {
            const std::size_t rows = std::min(kTileRows, r1 - i);
            kTileFns[rows - 1](x + i * w.k, w.k, panel, w.k, tile);
            simd::write_tile(tile, rows, cols, bias ? bias + c0 : nullptr, y + i * w.n + c0, w.n,
                             output);
        }
    }
}

}  // namespace

PackedSgemmWeights pack_sgemm_weights(const float* w, std::size_t n, std::size_t k) {
    PackedSgemmWeights p;
    p.n = n;
    p.k = k;
    p.panels = (n + kPanel - 1) / kPanel;
    const std::size_t floats = p.panels * k * kPanel;
    if (floats == 0)
        return p;
    p.packed.reset(static_cast<float*>(std::aligned_alloc(64, floats * sizeof(float))));
    if (!p.packed)
        throw std::bad_alloc();
    std::memset(p.packed.get(), 0, floats * sizeof(float));
    for (std::size_t j = 0; j < n; ++j) {
        float* dst = p.packed.get() + (j / kPanel) * k * kPanel + j % kPanel;
        for (std::size_t t = 0; t < k; ++t)
            dst[t * kPanel] = w[j * k + t];
    }
    return p;
}

bool packed_sgemm_enabled() {
    static const bool enabled = [] {
        const char* force = std::getenv("CASCADE_SGEMM");
        if (force && std::string_view(force) == "openblas")
            return false;
        // AVX-512 F/BW/VL (+ DQ, which comes with them), unless CASCADE_ISA caps it lower.
        return best_isa() == Isa::Avx512Vnni;
    }();
    return enabled;
}

void linear_packed_f32(const float* x, std::size_t m, const PackedSgemmWeights& w,
                       const float* bias, float* y, ThreadPool& pool, LinearOutput output) {
    if (m == 0 || w.n == 0)
        return;
    // Row blocks of at most kRowBlockBytes of activations, as many as a multiple of the pool
    // size so that threads get equal shares, each a whole number of 12-row tiles.
    const std::size_t threads = pool.size();
    const std::size_t target = std::max<std::size_t>(
        kTileRows, kRowBlockBytes / (std::max<std::size_t>(w.k, 1) * sizeof(float)));
    std::size_t blocks = (m + target - 1) / target;
    blocks = (blocks + threads - 1) / threads * threads;
    std::size_t rows = (m + blocks - 1) / blocks;
    rows = (rows + kTileRows - 1) / kTileRows * kTileRows;
    blocks = (m + rows - 1) / rows;
    if (blocks == 1)
        return run_row_block(x, 0, m, w, bias, y, output);
    pool.parallel_for(blocks, [&](std::size_t b) {
        run_row_block(x, b * rows, std::min(m, (b + 1) * rows), w, bias, y, output);
    });
}

}  // namespace cascade::model::kernels
