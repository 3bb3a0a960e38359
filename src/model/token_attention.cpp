#include "model/token_attention.hpp"

#include <algorithm>

#include "model/kernels/vector_math.hpp"
#include "util/error.hpp"

namespace cascade::model {

void prefix_key_attention(ops::MatrixView q, ops::MatrixView k, ops::MatrixView v, float* out,
                          std::size_t out_stride, const std::vector<std::size_t>& offsets,
                          const std::vector<std::size_t>& keys, const ops::AttentionParams& p,
                          kernels::ThreadPool& pool, kernels::Isa isa) {
    CASCADE_ASSERT(!offsets.empty() && keys.size() + 1 == offsets.size());
    CASCADE_ASSERT(p.num_kv_heads > 0 && p.num_heads % p.num_kv_heads == 0);
    const std::size_t d = p.head_dim;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    pool.parallel_for(keys.size() * p.num_heads, [&](std::size_t item) {
        const std::size_t s = item / p.num_heads;
        const std::size_t h = item % p.num_heads;
        const std::size_t kh = h / group;
        const std::size_t begin = offsets[s];
        const std::size_t len = offsets[s + 1] - begin;
        const std::size_t n = keys[s];
        CASCADE_ASSERT(n >= 1 && n <= len);
        // Keys transposed to [d, n], so each score row is d axpys along the keys.
        std::vector<float> kt(d * n);
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t c = 0; c < d; ++c)
                kt[c * n + j] = k.data[(begin + j) * k.stride + kh * d + c];
        std::vector<float> scores(n);
        for (std::size_t i = 0; i < len; ++i) {
            const float* qr = q.data + (begin + i) * q.stride + h * d;
            std::fill(scores.begin(), scores.end(), 0.0f);
            for (std::size_t c = 0; c < d; ++c)
                kernels::axpy(qr[c] * p.scale, kt.data() + c * n, scores.data(), n, isa);
            kernels::softmax_inplace(scores.data(), n, isa);
            float* o = out + (begin + i) * out_stride + h * d;
            std::fill(o, o + d, 0.0f);
            for (std::size_t j = 0; j < n; ++j)
                kernels::axpy(scores[j], v.data + (begin + j) * v.stride + kh * d, o, d, isa);
        }
    });
}

}  // namespace cascade::model
