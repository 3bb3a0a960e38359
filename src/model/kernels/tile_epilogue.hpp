#pragma once
/// The epilogue shared by the packed GEMM kernels (fp32 and bf16): a finished register tile of
/// up to 32 output columns, stored with the layer's bias and GELU or residual add while it is
/// still in L1. Internal to the kernels; callers must hold AVX-512F/BW/VL/DQ.

#include <cstddef>

#include <immintrin.h>

#include "model/kernels/gemm.hpp"
#include "model/kernels/simd_avx512.hpp"

namespace cascade::model::kernels::simd {

/// Floats per tile row: two zmm registers of output columns.
inline constexpr std::size_t kTileCols = 32;

inline __mmask16 lane_mask(std::size_t lanes) {
    return lanes >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << lanes) - 1);
}

/// Writes `rows` × `cols` (cols <= 32) of `tile` (rows of kTileCols floats, 64-byte aligned) to
/// y (row stride ldy): + bias (may be null), then GELU, or + y, as `output` says.
CASCADE_AVX512 inline void write_tile(const float* tile, std::size_t rows, std::size_t cols,
                                      const float* bias, float* y, std::size_t ldy,
                                      LinearOutput output) {
    const __mmask16 m0 = lane_mask(cols);
    const __mmask16 m1 = cols > 16 ? lane_mask(cols - 16) : static_cast<__mmask16>(0);
    const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (std::size_t r = 0; r < rows; ++r) {
        float* yr = y + r * ldy;
        __m512 v0 = _mm512_add_ps(_mm512_load_ps(tile + kTileCols * r), bias0);
        __m512 v1 = _mm512_add_ps(_mm512_load_ps(tile + kTileCols * r + 16), bias1);
        if (output == LinearOutput::Accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, yr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, yr + 16));
        } else if (output == LinearOutput::Gelu) {
            v0 = gelu16(v0);
            v1 = gelu16(v1);
        }
        _mm512_mask_storeu_ps(yr, m0, v0);
        _mm512_mask_storeu_ps(yr + 16, m1, v1);
    }
}

}  // namespace cascade::model::kernels::simd
