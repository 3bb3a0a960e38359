#pragma once
/// bf16 linear layers: weights held as bfloat16 (half the bytes of fp32, and exactly what a
/// bf16 checkpoint such as Qwen3-Reranker stores), activations rounded to bf16 per call,
/// products accumulated in fp32. On CPUs with AVX-512 BF16 (`vdpbf16ps`: Zen 4 and later,
/// Cooper Lake, Sapphire Rapids and later) one instruction does 32 multiply-adds where the fp32
/// kernel's FMA does 16, over half the weight bytes. This is the arithmetic of PyTorch's bf16
/// `linear` on CPU (oneDNN: bf16 inputs, fp32 accumulation), so rankings agree with a bf16
/// PyTorch run, not bit for bit with fp32.
///
/// The weights are packed once at load into panels of 32 output columns, the k dimension in
/// pairs, so that one 64-byte load gives `vdpbf16ps` the pairs of 16 columns.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "model/kernels/cpu.hpp"
#include "model/kernels/gemm.hpp"
#include "model/kernels/thread_pool.hpp"

namespace cascade::model::kernels {

/// Output columns per packed panel.
inline constexpr std::size_t kBf16PanelCols = 32;

/// Weights w[n, k] packed in panels of 32 output columns: panel p holds, for each pair
/// t in [0, ceil(k/2)), the 32 pairs (w[32p + c][2t], w[32p + c][2t + 1]), c = 0..31, as
/// 2 × 32 bf16 values, 64-byte aligned; entries past n or k are zero.
struct PackedBf16Weights {
    std::size_t n = 0;       ///< output features
    std::size_t k = 0;       ///< input features
    std::size_t pairs = 0;   ///< ceil(k / 2)
    std::size_t panels = 0;  ///< ceil(n / 32)
    std::unique_ptr<std::uint16_t[], decltype(&std::free)> packed{nullptr, &std::free};

    /// Panel p: pairs × 64 bf16 values.
    [[nodiscard]] const std::uint16_t* panel(std::size_t p) const {
        return packed.get() + p * pairs * 2 * kBf16PanelCols;
    }
    /// Bytes held.
    [[nodiscard]] std::size_t bytes() const {
        return panels * pairs * 2 * kBf16PanelCols * sizeof(std::uint16_t);
    }
};

/// fp32 -> bf16, rounded to nearest even (NaN stays NaN). A bf16 value widened to fp32 and
/// rounded back is itself, so weights stored as bf16 are held bit for bit.
[[nodiscard]] std::uint16_t float_to_bf16(float f);
/// bf16 -> fp32, exact.
[[nodiscard]] float bf16_to_float32(std::uint16_t h);

/// Packs w[n, k] (row-major fp32), each value rounded to bf16. O(n·k).
[[nodiscard]] PackedBf16Weights pack_bf16_weights(const float* w, std::size_t n, std::size_t k);

/// Whether this CPU runs the bf16 kernel: AVX-512 F/BW/VL + BF16, and CASCADE_ISA does not cap
/// the ISA below AVX-512. Read once per process. Where it is false, a bf16 layer keeps its
/// bf16-rounded weights widened to fp32 and runs the fp32 kernels (same weights, no memory
/// saved, activations not rounded).
[[nodiscard]] bool bf16_kernel_enabled();

/// y[m, n] = bf16(x[m, k]) · wᵀ + bias[n] (bias may be null), stored, stored after GELU, or
/// added to y as `output` says; work split over the pool by row blocks and, when the rows
/// are fewer than the threads need, by column panels. Requires bf16_kernel_enabled().
void linear_bf16(const float* x, std::size_t m, const PackedBf16Weights& w, const float* bias,
                 float* y, ThreadPool& pool, LinearOutput output = LinearOutput::Store);

/// The same product with plain loops: x and w rounded to bf16, products summed in double.
/// The oracle for tests (w unpacked, [n, k] fp32 before rounding).
void linear_bf16_reference(const float* x, const float* w, const float* bias, float* y,
                           std::size_t m, std::size_t n, std::size_t k);

}  // namespace cascade::model::kernels
