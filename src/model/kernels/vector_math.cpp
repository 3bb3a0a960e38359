#include "model/kernels/vector_math.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "model/kernels/simd_avx512.hpp"

namespace cascade::model::kernels {
namespace {

#define CASCADE_AVX2 __attribute__((target("avx2,fma")))

// exp(x) for 8 floats: range reduction x = n·ln2 + r, |r| <= ln2/2, then the degree-6
// polynomial of Cephes `expf` (S. Moshier, Cephes Math Library) and 2^n built in the exponent.
CASCADE_AVX2 inline __m256 exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// erf(x) by Abramowitz & Stegun (1964) formula 7.1.26, odd-extended.
CASCADE_AVX2 inline __m256 erf_avx2(__m256 x) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 sign = _mm256_and_ps(x, sign_mask);
    __m256 a = _mm256_andnot_ps(sign_mask, x);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f),
                             _mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a)));
    __m256 y = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
    return _mm256_or_ps(y, sign);
}

CASCADE_AVX2 float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

CASCADE_AVX2 void gelu_avx2(float* x, std::size_t n) {
    std::size_t i = 0;
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 inv_sqrt2 = _mm256_set1_ps(0.70710678118654752f);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 c = _mm256_add_ps(_mm256_set1_ps(1.0f), erf_avx2(_mm256_mul_ps(v, inv_sqrt2)));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), c));
    }
    for (; i < n; ++i)
        x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

CASCADE_AVX2 void exp_avx2_array(float* x, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, exp_avx2(_mm256_loadu_ps(x + i)));
    for (; i < n; ++i)
        x[i] = std::exp(x[i]);
}

CASCADE_AVX2 void softmax_avx2(float* x, std::size_t n) {
    float mx = -INFINITY;
    for (std::size_t i = 0; i < n; ++i)
        mx = std::max(mx, x[i]);
    const __m256 vmx = _mm256_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum_avx2(acc);
    for (; i < n; ++i) {
        x[i] = std::exp(x[i] - mx);
        sum += x[i];
    }
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; ++i)
        x[i] /= sum;
}

CASCADE_AVX2 float dot_avx2(const float* a, const float* b, std::size_t n) {
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8)
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    float s = hsum_avx2(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

CASCADE_AVX2 void axpy_avx2(float alpha, const float* x, float* y, std::size_t n) {
    const __m256 va = _mm256_set1_ps(alpha);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i)
        y[i] += alpha * x[i];
}

CASCADE_AVX2 void layer_norm_row_avx2(float* x, std::size_t n, const float* gamma,
                                      const float* beta, float eps) {
    __m256 s = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        s = _mm256_add_ps(s, _mm256_loadu_ps(x + i));
    float sum = hsum_avx2(s);
    for (; i < n; ++i)
        sum += x[i];
    const float mean = sum / static_cast<float>(n);
    const __m256 vm = _mm256_set1_ps(mean);
    __m256 q = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
        q = _mm256_fmadd_ps(d, d, q);
    }
    float var = hsum_avx2(q);
    for (; i < n; ++i)
        var += (x[i] - mean) * (x[i] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vinv);
        _mm256_storeu_ps(x + i,
                         _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + i), _mm256_loadu_ps(beta + i)));
    }
    for (; i < n; ++i)
        x[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
}

using simd::exp_avx512;
using simd::gelu16;

CASCADE_AVX512 void gelu_avx512(float* x, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i, gelu16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, m, gelu16(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

CASCADE_AVX512 void bias_gelu_avx512(float* x, std::size_t n, const float* bias) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i,
                         gelu16(_mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(bias + i))));
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
        const __m512 v =
            _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, bias + i));
        _mm512_mask_storeu_ps(x + i, m, gelu16(v));
    }
}

// Softmax with every pass vectorised (the maximum too) and masked tails.
CASCADE_AVX512 void softmax_avx512(float* x, std::size_t n) {
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 vmax = ninf;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16)
        vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(x + i));
    const __mmask16 tail = static_cast<__mmask16>((1u << (n - i)) - 1);
    if (i < n)
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(ninf, tail, x + i));
    const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 acc = _mm512_setzero_ps();
    for (i = 0; i + 16 <= n; i += 16) {
        const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + i), mx));
        _mm512_storeu_ps(x + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (i < n) {
        const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + i), mx));
        _mm512_mask_storeu_ps(x + i, tail, e);
        acc = _mm512_mask_add_ps(acc, tail, acc, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(acc));
    for (i = 0; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
    if (i < n)
        _mm512_mask_storeu_ps(x + i, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + i), inv));
}

void layer_norm_row_scalar(float* x, std::size_t n, const float* gamma, const float* beta,
                           float eps) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
        sum += x[i];
    const double mean = sum / static_cast<double>(n);
    double var = 0;
    for (std::size_t i = 0; i < n; ++i)
        var += (x[i] - mean) * (x[i] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(n) + eps);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>((x[i] - mean) * inv * gamma[i] + beta[i]);
}

}  // namespace

void gelu_inplace(float* x, std::size_t n, Isa isa) {
    if (isa == Isa::Avx512Vnni)
        return gelu_avx512(x, n);
    if (isa != Isa::Scalar)
        return gelu_avx2(x, n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(0.5 * x[i] * (1.0 + std::erf(x[i] * 0.70710678118654752)));
}

void bias_gelu_rows(float* x, std::size_t rows, std::size_t n, const float* bias, Isa isa) {
    for (std::size_t r = 0; r < rows; ++r) {
        float* xr = x + r * n;
        if (isa == Isa::Avx512Vnni) {
            bias_gelu_avx512(xr, n, bias);
            continue;
        }
        for (std::size_t i = 0; i < n; ++i)
            xr[i] += bias[i];
        gelu_inplace(xr, n, isa);
    }
}

void exp_inplace(float* x, std::size_t n, Isa isa) {
    if (isa != Isa::Scalar)
        return exp_avx2_array(x, n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = std::exp(x[i]);
}

void softmax_inplace(float* x, std::size_t n, Isa isa) {
    if (n == 0)
        return;
    if (isa == Isa::Avx512Vnni)
        return softmax_avx512(x, n);
    if (isa != Isa::Scalar)
        return softmax_avx2(x, n);
    float mx = *std::max_element(x, x + n);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - mx);
        sum += x[i];
    }
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(x[i] / sum);
}

void layer_norm_rows(float* x, std::size_t rows, std::size_t n, const float* gamma,
                     const float* beta, float eps, Isa isa) {
    for (std::size_t r = 0; r < rows; ++r) {
        if (isa != Isa::Scalar)
            layer_norm_row_avx2(x + r * n, n, gamma, beta, eps);
        else
            layer_norm_row_scalar(x + r * n, n, gamma, beta, eps);
    }
}

float dot(const float* a, const float* b, std::size_t n, Isa isa) {
    if (isa != Isa::Scalar)
        return dot_avx2(a, b, n);
    double s = 0;
    for (std::size_t i = 0; i < n; ++i)
        s += static_cast<double>(a[i]) * b[i];
    return static_cast<float>(s);
}

void axpy(float alpha, const float* x, float* y, std::size_t n, Isa isa) {
    if (isa != Isa::Scalar)
        return axpy_avx2(alpha, x, y, n);
    for (std::size_t i = 0; i < n; ++i)
        y[i] += alpha * x[i];
}

}  // namespace cascade::model::kernels
