#pragma once
/// Scaled dot-product attention (Vaswani et al., 2017) over packed variable-length sequences.
///
/// Sequences are stored back to back without padding: sequence s owns rows
/// [offsets[s], offsets[s+1]) of Q, K, V and the output. A key outside a query's own sequence is
/// never visible, which is exactly what a padding mask achieves on a padded batch, without the
/// padding work. The op is written for the decoder models to come too: grouped-query attention
/// (num_kv_heads < num_heads, Ainslie et al., 2023), a causal mask, and optional export of the
/// attention probabilities (for in-context re-ranking that reads attention weights).

#include <cstddef>
#include <vector>

#include "model/kernels/cpu.hpp"
#include "model/kernels/thread_pool.hpp"

namespace cascade::model::ops {

struct AttentionParams {
    std::size_t num_heads = 1;
    std::size_t num_kv_heads = 1;  ///< == num_heads for BERT; a divisor of it for GQA
    std::size_t head_dim = 64;
    float scale = 0.125f;  ///< usually 1/sqrt(head_dim)
    bool causal = false;
};

/// A row-major matrix view: element (row r, col c) is data[r * stride + c].
struct MatrixView {
    const float* data = nullptr;
    std::size_t stride = 0;
};

/// out[t, h·d : (h+1)·d] = softmax(scale · q_h(t) · K_hᵀ) · V_h over the keys of t's sequence.
/// `offsets` has one more entry than there are sequences. When `probabilities` is not null it
/// receives, for sequence s and head h at index s·num_heads + h, the L×L row-major matrix.
void attention(MatrixView q, MatrixView k, MatrixView v, float* out, std::size_t out_stride,
               const std::vector<std::size_t>& offsets, const AttentionParams& params,
               kernels::ThreadPool& pool, kernels::Isa isa,
               std::vector<std::vector<float>>* probabilities = nullptr);

/// Attention for the first token of each sequence only: out row s (at out + s·out_stride)
/// receives what `attention` writes for row offsets[s]. Query row s (q.data + s·q.stride) is
/// the first token's query; keys and values are the packed rows of `attention`. This is all a
/// model that reads only the first token ([CLS] / <s>) needs from its last layer.
void attention_first_query(MatrixView q, MatrixView k, MatrixView v, float* out,
                           std::size_t out_stride, const std::vector<std::size_t>& offsets,
                           const AttentionParams& params, kernels::ThreadPool& pool,
                           kernels::Isa isa);

/// Straightforward double-precision version used as the test oracle.
void attention_reference(MatrixView q, MatrixView k, MatrixView v, float* out,
                         std::size_t out_stride, const std::vector<std::size_t>& offsets,
                         const AttentionParams& params);

}  // namespace cascade::model::ops
