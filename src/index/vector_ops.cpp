#include "index/vector_ops.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "util/error.hpp"

namespace cascade::index {
namespace {

float dot_f32_scalar(const float* a, const float* b, std::size_t n) {
    // Four partial sums, as the vector versions keep lanes: the same order on every call.
    float s[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t l = 0; l < 4; ++l)
            s[l] += a[i + l] * b[i + l];
    for (; i < n; ++i)
        s[0] += a[i] * b[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

std::int32_t dot_i8_scalar(const std::int8_t* a, const std::int8_t* b, std::size_t n) {
    std::int32_t s = 0;
    for (std::size_t i = 0; i < n; ++i)
        s += static_cast<std::int32_t>(a[i]) * static_cast<std::int32_t>(b[i]);
    return s;
}

__attribute__((target("avx2,fma"))) float hsum256(__m256 v) {
    const __m128 lo = _mm256_castps256_ps128(v);
    const __m128 hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) float dot_f32_avx2(const float* a, const float* b,
                                                       std::size_t n) {
    __m256 s0 = _mm256_setzero_ps();
    __m256 s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

__attribute__((target("avx2"))) std::int32_t dot_i8_avx2(const std::int8_t* a, const std::int8_t* b,
                                                         std::size_t n) {
    __m256i acc = _mm256_setzero_si256();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i x =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
        const __m256i y =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
    }
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    const __m128i s1 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0xb1));
    std::int32_t s = _mm_cvtsi128_si32(s1);
    for (; i < n; ++i)
        s += static_cast<std::int32_t>(a[i]) * static_cast<std::int32_t>(b[i]);
    return s;
}

#define CASCADE_VEC512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))

CASCADE_VEC512 float dot_f32_avx512(const float* a, const float* b, std::size_t n) {
    __m512 s0 = _mm512_setzero_ps();
    __m512 s1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1U << (n - i)) - 1U);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

CASCADE_VEC512 std::int32_t dot_i8_avx512(const std::int8_t* a, const std::int8_t* b,
                                          std::size_t n) {
    __m512i acc = _mm512_setzero_si512();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512i x =
            _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
        const __m512i y =
            _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, y));
    }
    if (i < n) {
        const __mmask32 m = static_cast<__mmask32>((n - i) >= 32 ? ~0U : ((1U << (n - i)) - 1U));
        const __m512i x = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, a + i));
        const __m512i y = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, b + i));
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, y));
    }
    return _mm512_reduce_add_epi32(acc);
}

const VectorKernels kScalar{dot_f32_scalar, dot_i8_scalar, "scalar"};
const VectorKernels kAvx2{dot_f32_avx2, dot_i8_avx2, "avx2"};
const VectorKernels kAvx512{dot_f32_avx512, dot_i8_avx512, "avx512"};

bool has_avx512() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}
bool has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const VectorKernels& choose() {
    const char* forced = std::getenv("CASCADE_ISA");
    const std::string isa = forced ? forced : "";
    if (isa == "scalar")
        return kScalar;
    if (isa != "avx2" && has_avx512())
        return kAvx512;
    if (has_avx2())
        return kAvx2;
    return kScalar;
}

}  // namespace

const VectorKernels& vector_kernels() {
    static const VectorKernels& chosen = choose();
    return chosen;
}

const VectorKernels& vector_kernels(std::string_view isa) {
    if (isa == "scalar")
        return kScalar;
    if (isa == "avx2" && has_avx2())
        return kAvx2;
    if (isa == "avx512" && has_avx512())
        return kAvx512;
    throw UsageError("vector kernels: this CPU cannot run '" + std::string(isa) + "'");
}

void normalize(std::span<float> v) {
    double sum = 0;
    for (float x : v)
        sum += static_cast<double>(x) * x;
    if (sum <= 0)
        return;
    const auto inv = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& x : v)
        x *= inv;
}

float quantize_i8(std::span<const float> v, std::span<std::int8_t> codes) {
    float max_abs = 0;
    for (float x : v)
        max_abs = std::max(max_abs, std::fabs(x));
    if (max_abs == 0) {
        std::fill(codes.begin(), codes.end(), std::int8_t{0});
        return 0;
    }
    const float scale = max_abs / 127.0F;
    const float inv = 127.0F / max_abs;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const float q = std::nearbyint(v[i] * inv);
        codes[i] = static_cast<std::int8_t>(std::clamp(q, -127.0F, 127.0F));
    }
    return scale;
}

}  // namespace cascade::index
