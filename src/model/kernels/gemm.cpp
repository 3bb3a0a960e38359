#include "model/kernels/gemm.hpp"

#include <cblas.h>

namespace cascade::model::kernels {

void linear_f32(const float* x, const float* w, const float* bias, float* y, std::size_t m,
                std::size_t n, std::size_t k, bool accumulate) {
    float beta = accumulate ? 1.0f : 0.0f;
    if (bias) {  // the bias goes in first and the product is added to it
        for (std::size_t i = 0; i < m; ++i) {
            float* yr = y + i * n;
            if (accumulate)
                for (std::size_t j = 0; j < n; ++j)
                    yr[j] += bias[j];
            else
                for (std::size_t j = 0; j < n; ++j)
                    yr[j] = bias[j];
        }
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0f, x, static_cast<int>(k), w, static_cast<int>(k), beta, y,
                static_cast<int>(n));
}

void linear_reference(const float* x, const float* w, const float* bias, float* y, std::size_t m,
                      std::size_t n, std::size_t k) {
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double acc = bias ? bias[j] : 0.0;
            for (std::size_t t = 0; t < k; ++t)
                acc += static_cast<double>(x[i * k + t]) * static_cast<double>(w[j * k + t]);
            y[i * n + j] = static_cast<float>(acc);
        }
}

void set_blas_threads(int threads) {
    openblas_set_num_threads(threads);
}

}  // namespace cascade::model::kernels
