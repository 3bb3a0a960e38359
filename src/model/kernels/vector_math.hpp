#pragma once
/// Element-wise and row-wise kernels: exp, GELU, softmax, LayerNorm, dot/axpy. Each has an
/// AVX2+FMA body chosen at run time and a scalar body that serves as the test oracle; GELU and
/// softmax also have an AVX-512 body (Isa::Avx512Vnni), same polynomials on 16 lanes.

#include <cstddef>

#include "model/kernels/cpu.hpp"

namespace cascade::model::kernels {

/// x[i] = x[i] · Φ(x[i]), the exact (erf) GELU of Hendrycks & Gimpel (2016) that BERT's
/// "gelu" activation means. The AVX2 path evaluates erf with Abramowitz & Stegun 7.1.26
/// (|error| < 1.5e-7).
void gelu_inplace(float* x, std::size_t n, Isa isa);

/// x[r, i] = GELU(x[r, i] + bias[i]) for `rows` rows of width n: bias add and activation in
/// one pass.
void bias_gelu_rows(float* x, std::size_t rows, std::size_t n, const float* bias, Isa isa);

/// Numerically stable softmax of one row in place (max subtracted first).
void softmax_inplace(float* x, std::size_t n, Isa isa);

/// LayerNorm over each of `rows` rows of width `n` (Ba et al., 2016):
/// y = (x − mean) / sqrt(var + eps) · gamma + beta, biased variance as in PyTorch.
void layer_norm_rows(float* x, std::size_t rows, std::size_t n, const float* gamma,
                     const float* beta, float eps, Isa isa);

/// Σ a[i]·b[i].
float dot(const float* a, const float* b, std::size_t n, Isa isa);

/// y[i] += alpha · x[i].
void axpy(float alpha, const float* x, float* y, std::size_t n, Isa isa);

/// x[i] = exp(x[i]); AVX2 path uses the Cephes single-precision polynomial (rel. error ~1e-7).
void exp_inplace(float* x, std::size_t n, Isa isa);

}  // namespace cascade::model::kernels
