#pragma once
/// Instruction sets of the running CPU, detected once through CPUID. Kernels are compiled for
/// several ISAs with per-function target attributes and chosen here at run time, so the
/// binary runs on any x86-64 without -march=native.

namespace cascade::model::kernels {

/// Kernel variants, best last.
enum class Isa { Scalar, Avx2, Avx512Vnni };

struct CpuFeatures {
    bool avx2_fma = false;     ///< AVX2 + FMA
    bool avx512_vnni = false;  ///< AVX-512 F/BW/VL + VNNI (vpdpbusd)
    bool avx512_bf16 = false;  ///< and AVX-512 BF16 (vdpbf16ps, vcvtne2ps2bf16)
};

/// What this CPU supports (cached).
[[nodiscard]] const CpuFeatures& cpu_features();

/// The best ISA the CPU supports, capped by the environment variable CASCADE_ISA
/// ("scalar", "avx2", "avx512") so tests and benchmarks can force a path.
[[nodiscard]] Isa best_isa();

[[nodiscard]] const char* isa_name(Isa isa);

}  // namespace cascade::model::kernels
