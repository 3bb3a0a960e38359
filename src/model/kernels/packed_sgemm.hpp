#pragma once
/// fp32 linear layers with the weights packed once at load into the panel layout of an AVX-512
/// micro-kernel, so no call packs or zeroes anything: activations are read in place (one
/// broadcast per row and k), a 12×32 register tile accumulates over the whole k, and the bias,
/// GELU or residual add is applied to the tile before it is written, once. This removes the
/// per-call B packing, the beta = 0 zeroing of C and the separate bias/GELU pass that the
/// OpenBLAS path (gemm.hpp) pays. The layout follows the BLIS/GotoBLAS packed-panel idea
/// (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008), with A
/// left unpacked because the layers' k (384 .. 1536) keeps a row block in L2.
///
/// AVX-512F only; other CPUs, and any run with CASCADE_SGEMM=openblas in the environment, keep
/// OpenBLAS (see `packed_sgemm_enabled`).

#include <cstddef>
#include <cstdlib>
#include <memory>

#include "model/kernels/gemm.hpp"
#include "model/kernels/thread_pool.hpp"

namespace cascade::model::kernels {

/// Output columns per packed panel: two zmm registers.
inline constexpr std::size_t kSgemmPanelCols = 32;

/// Weights w[n, k] (Hugging Face [out, in] layout) packed in panels of 32 output columns:
/// panel p holds, for each t in [0, k), the 32 values w[32p + c][t], c = 0..31, contiguous
/// and 64-byte aligned; columns past n are zero.
struct PackedSgemmWeights {
    std::size_t n = 0;       ///< output features
    std::size_t k = 0;       ///< input features
    std::size_t panels = 0;  ///< ceil(n / 32)
    std::unique_ptr<float[], decltype(&std::free)> packed{nullptr, &std::free};

    /// Panel p: k × 32 floats.
    [[nodiscard]] const float* panel(std::size_t p) const {
        return packed.get() + p * k * kSgemmPanelCols;
    }
};

/// Packs w[n, k] (row-major fp32). O(n·k).
[[nodiscard]] PackedSgemmWeights pack_sgemm_weights(const float* w, std::size_t n, std::size_t k);

/// Whether the packed kernel runs on this CPU and is not switched off: needs AVX-512 (detected
/// once; CASCADE_ISA=avx2 or scalar caps it off), and CASCADE_SGEMM=openblas forces the
/// OpenBLAS path so the two can be compared in one build. Read once per process.
[[nodiscard]] bool packed_sgemm_enabled();

/// y[m, n] = x[m, k] · wᵀ + bias[n] (bias may be null), stored, stored after GELU, or added
/// to y as `output` says; row blocks split over the pool. Requires packed_sgemm_enabled()
/// (or at least AVX-512F); x and y row-major and contiguous.
void linear_packed_f32(const float* x, std::size_t m, const PackedSgemmWeights& w,
                       const float* bias, float* y, ThreadPool& pool,
                       LinearOutput output = LinearOutput::Store);

}  // namespace cascade::model::kernels
