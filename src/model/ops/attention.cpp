#include "model/ops/attention.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "model/kernels/vector_math.hpp"
#include "model/ops/attention_tiles.hpp"
#include "util/error.hpp"

namespace cascade::model::ops {
namespace {

// One (sequence, head) pair: scores row by row, each row an accumulation of head_dim axpys
// over the transposed keys, so the inner loop runs along the sequence and vectorises.
void attend_one(MatrixView q, MatrixView k, MatrixView v, float* out, std::size_t out_stride,
                std::size_t begin, std::size_t len, std::size_t head, std::size_t kv_head,
                const AttentionParams& p, kernels::Isa isa, std::vector<float>* probs) {
    const std::size_t d = p.head_dim;
    std::vector<float> kt(d * len);
    for (std::size_t j = 0; j < len; ++j) {
        const float* kr = k.data + (begin + j) * k.stride + kv_head * d;
        for (std::size_t c = 0; c < d; ++c)
            kt[c * len + j] = kr[c];
    }
    std::vector<float> scores(len);
    if (probs)
        probs->assign(len * len, 0.0f);
    for (std::size_t i = 0; i < len; ++i) {
        const float* qr = q.data + (begin + i) * q.stride + head * d;
        const std::size_t visible = p.causal ? i + 1 : len;
        std::fill(scores.data(), scores.data() + visible, 0.0f);
        for (std::size_t c = 0; c < d; ++c)
            kernels::axpy(qr[c] * p.scale, kt.data() + c * len, scores.data(), visible, isa);
        kernels::softmax_inplace(scores.data(), visible, isa);
        float* o = out + (begin + i) * out_stride + head * d;
        std::fill(o, o + d, 0.0f);
        for (std::size_t j = 0; j < visible; ++j)
            kernels::axpy(scores[j], v.data + (begin + j) * v.stride + kv_head * d, o, d, isa);
        if (probs)
            std::copy(scores.data(), scores.data() + visible, probs->data() + i * len);
    }
}

#define CASCADE_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))

// Register-blocked tiles for the AVX-512 path: kTileRows query rows × kCols·16 columns held
// in kTileRows·kCols zmm accumulators (16 with kCols = 2), as in BLAS micro-kernels, so each
// vector loaded feeds kTileRows FMAs.
constexpr std::size_t kTileRows = 8;

// scores[r][j0 .. j0+16·kCols) = Σ_c qs[r][c] · kt[c][j]; kt is [d, ld], zero-padded to ld.
template <std::size_t kCols>
CASCADE_AVX512 void score_tile(const float* qs, std::size_t d, const float* kt, std::size_t ld,
                               std::size_t j0, float* scores) {
    __m512 acc[kTileRows][kCols];
    for (auto& row : acc)
        for (auto& a : row)
            a = _mm512_setzero_ps();
    for (std::size_t c = 0; c < d; ++c) {
        __m512 kv[kCols];
        for (std::size_t v = 0; v < kCols; ++v)
            kv[v] = _mm512_loadu_ps(kt + c * ld + j0 + 16 * v);
        for (std::size_t r = 0; r < kTileRows; ++r) {
            const __m512 qb = _mm512_set1_ps(qs[r * d + c]);
            for (std::size_t v = 0; v < kCols; ++v)
                acc[r][v] = _mm512_fmadd_ps(qb, kv[v], acc[r][v]);
        }
    }
    for (std::size_t r = 0; r < kTileRows; ++r)
        for (std::size_t v = 0; v < kCols; ++v)
            _mm512_storeu_ps(scores + r * ld + j0 + 16 * v, acc[r][v]);
}

// out rows [0, rows) columns [c0, c0 + 16·kCols) = Σ_{j < span} probs[r][j] · v_j.
template <std::size_t kCols>
CASCADE_AVX512 void context_tile(const float* probs, std::size_t ld, const float* v,
                                 std::size_t v_stride, std::size_t span, std::size_t rows,
                                 float* out, std::size_t out_stride) {
    __m512 acc[kTileRows][kCols];
    for (auto& row : acc)
        for (auto& a : row)
            a = _mm512_setzero_ps();
    for (std::size_t j = 0; j < span; ++j) {
        __m512 vv[kCols];
        for (std::size_t c = 0; c < kCols; ++c)
            vv[c] = _mm512_loadu_ps(v + j * v_stride + 16 * c);
        for (std::size_t r = 0; r < kTileRows; ++r) {
            const __m512 pb = _mm512_set1_ps(probs[r * ld + j]);
            for (std::size_t c = 0; c < kCols; ++c)
                acc[r][c] = _mm512_fmadd_ps(pb, vv[c], acc[r][c]);
        }
    }
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < kCols; ++c)
            _mm512_storeu_ps(out + r * out_stride + 16 * c, acc[r][c]);
}

// kt[c][j] = k[j][c] for j < len, zero for len <= j < ld (ld a multiple of 16): one gather of
// 16 keys per (c, 16-key block), cheaper than 16 scalar stores to 16 cache lines.
CASCADE_AVX512 void transpose_keys_impl(const float* k, std::size_t stride, std::size_t len,
                                        std::size_t d, float* kt, std::size_t ld) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(stride)));
    for (std::size_t j0 = 0; j0 < ld; j0 += 16) {
        if (j0 >= len) {  // padding columns only
            for (std::size_t c = 0; c < d; ++c)
                _mm512_storeu_ps(kt + c * ld + j0, _mm512_setzero_ps());
            continue;
        }
        const __mmask16 m = static_cast<__mmask16>((1u << std::min<std::size_t>(16, len - j0)) - 1);
        const float* base = k + j0 * stride;
        for (std::size_t c = 0; c < d; ++c)
            _mm512_storeu_ps(kt + c * ld + j0,
                             _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, step, base + c, 4));
    }
}

