#pragma once
/// The AVX-512 attention core that attention() (packed sequences) and cached_attention()
/// (new rows against a key/value cache) share: keys transposed once per kv head, then query
/// rows in register-blocked tiles (8 rows × 32 key columns of scores, 8 rows × 32 head-dim
/// columns of context), so each vector loaded feeds 8 FMAs. Needs head_dim % 16 == 0 and a
/// CPU with AVX-512 (Isa::Avx512Vnni); internal to src/model/ops.

#include <cstddef>
#include <functional>

namespace cascade::model::ops {

/// Key columns of a transposed key block: `keys` rounded up to whole 32-column tiles.
[[nodiscard]] std::size_t attention_key_columns(std::size_t keys);

/// kt[c][j] = k[j][c] for j < len (k rows at `stride`), zero for len <= j < ld.
void transpose_keys(const float* k, std::size_t stride, std::size_t len, std::size_t d, float* kt,
                    std::size_t ld);

/// Query rows of one head against one kv head's keys and values.
struct AttentionRows {
    const float* q = nullptr;  ///< rows × head_dim at q_stride, unscaled
    std::size_t q_stride = 0;
    std::size_t rows = 0;
    std::size_t past = 0;       ///< causal: row i sees keys [0, past + i]
    bool causal = true;         ///< false: every row sees all `keys`
    const float* kt = nullptr;  ///< transpose_keys output, head_dim × ld
    std::size_t ld = 0;
    std::size_t keys = 0;
    const float* v = nullptr;  ///< keys × head_dim at v_stride
    std::size_t v_stride = 0;
    float* out = nullptr;  ///< rows × head_dim at out_stride
    std::size_t out_stride = 0;
};

/// out = softmax(scale · q·kᵀ, masked) · v for every row. `export_to(i)` returns where row i's
/// probabilities go (`keys` floats, zero past the row's visible keys) or null.
void attend_rows_avx512(const AttentionRows& rows, std::size_t head_dim, float scale,
                        const std::function<float*(std::size_t row)>& export_to);

}  // namespace cascade::model::ops
