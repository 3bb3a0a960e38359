#include "model/kernels/int8_gemm.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "model/kernels/vector_math.hpp"

namespace cascade::model::kernels {
namespace {

constexpr std::size_t kRowBlock = 64;  // activation rows per task (fits L2 with the weights)

// Quantized activations of one row block: int8 values, plus the same shifted to uint8
// (+128) for vpdpbusd, which multiplies unsigned by signed bytes.
struct QuantizedRows {
    std::vector<std::int8_t> q;
    std::vector<float> scale;
};

void quantize_rows(const float* x, std::size_t rows, std::size_t k, std::size_t k_padded,
                   QuantizedRows& out) {
    out.q.assign(rows * k_padded, 0);
    out.scale.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * k;
        float amax = 0.0f;
        for (std::size_t i = 0; i < k; ++i)
            amax = std::max(amax, std::fabs(xr[i]));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        const float inv = 1.0f / s;
        for (std::size_t i = 0; i < k; ++i)
            out.q[r * k_padded + i] = static_cast<std::int8_t>(std::nearbyint(xr[i] * inv));
        out.scale[r] = s;
    }
}

// The same quantization, 16 lanes at a time; cvtps rounds half to even under the default
// MXCSR, exactly like nearbyint, so results are bit-identical to quantize_rows. Writes the
// values shifted by +128 as unsigned bytes, the operand form vpdpbusd needs.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void quantize_rows_u8_avx512(
    const float* x, std::size_t rows, std::size_t k, std::size_t k_padded,
    std::vector<std::uint8_t>& out, std::vector<float>& scales) {
    out.assign(rows * k_padded, 128);
    scales.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * k;
        __m512 vmax = _mm512_setzero_ps();
        std::size_t i = 0;
        for (; i + 16 <= k; i += 16)
            vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(xr + i)));
        float amax = _mm512_reduce_max_ps(vmax);
        for (; i < k; ++i)
            amax = std::max(amax, std::fabs(xr[i]));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        const float inv = 1.0f / s;
        const __m512 vinv = _mm512_set1_ps(inv);
        const __m512i offset = _mm512_set1_epi32(128);
        std::uint8_t* o = out.data() + r * k_padded;
        for (i = 0; i + 16 <= k; i += 16) {
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xr + i), vinv));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i),
                             _mm512_cvtusepi32_epi8(_mm512_add_epi32(q, offset)));
        }
        for (; i < k; ++i)
            o[i] = static_cast<std::uint8_t>(static_cast<int>(std::nearbyint(xr[i] * inv)) + 128);
        scales[r] = s;
    }
}

// acc[r][c] for 16 columns of one panel, scalar.
void panel_scalar(const std::int8_t* a, std::size_t k_padded, const std::int8_t* panel,
                  std::int32_t* acc) {
    for (std::size_t c = 0; c < kInt8PanelCols; ++c)
        acc[c] = 0;
    for (std::size_t g = 0; g < k_padded / 4; ++g)
        for (std::size_t c = 0; c < kInt8PanelCols; ++c)
            for (std::size_t t = 0; t < 4; ++t)
                acc[c] += static_cast<std::int32_t>(a[4 * g + t]) * panel[64 * g + 4 * c + t];
}

// AVX2: |a| (unsigned) times sign(a)·w (signed) with vpmaddubsw; both at most 127 in
// magnitude, so the 16-bit pair sums (<= 32258) never saturate.
__attribute__((target("avx2,fma"))) void panel_avx2(const std::int8_t* a, std::size_t k_padded,
                                                    const std::int8_t* panel, std::int32_t* acc) {
    __m256i acc0 = _mm256_setzero_si256();
    __m256i acc1 = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (std::size_t g = 0; g < k_padded / 4; ++g) {
        std::int32_t a4;
        __builtin_memcpy(&a4, a + 4 * g, 4);
        const __m256i va = _mm256_set1_epi32(a4);
        const __m256i abs_a = _mm256_abs_epi8(va);
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + 64 * g));
        const __m256i w1 =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + 64 * g + 32));
        acc0 = _mm256_add_epi32(
            acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(w0, va)), ones));
        acc1 = _mm256_add_epi32(
            acc1, _mm256_madd_epi16(_mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(w1, va)), ones));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), acc0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), acc1);
}

// AVX-512 VNNI: 4 rows × 32 columns (two panels) per step; activations shifted to uint8 and
// the shift removed afterwards with the weight row sums.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void tile_vnni(
    const std::uint8_t* a, std::size_t a_stride, std::size_t rows, std::size_t k_padded,
    const std::int8_t* p0, const std::int8_t* p1, std::int32_t* acc /* rows x 32 */) {
    __m512i c[4][2];
    for (auto& r : c)
        r[0] = r[1] = _mm512_setzero_si512();
    for (std::size_t g = 0; g < k_padded / 4; ++g) {
        const __m512i w0 = _mm512_loadu_si512(p0 + 64 * g);
        const __m512i w1 = p1 ? _mm512_loadu_si512(p1 + 64 * g) : _mm512_setzero_si512();
        for (std::size_t r = 0; r < 4; ++r) {
            if (r >= rows)
                break;
            std::int32_t a4;
            __builtin_memcpy(&a4, a + r * a_stride + 4 * g, 4);
            const __m512i va = _mm512_set1_epi32(a4);
            c[r][0] = _mm512_dpbusd_epi32(c[r][0], va, w0);
            c[r][1] = _mm512_dpbusd_epi32(c[r][1], va, w1);
        }
    }
    for (std::size_t r = 0; r < rows; ++r) {
        _mm512_storeu_si512(acc + r * 32, c[r][0]);
        _mm512_storeu_si512(acc + r * 32 + 16, c[r][1]);
    }
}

