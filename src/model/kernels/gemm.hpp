#pragma once
/// fp32 matrix products. Linear layers go through OpenBLAS `cblas_sgemm`, which picks its own
/// kernels for the CPU (Haswell / SkylakeX / Zen) at run time.

#include <cstddef>

namespace cascade::model::kernels {

/// What a linear kernel does with its result r = x·Wᵀ + bias: store it, store GELU(r) (the
/// FFN's first half, applied while the row is still in cache), or add it to y (a residual
/// connection, saving a separate pass and buffer).
enum class LinearOutput { Store, Gelu, Accumulate };

/// y[m, n] = x[m, k] · w[n, k]ᵀ + bias[n] (bias may be null). Row-major, contiguous; this is
/// torch.nn.functional.linear with weights in Hugging Face [out, in] layout.
/// With `accumulate`, y[m, n] += x · wᵀ + bias instead (the sgemm adds into y, beta = 1).
void linear_f32(const float* x, const float* w, const float* bias, float* y, std::size_t m,
                std::size_t n, std::size_t k, bool accumulate = false);

/// Same result computed with plain loops in double precision; the oracle for tests.
void linear_reference(const float* x, const float* w, const float* bias, float* y, std::size_t m,
                      std::size_t n, std::size_t k);

/// Threads OpenBLAS may use for one call (global setting).
void set_blas_threads(int threads);

}  // namespace cascade::model::kernels
