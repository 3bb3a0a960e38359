#include "model/ops/attention.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "model/kernels/vector_math.hpp"
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
        for (std::size_t c = 0; c < d; ++c) kt[c * len + j] = kr[c];
    }
    std::vector<float> scores(len);
    if (probs) probs->assign(len * len, 0.0f);
    for (std::size_t i = 0; i < len; ++i) {
        const float* qr = q.data + (begin + i) * q.stride + head * d;
        const std::size_t visible = p.causal ? i + 1 : len;
        std::fill(scores.begin(), scores.begin() + visible, 0.0f);
        for (std::size_t c = 0; c < d; ++c)
            kernels::axpy(qr[c] * p.scale, kt.data() + c * len, scores.data(), visible, isa);
        kernels::softmax_inplace(scores.data(), visible, isa);
        float* o = out + (begin + i) * out_stride + head * d;
        std::fill(o, o + d, 0.0f);
        for (std::size_t j = 0; j < visible; ++j)
            kernels::axpy(scores[j], v.data + (begin + j) * v.stride + kv_head * d, o, d, isa);
        if (probs) std::copy(scores.begin(), scores.begin() + visible, probs->begin() + i * len);
    }
}

// AVX-512 version of attend_one for head_dim % 16 == 0: four query rows at a time, so each
// key/value vector loaded feeds four FMAs held in registers (register blocking as in BLAS
// micro-kernels) instead of streaming a scores row through L1 per head-dim element.
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void attend_one_avx512(
    MatrixView q, MatrixView k, MatrixView v, float* out, std::size_t out_stride,
    std::size_t begin, std::size_t len, std::size_t head, std::size_t kv_head,
    const AttentionParams& p, std::vector<float>* probs) {
    constexpr std::size_t kRows = 4;
    const std::size_t d = p.head_dim;
    std::vector<float> kt(d * len);
    for (std::size_t j = 0; j < len; ++j) {
        const float* kr = k.data + (begin + j) * k.stride + kv_head * d;
        for (std::size_t c = 0; c < d; ++c) kt[c * len + j] = kr[c];
    }
    std::vector<float> scores(kRows * len);
    std::vector<float> qs(kRows * d);
    if (probs) probs->assign(len * len, 0.0f);
    for (std::size_t i0 = 0; i0 < len; i0 += kRows) {
        const std::size_t rows = std::min(kRows, len - i0);
        for (std::size_t r = 0; r < kRows; ++r)
            for (std::size_t c = 0; c < d; ++c)
                qs[r * d + c] = r < rows ? q.data[(begin + i0 + r) * q.stride + head * d + c] *
                                               p.scale
                                         : 0.0f;
        const std::size_t span = p.causal ? i0 + rows : len;  // keys any row of the block sees
        for (std::size_t j0 = 0; j0 < span; j0 += 16) {
            const __mmask16 m = span - j0 >= 16 ? 0xffff : (1u << (span - j0)) - 1;
            __m512 acc[kRows];
            for (auto& a : acc) a = _mm512_setzero_ps();
            for (std::size_t c = 0; c < d; ++c) {
                const __m512 kv = _mm512_maskz_loadu_ps(m, kt.data() + c * len + j0);
                for (std::size_t r = 0; r < kRows; ++r)
                    acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(qs[r * d + c]), kv, acc[r]);
            }
            for (std::size_t r = 0; r < kRows; ++r)
                _mm512_mask_storeu_ps(scores.data() + r * len + j0, m, acc[r]);
        }
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t visible = p.causal ? i0 + r + 1 : len;
            kernels::softmax_inplace(scores.data() + r * len, visible, kernels::Isa::Avx2);
            for (std::size_t j = visible; j < span; ++j) scores[r * len + j] = 0.0f;
            if (probs)
                std::copy(scores.begin() + r * len, scores.begin() + r * len + visible,
                          probs->begin() + (i0 + r) * len);
        }
        for (std::size_t c0 = 0; c0 < d; c0 += 16) {
            __m512 acc[kRows];
            for (auto& a : acc) a = _mm512_setzero_ps();
            for (std::size_t j = 0; j < span; ++j) {
                const __m512 vv =
                    _mm512_loadu_ps(v.data + (begin + j) * v.stride + kv_head * d + c0);
                for (std::size_t r = 0; r < kRows; ++r)
                    acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(scores[r * len + j]), vv, acc[r]);
            }
            for (std::size_t r = 0; r < rows; ++r)
                _mm512_storeu_ps(out + (begin + i0 + r) * out_stride + head * d + c0, acc[r]);
        }
    }
}

}  // namespace

void attention(MatrixView q, MatrixView k, MatrixView v, float* out, std::size_t out_stride,
               const std::vector<std::size_t>& offsets, const AttentionParams& params,
               kernels::ThreadPool& pool, kernels::Isa isa,
               std::vector<std::vector<float>>* probabilities) {
    CASCADE_ASSERT(!offsets.empty());
    CASCADE_ASSERT(params.num_kv_heads > 0 && params.num_heads % params.num_kv_heads == 0);
    const std::size_t seqs = offsets.size() - 1;
    const std::size_t group = params.num_heads / params.num_kv_heads;
    if (probabilities) probabilities->assign(seqs * params.num_heads, {});
    pool.parallel_for(seqs * params.num_heads, [&](std::size_t item) {
        const std::size_t s = item / params.num_heads;
        const std::size_t h = item % params.num_heads;
        auto* probs = probabilities ? &(*probabilities)[item] : nullptr;
        if (isa == kernels::Isa::Avx512Vnni && params.head_dim % 16 == 0)
            attend_one_avx512(q, k, v, out, out_stride, offsets[s], offsets[s + 1] - offsets[s],
                              h, h / group, params, probs);
        else
            attend_one(q, k, v, out, out_stride, offsets[s], offsets[s + 1] - offsets[s], h,
                       h / group, params, isa, probs);
    });
}

void attention_first_query(MatrixView q, MatrixView k, MatrixView v, float* out,
                           std::size_t out_stride, const std::vector<std::size_t>& offsets,
                           const AttentionParams& p, kernels::ThreadPool& pool,
                           kernels::Isa isa) {
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
                scores[j] = p.scale * kernels::dot(qr, k.data + (begin + j) * k.stride + kh * d,
                                                   d, isa);
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
        const std::size_t b = offsets[s], len = offsets[s + 1] - offsets[s];
        for (std::size_t h = 0; h < p.num_heads; ++h) {
            const std::size_t kh = h / group;
            for (std::size_t i = 0; i < len; ++i) {
                const std::size_t visible = p.causal ? i + 1 : len;
                std::vector<double> sc(visible);
                double mx = -INFINITY;
                for (std::size_t j = 0; j < visible; ++j) {
                    double acc = 0;
                    for (std::size_t c = 0; c < d; ++c)
                        acc += static_cast<double>(q.data[(b + i) * q.stride + h * d + c]) *
                               k.data[(b + j) * k.stride + kh * d + c];
                    sc[j] = acc * p.scale;
                    mx = std::max(mx, sc[j]);
                }
                double sum = 0;
                for (auto& x : sc) sum += (x = std::exp(x - mx));
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