void finish(const std::int32_t* acc, float row_scale, const QuantizedWeights& w, std::size_t col0,
            std::size_t cols, const float* bias, float* y, bool accumulate) {
    for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t n = col0 + c;
        const float r =
            static_cast<float>(acc[c]) * (row_scale * w.scale[n]) + (bias ? bias[n] : 0.0f);
        y[n] = accumulate ? y[n] + r : r;
    }
}

void block_vnni(const float* x, std::size_t rows, const QuantizedWeights& w, const float* bias,
                float* y, LinearOutput output) {
    const bool accumulate = output == LinearOutput::Accumulate;
    const std::size_t kp = w.k_padded;
    std::vector<std::uint8_t> ua;
    std::vector<float> row_scale;
    quantize_rows_u8_avx512(x, rows, w.k, kp, ua, row_scale);
    std::int32_t acc[4 * 32];
    for (std::size_t r0 = 0; r0 < rows; r0 += 4) {
        const std::size_t nr = std::min<std::size_t>(4, rows - r0);
        for (std::size_t p = 0; p < w.panels; p += 2) {
            const std::int8_t* p0 = w.packed.data() + p * 16 * kp;
            const std::int8_t* p1 = p + 1 < w.panels ? p0 + 16 * kp : nullptr;
            tile_vnni(ua.data() + r0 * kp, kp, nr, kp, p0, p1, acc);
            const std::size_t col0 = p * 16;
            const std::size_t cols = std::min<std::size_t>(p1 ? 32 : 16, w.n - col0);
            for (std::size_t r = 0; r < nr; ++r) {
                std::int32_t* ar = acc + r * 32;
                for (std::size_t c = 0; c < cols; ++c)
                    ar[c] -= 128 * w.row_sum[col0 + c];
                finish(ar, row_scale[r0 + r], w, col0, cols, bias, y + (r0 + r) * w.n, accumulate);
            }
        }
        if (output == LinearOutput::Gelu)  // these rows are complete and still in cache
            gelu_inplace(y + r0 * w.n, nr * w.n, Isa::Avx512Vnni);
    }
}

void block_panelwise(const QuantizedRows& qa, std::size_t rows, const QuantizedWeights& w,
                     const float* bias, float* y, Isa isa, LinearOutput output) {
    std::int32_t acc[kInt8PanelCols];
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t p = 0; p < w.panels; ++p) {
            const std::int8_t* a = qa.q.data() + r * w.k_padded;
            const std::int8_t* panel = w.packed.data() + p * 16 * w.k_padded;
            if (isa == Isa::Scalar)
                panel_scalar(a, w.k_padded, panel, acc);
            else
                panel_avx2(a, w.k_padded, panel, acc);
            const std::size_t col0 = p * 16;
            finish(acc, qa.scale[r], w, col0, std::min<std::size_t>(16, w.n - col0), bias,
                   y + r * w.n, output == LinearOutput::Accumulate);
        }
    if (output == LinearOutput::Gelu)
        gelu_inplace(y, rows * w.n, isa);
}

}  // namespace

QuantizedWeights quantize_weights(const float* w, std::size_t n, std::size_t k) {
    QuantizedWeights q;
    q.n = n;
    q.k = k;
    q.k_padded = (k + 3) / 4 * 4;
    q.panels = (n + kInt8PanelCols - 1) / kInt8PanelCols;
    q.packed.assign(q.panels * kInt8PanelCols * q.k_padded, 0);
    q.scale.assign(q.panels * kInt8PanelCols, 0.0f);
    q.row_sum.assign(q.panels * kInt8PanelCols, 0);
    for (std::size_t row = 0; row < n; ++row) {
        const float* wr = w + row * k;
        float amax = 0.0f;
        for (std::size_t i = 0; i < k; ++i)
            amax = std::max(amax, std::fabs(wr[i]));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        q.scale[row] = s;
        const std::size_t p = row / kInt8PanelCols;
        const std::size_t c = row % kInt8PanelCols;
        std::int8_t* panel = q.packed.data() + p * kInt8PanelCols * q.k_padded;
        for (std::size_t i = 0; i < k; ++i) {
            auto v = static_cast<std::int8_t>(std::nearbyint(wr[i] / s));
            panel[64 * (i / 4) + 4 * c + i % 4] = v;
            q.row_sum[row] += v;
        }
    }
    return q;
}

void linear_int8(const float* x, std::size_t m, const QuantizedWeights& w, const float* bias,
                 float* y, Isa isa, ThreadPool& pool, LinearOutput output) {
    const std::size_t blocks = (m + kRowBlock - 1) / kRowBlock;
    pool.parallel_for(blocks, [&](std::size_t b) {
        const std::size_t r0 = b * kRowBlock;
        const std::size_t rows = std::min(kRowBlock, m - r0);
        if (isa == Isa::Avx512Vnni) {
            block_vnni(x + r0 * w.k, rows, w, bias, y + r0 * w.n, output);
        } else {
            QuantizedRows qa;
            quantize_rows(x + r0 * w.k, rows, w.k, w.k_padded, qa);
            block_panelwise(qa, rows, w, bias, y + r0 * w.n, isa, output);
        }
    });
}

}  // namespace cascade::model::kernels
