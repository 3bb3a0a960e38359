#pragma once
/// First-token attention computed from the layer's input rows instead of projected keys and
/// values: for a model that reads only the first token of its last layer (cross-encoder
/// heads, CLS pooling), the keys and values of every other token are needed only through
/// two sums, and both can be re-associated onto the input rows:
///
///     q_h · k_j   = (W_k,hᵀ q_h) · x_j + q_h · b_k,h
///     Σ_j p_j v_j = W_v,h (Σ_j p_j x_j) + b_v,h          (the p_j sum to one)
///
/// so one sequence of L tokens costs O(heads·L·H + H²) multiply-adds instead of the
/// O(L·H²) of projecting K and V. Exact algebra; only the rounding order differs.

#include <cstddef>
#include <vector>

#include "model/kernels/cpu.hpp"
#include "model/kernels/thread_pool.hpp"
#include "model/ops/attention.hpp"

namespace cascade::model::ops {

/// Key and value projections in Hugging Face [out, in] layout: `weight` is
/// [num_heads·head_dim, hidden] row-major, `bias` [num_heads·head_dim] (may be null).
struct Projection {
    const float* weight = nullptr;
    const float* bias = nullptr;
};

/// out row s (out + s·out_stride) = what attention_first_query writes for sequence s given
/// K = X W_kᵀ + b_k and V = X W_vᵀ + b_v. `q` row s is sequence s's first-token query; `x`
/// holds the packed input rows ([offsets.back(), hidden], row stride `hidden`). Requires
/// num_kv_heads == num_heads.
void attention_first_query_from_inputs(MatrixView q, const float* x, std::size_t hidden,
                                       Projection key, Projection value, float* out,
                                       std::size_t out_stride,
                                       const std::vector<std::size_t>& offsets,
                                       const AttentionParams& params, kernels::ThreadPool& pool,
                                       kernels::Isa isa);

}  // namespace cascade::model::ops
