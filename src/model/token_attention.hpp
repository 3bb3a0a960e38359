#pragma once
/// Attention in which only a prefix of each sequence can be attended to: every token of
/// sequence s (queries at all of its rows) attends to its first keys[s] tokens. This is what
/// a Hugging Face attention mask 1…1 0…0 does to a padded sequence whose masked tokens are
/// still encoded, as ColBERT's query augmentation needs: the [MASK] tokens appended to a query
/// get contextual vectors but are not attended to (colbert-ai, QueryTokenizer.tensorize with
/// attend_to_mask_tokens false).

#include <cstddef>
#include <vector>

#include "model/kernels/cpu.hpp"
#include "model/kernels/thread_pool.hpp"
#include "model/ops/attention.hpp"

namespace cascade::model {

/// out[t, h·d : (h+1)·d] = softmax(scale · q_h(t) · K_h[b, b + keys[s])ᵀ) · V_h[b, b + keys[s])
/// for every row t of sequence s, whose rows are [b, e) = [offsets[s], offsets[s+1]). keys[s]
/// must lie in [1, e - b]; keys[s] = e - b is ordinary attention. Not causal (params.causal is
/// ignored). Work: O(Σ len · keys · num_heads · head_dim), one (sequence, head) pair per item.
void prefix_key_attention(ops::MatrixView q, ops::MatrixView k, ops::MatrixView v, float* out,
                          std::size_t out_stride, const std::vector<std::size_t>& offsets,
                          const std::vector<std::size_t>& keys, const ops::AttentionParams& params,
                          kernels::ThreadPool& pool, kernels::Isa isa);

}  // namespace cascade::model
