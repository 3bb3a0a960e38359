#pragma once
/// Dynamic int8 quantization of linear layers: weights quantized once per output row, the
/// activations per token (row) at run time, both symmetric to [-127, 127]; the int32 dot
/// products are rescaled to fp32 (the scheme of PyTorch's dynamic quantization and of
/// Zafrir et al., "Q8BERT", 2019). Kernels: AVX-512 VNNI `vpdpbusd`, AVX2 `vpmaddubsw`,
/// scalar. All three compute the same exact int32 sums, so their outputs are identical.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/kernels/cpu.hpp"
#include "model/kernels/gemm.hpp"
#include "model/kernels/thread_pool.hpp"

namespace cascade::model::kernels {

/// Number of output columns per packed panel.
inline constexpr std::size_t kInt8PanelCols = 16;

/// Weights [n, k] quantized per row and packed in panels of 16 rows: for panel p and group g
/// of 4 consecutive k, 64 bytes hold w[16p + c][4g .. 4g+3] for c = 0..15.
struct QuantizedWeights {
    std::size_t n = 0;         ///< output features
    std::size_t k = 0;         ///< input features
    std::size_t k_padded = 0;  ///< k rounded up to a multiple of 4
    std::size_t panels = 0;    ///< ceil(n / 16)
    std::vector<std::int8_t> packed;
    std::vector<float> scale;           ///< per output row, padded to panels·16
    std::vector<std::int32_t> row_sum;  ///< Σ_k w_q[n][k], for the unsigned-activation offset
};

/// Quantizes w[n, k] (row-major fp32).
[[nodiscard]] QuantizedWeights quantize_weights(const float* w, std::size_t n, std::size_t k);

/// y[m, n] = dequant(quant(x[m, k]) · w_qᵀ) + bias[n] (bias may be null), combined with y as
/// `output` says; rows split over the pool.
void linear_int8(const float* x, std::size_t m, const QuantizedWeights& w, const float* bias,
                 float* y, Isa isa, ThreadPool& pool, LinearOutput output = LinearOutput::Store);

}  // namespace cascade::model::kernels
