#include "model/kernels/decoder_math.hpp"

#include <cmath>

#include "model/kernels/vector_math.hpp"

namespace cascade::model::kernels {

void rms_norm_rows(const float* x, std::size_t x_stride, float* y, std::size_t y_stride,
                   std::size_t rows, std::size_t n, const float* weight, float eps) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * x_stride;
        float* yr = y + r * y_stride;
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i)
            sum += static_cast<double>(xr[i]) * xr[i];
        const auto inv = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
        for (std::size_t i = 0; i < n; ++i)
            yr[i] = xr[i] * inv * weight[i];
    }
}

void silu_mul_rows(const float* gate_up, float* out, std::size_t rows, std::size_t n, Isa isa) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* g = gate_up + r * 2 * n;
        const float* u = g + n;
        float* o = out + r * n;
        for (std::size_t i = 0; i < n; ++i)
            o[i] = -g[i];
        exp_inplace(o, n, isa);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = g[i] / (1.0f + o[i]) * u[i];
    }
}

}  // namespace cascade::model::kernels
