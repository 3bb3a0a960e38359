#pragma once
/// Inner products for the dense index: fp32 and int8, AVX-512 / AVX2 / portable versions chosen
/// once at run time from the CPU (CASCADE_ISA=avx2 or =scalar forces a smaller one, as the model
/// kernels do). Below the model layer on purpose: the index and its searches need no model code.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cascade::index {

/// sum_i a[i] * b[i] over n floats.
using DotF32 = float (*)(const float* a, const float* b, std::size_t n);
/// sum_i a[i] * b[i] over n int8 values (|values| <= 127), exact in 32 bits for n < 2^17.
using DotI8 = std::int32_t (*)(const std::int8_t* a, const std::int8_t* b, std::size_t n);

struct VectorKernels {
    DotF32 dot_f32;
    DotI8 dot_i8;
    std::string_view isa;  ///< "avx512", "avx2" or "scalar"
};

/// The kernels for this CPU (chosen on the first call).
[[nodiscard]] const VectorKernels& vector_kernels();
/// The kernels of one ISA ("avx512", "avx2", "scalar"), for tests; throws UsageError when this
/// CPU lacks it.
[[nodiscard]] const VectorKernels& vector_kernels(std::string_view isa);

/// Scales `v` to unit L2 norm in place (a zero vector stays zero).
void normalize(std::span<float> v);

/// Symmetric scalar quantisation of one vector: codes = round(v / scale) in [-127, 127],
/// scale = max|v| / 127 (0 for a zero vector). Returns the scale.
float quantize_i8(std::span<const float> v, std::span<std::int8_t> codes);

}  // namespace cascade::index
