#pragma once
/// Row-wise kernels of decoder blocks: RMSNorm and the SwiGLU gate.

#include <cstddef>

#include "model/kernels/cpu.hpp"

namespace cascade::model::kernels {

/// RMSNorm (Zhang & Sennrich, 2019) of `rows` rows of width n: y = x / sqrt(mean(x²) + eps) ·
/// weight, as transformers' LlamaRMSNorm computes it in fp32 (the mean accumulated in double
/// here). Row r is read at x + r·x_stride and written at y + r·y_stride; x == y is allowed.
void rms_norm_rows(const float* x, std::size_t x_stride, float* y, std::size_t y_stride,
                   std::size_t rows, std::size_t n, const float* weight, float eps);

/// SwiGLU (Shazeer, 2020): out[r, i] = silu(gate_up[r, i]) · gate_up[r, n + i] with
/// silu(g) = g / (1 + exp(−g)); gate_up rows are [gate | up] of 2n values, out rows n.
void silu_mul_rows(const float* gate_up, float* out, std::size_t rows, std::size_t n, Isa isa);

}  // namespace cascade::model::kernels
