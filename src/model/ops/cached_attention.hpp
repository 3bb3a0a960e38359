#pragma once
/// Causal attention of a decoder's new tokens against its key/value cache: the query rows of
/// positions [past, past + rows) attend to cache rows [0, position]. One call serves a batch
/// of sequences, each with its own cache and number of new rows (prefill, one-token decoding,
/// or a continuation of a forked prefix). `attention()` in attention.hpp needs queries and
/// keys of equal length in one packed buffer, which a cache of earlier tokens is not.

#include <cstddef>
#include <vector>

#include "model/kernels/cpu.hpp"
#include "model/kernels/thread_pool.hpp"
#include "model/ops/attention.hpp"

namespace cascade::model::ops {

/// One sequence of a cached-attention call.
struct CachedSequence {
    const float* q = nullptr;  ///< rows × (num_heads · head_dim) at stride q_stride
    std::size_t q_stride = 0;
    std::size_t rows = 0;      ///< new query rows
    std::size_t past = 0;      ///< cache rows before the first new one
    const float* k = nullptr;  ///< past + rows cache rows of num_kv_heads · head_dim
    const float* v = nullptr;  ///< same layout as k
    std::size_t kv_stride = 0;
    float* out = nullptr;  ///< rows × (num_heads · head_dim) at stride out_stride
    std::size_t out_stride = 0;
    /// Attention export, off when empty: `export_rows` are indices of new rows whose
    /// probabilities are written to `probabilities` as [num_heads, export_rows.size(),
    /// past + rows] (keys beyond a row's position are zero).
    std::vector<std::size_t> export_rows;
    float* probabilities = nullptr;
};

/// Runs every sequence, in parallel over (sequence, kv head); the heads of a GQA group share
/// one transposed copy of their keys. `params.causal` is ignored (always causal).
void cached_attention(std::vector<CachedSequence>& sequences, const AttentionParams& params,
                      kernels::ThreadPool& pool, kernels::Isa isa);

/// Double-precision oracle of the same, one sequence, no export.
void cached_attention_reference(const CachedSequence& s, const AttentionParams& params);

}  // namespace cascade::model::ops