// In tiles of kTileRows query rows: the scores of a tile against the keys any of its rows sees
// (score_tile), a softmax per row over its own visible keys with the rest zeroed, then the
// context of the tile (context_tile).
CASCADE_AVX512 void attend_rows_impl(const AttentionRows& a, std::size_t d, float scale,
                                     const std::function<float*(std::size_t row)>& export_to) {
    std::vector<float> scores(kTileRows * a.ld);
    std::vector<float> qs(kTileRows * d);
    for (std::size_t i0 = 0; i0 < a.rows; i0 += kTileRows) {
        const std::size_t rows = std::min(kTileRows, a.rows - i0);
        for (std::size_t r = 0; r < kTileRows; ++r)
            for (std::size_t c = 0; c < d; ++c)
                qs[r * d + c] = r < rows ? a.q[(i0 + r) * a.q_stride + c] * scale : 0.0f;
        // Keys any row of the tile sees.
        const std::size_t span = a.causal ? a.past + i0 + rows : a.keys;
        for (std::size_t j0 = 0; j0 < span; j0 += 32) {
            if (span - j0 > 16)
                score_tile<2>(qs.data(), d, a.kt, a.ld, j0, scores.data());
            else
                score_tile<1>(qs.data(), d, a.kt, a.ld, j0, scores.data());
        }
        for (std::size_t r = 0; r < kTileRows; ++r) {
            float* row = scores.data() + r * a.ld;
            const std::size_t visible = r >= rows ? 0 : a.causal ? a.past + i0 + r + 1 : a.keys;
            kernels::softmax_inplace(row, visible, kernels::Isa::Avx512Vnni);
            std::fill(row + visible, row + span, 0.0f);  // masked keys and unused tile rows
            if (r < rows)
                if (float* dst = export_to(i0 + r)) {
                    std::copy(row, row + visible, dst);
                    std::fill(dst + visible, dst + a.keys, 0.0f);
                }
        }
        float* oh = a.out + i0 * a.out_stride;
        std::size_t c0 = 0;
        for (; c0 + 32 <= d; c0 += 32)
            context_tile<2>(scores.data(), a.ld, a.v + c0, a.v_stride, span, rows, oh + c0,
                            a.out_stride);
        if (c0 < d)
            context_tile<1>(scores.data(), a.ld, a.v + c0, a.v_stride, span, rows, oh + c0,
                            a.out_stride);
    }
}

// AVX-512 version of attend_one for head_dim % 16 == 0.
CASCADE_AVX512 void attend_one_avx512(MatrixView q, MatrixView k, MatrixView v, float* out,
                                      std::size_t out_stride, std::size_t begin, std::size_t len,
                                      std::size_t head, std::size_t kv_head,
                                      const AttentionParams& p, std::vector<float>* probs) {
    const std::size_t d = p.head_dim;
    const std::size_t ld = attention_key_columns(len);
    auto kt = std::make_unique_for_overwrite<float[]>(d * ld);
    transpose_keys_impl(k.data + begin * k.stride + kv_head * d, k.stride, len, d, kt.get(), ld);
    if (probs)
        probs->resize(len * len);  // every row is written whole by export_to
    AttentionRows rows;
    rows.q = q.data + begin * q.stride + head * d;
    rows.q_stride = q.stride;
    rows.rows = len;
    rows.past = 0;
    rows.causal = p.causal;
    rows.kt = kt.get();
    rows.ld = ld;
    rows.keys = len;
    rows.v = v.data + begin * v.stride + kv_head * d;
    rows.v_stride = v.stride;
    rows.out = out + begin * out_stride + head * d;
    rows.out_stride = out_stride;
    attend_rows_impl(rows, d, p.scale, [&](std::size_t i) -> float* {
        return probs ? probs->data() + i * len : nullptr;
    });
}

}  // namespace

std::size_t attention_key_columns(std::size_t keys) {
    return (keys + 31) / 32 * 32;
}

