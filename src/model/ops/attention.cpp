#include "model/ops/attention.hpp"

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
        attend_one(q, k, v, out, out_stride, offsets[s], offsets[s + 1] - offsets[s], h,
                   h / group, params, isa, probabilities ? &(*probabilities)[item] : nullptr);
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
