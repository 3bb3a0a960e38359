#include "model/ops/first_query_attention.hpp"

#include <algorithm>

#include "model/kernels/vector_math.hpp"
#include "util/error.hpp"

namespace cascade::model::ops {

void attention_first_query_from_inputs(MatrixView q, const float* x, std::size_t hidden,
                                       Projection key, Projection value, float* out,
                                       std::size_t out_stride,
                                       const std::vector<std::size_t>& offsets,
                                       const AttentionParams& p, kernels::ThreadPool& pool,
                                       kernels::Isa isa) {
    CASCADE_ASSERT(!offsets.empty() && p.num_kv_heads == p.num_heads);
    const std::size_t d = p.head_dim;
    pool.parallel_for(offsets.size() - 1, [&](std::size_t s) {
        const std::size_t begin = offsets[s];
        const std::size_t visible = p.causal ? 1 : offsets[s + 1] - begin;
        std::vector<float> q_in(hidden);
        std::vector<float> x_mean(hidden);
        std::vector<float> scores(visible);
        for (std::size_t h = 0; h < p.num_heads; ++h) {
            const float* qh = q.data + s * q.stride + h * d;
            // q_in = scale · W_k,hᵀ q_h: the query carried back to the input space.
            std::fill(q_in.begin(), q_in.end(), 0.0f);
            for (std::size_t c = 0; c < d; ++c)
                kernels::axpy(p.scale * qh[c], key.weight + (h * d + c) * hidden, q_in.data(),
                              hidden, isa);
            const float q_bias =
                key.bias ? p.scale * kernels::dot(qh, key.bias + h * d, d, isa) : 0.0f;
            for (std::size_t j = 0; j < visible; ++j)
                scores[j] =
                    kernels::dot(q_in.data(), x + (begin + j) * hidden, hidden, isa) + q_bias;
            kernels::softmax_inplace(scores.data(), visible, isa);
            // x_mean = Σ_j p_j x_j, then o = W_v,h x_mean + b_v,h.
            std::fill(x_mean.begin(), x_mean.end(), 0.0f);
            for (std::size_t j = 0; j < visible; ++j)
                kernels::axpy(scores[j], x + (begin + j) * hidden, x_mean.data(), hidden, isa);
            float* o = out + s * out_stride + h * d;
            for (std::size_t c = 0; c < d; ++c)
                o[c] =
                    kernels::dot(value.weight + (h * d + c) * hidden, x_mean.data(), hidden, isa) +
                    (value.bias ? value.bias[h * d + c] : 0.0f);
        }
    });
}

}  // namespace cascade::model::ops