void transpose_keys(const float* k, std::size_t stride, std::size_t len, std::size_t d, float* kt,
                    std::size_t ld) {
    transpose_keys_impl(k, stride, len, d, kt, ld);
}

void attend_rows_avx512(const AttentionRows& rows, std::size_t head_dim, float scale,
                        const std::function<float*(std::size_t row)>& export_to) {
    attend_rows_impl(rows, head_dim, scale, export_to);
}

void attention(MatrixView q, MatrixView k, MatrixView v, float* out, std::size_t out_stride,
               const std::vector<std::size_t>& offsets, const AttentionParams& params,
               kernels::ThreadPool& pool, kernels::Isa isa,
               std::vector<std::vector<float>>* probabilities) {
    CASCADE_ASSERT(!offsets.empty());
    CASCADE_ASSERT(params.num_kv_heads > 0 && params.num_heads % params.num_kv_heads == 0);
    const std::size_t seqs = offsets.size() - 1;
    const std::size_t group = params.num_heads / params.num_kv_heads;
    if (probabilities)
        probabilities->assign(seqs * params.num_heads, {});
    pool.parallel_for(seqs * params.num_heads, [&](std::size_t item) {
        const std::size_t s = item / params.num_heads;
        const std::size_t h = item % params.num_heads;
        auto* probs = probabilities ? &(*probabilities)[item] : nullptr;
        if (isa == kernels::Isa::Avx512Vnni && params.head_dim % 16 == 0)
            attend_one_avx512(q, k, v, out, out_stride, offsets[s], offsets[s + 1] - offsets[s], h,
                              h / group, params, probs);
        else
            attend_one(q, k, v, out, out_stride, offsets[s], offsets[s + 1] - offsets[s], h,
                       h / group, params, isa, probs);
    });
}

void attention_first_query(MatrixView q, MatrixView k, MatrixView v, float* out,
                           std::size_t out_stride, const std::vector<std::size_t>& offsets,
                           const AttentionParams& p, kernels::ThreadPool& pool, kernels::Isa isa) {
    CASCADE_ASSERT(!offsets.empty());
    CASCADE_ASSERT(p.num_kv_heads > 0 && p.num_heads % p.num_kv_heads == 0);
    const std::size_t seqs = offsets.size() - 1;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    const std::size_t d = p.head_dim;
    pool.parallel_for(seqs, [&](std::size_t s) {
        const std::size_t begin = offsets[s];
        const std::size_t visible = p.causal ? 1 : offsets[s + 1] - begin;  // row 0 sees key 0
        std::vector<float> scores(visible);
        for (std::size_t h = 0; h < p.num_heads; ++h) {
            const std::size_t kh = h / group;
            const float* qr = q.data + s * q.stride + h * d;
            for (std::size_t j = 0; j < visible; ++j)
                scores[j] =
                    p.scale * kernels::dot(qr, k.data + (begin + j) * k.stride + kh * d, d, isa);
            kernels::softmax_inplace(scores.data(), visible, isa);
            float* o = out + s * out_stride + h * d;
            std::fill(o, o + d, 0.0f);
            for (std::size_t j = 0; j < visible; ++j)
                kernels::axpy(scores[j], v.data + (begin + j) * v.stride + kh * d, o, d, isa);
        }
    });
}

void attention_reference(MatrixView q, MatrixView k, MatrixView v, float* out,
                         std::size_t out_stride, const std::vector<std::size_t>& offsets,
                         const AttentionParams& p) {
    const std::size_t d = p.head_dim;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
        const std::size_t b = offsets[s];
        const std::size_t len = offsets[s + 1] - offsets[s];
        for (std::size_t h = 0; h < p.num_heads; ++h) {
            const std::size_t kh = h / group;
            for (std::size_t i = 0; i < len; ++i) {
                const std::size_t visible = p.causal ? i + 1 : len;
                std::vector<double> sc(visible);
                double mx = -std::numeric_limits<double>::infinity();
                for (std::size_t j = 0; j < visible; ++j) {
                    double acc = 0;
                    for (std::size_t c = 0; c < d; ++c)
                        acc += static_cast<double>(q.data[(b + i) * q.stride + h * d + c]) *
                               k.data[(b + j) * k.stride + kh * d + c];
                    sc[j] = acc * p.scale;
                    mx = std::max(mx, sc[j]);
                }
                double sum = 0;
                for (auto& x : sc)
                    sum += (x = std::exp(x - mx));
                for (std::size_t c = 0; c < d; ++c) {
                    double acc = 0;
                    for (std::size_t j = 0; j < visible; ++j)
                        acc += sc[j] / sum * v.data[(b + j) * v.stride + kh * d + c];
                    out[(b + i) * out_stride + h * d + c] = static_cast<float>(acc);
                }
            }
        }
    }
}

}  // namespace cascade::model::ops
