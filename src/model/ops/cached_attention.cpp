#include "model/ops/cached_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "model/kernels/vector_math.hpp"
#include "model/ops/attention_tiles.hpp"
#include "util/error.hpp"

namespace cascade::model::ops {
namespace {

// Heads [kv_head·group, (kv_head+1)·group) of one sequence. Scores of a row are accumulated
// along the (transposed) keys, one axpy per head-dim column, so the inner loop runs over
// positions and vectorises; the context is one axpy per visible value row.
void attend_group(const CachedSequence& s, std::size_t kv_head, const AttentionParams& p,
                  const std::vector<std::ptrdiff_t>& export_slot, kernels::Isa isa) {
    const std::size_t d = p.head_dim;
    const std::size_t total = s.past + s.rows;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    std::vector<float> kt(d * total);
    for (std::size_t j = 0; j < total; ++j) {
        const float* kr = s.k + j * s.kv_stride + kv_head * d;
        for (std::size_t c = 0; c < d; ++c)
            kt[c * total + j] = kr[c];
    }
    std::vector<float> scores(total);
    const std::size_t exported = s.export_rows.size();
    for (std::size_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
        for (std::size_t i = 0; i < s.rows; ++i) {
            const std::size_t visible = s.past + i + 1;
            const float* qr = s.q + i * s.q_stride + h * d;
            std::fill_n(scores.data(), visible, 0.0f);
            for (std::size_t c = 0; c < d; ++c)
                kernels::axpy(qr[c] * p.scale, kt.data() + c * total, scores.data(), visible, isa);
            kernels::softmax_inplace(scores.data(), visible, isa);
            float* o = s.out + i * s.out_stride + h * d;
            std::fill_n(o, d, 0.0f);
            const float* vh = s.v + kv_head * d;
            for (std::size_t j = 0; j < visible; ++j)
                kernels::axpy(scores[j], vh + j * s.kv_stride, o, d, isa);
            if (!export_slot.empty() && export_slot[i] >= 0) {
                float* dst = s.probabilities +
                             (h * exported + static_cast<std::size_t>(export_slot[i])) * total;
                std::copy_n(scores.data(), visible, dst);
                std::fill(dst + visible, dst + total, 0.0f);
            }
        }
    }
}

// The same on AVX-512 (head_dim % 16 == 0): the register-blocked tiles of attention_tiles.hpp,
// 8 query rows at a time, each tile scoring only the keys its last row sees.
void attend_group_avx512(const CachedSequence& s, std::size_t kv_head, const AttentionParams& p,
                         const std::vector<std::ptrdiff_t>& export_slot) {
    const std::size_t d = p.head_dim;
    const std::size_t total = s.past + s.rows;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    const std::size_t ld = attention_key_columns(total);
    auto kt = std::make_unique_for_overwrite<float[]>(d * ld);
    transpose_keys(s.k + kv_head * d, s.kv_stride, total, d, kt.get(), ld);
    const std::size_t exported = s.export_rows.size();
    for (std::size_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
        AttentionRows rows;
        rows.q = s.q + h * d;
        rows.q_stride = s.q_stride;
        rows.rows = s.rows;
        rows.past = s.past;
        rows.kt = kt.get();
        rows.ld = ld;
        rows.keys = total;
        rows.v = s.v + kv_head * d;
        rows.v_stride = s.kv_stride;
        rows.out = s.out + h * d;
        rows.out_stride = s.out_stride;
        attend_rows_avx512(rows, d, p.scale, [&](std::size_t i) -> float* {
            if (export_slot.empty() || export_slot[i] < 0)
                return nullptr;
            return s.probabilities +
                   (h * exported + static_cast<std::size_t>(export_slot[i])) * total;
        });
    }
}

}  // namespace

void cached_attention(std::vector<CachedSequence>& sequences, const AttentionParams& p,
                      kernels::ThreadPool& pool, kernels::Isa isa) {
    CASCADE_ASSERT(p.num_kv_heads > 0 && p.num_heads % p.num_kv_heads == 0);
    // Row -> export slot maps, built only for sequences that export.
    std::vector<std::vector<std::ptrdiff_t>> slots(sequences.size());
    for (std::size_t s = 0; s < sequences.size(); ++s) {
        const auto& seq = sequences[s];
        if (seq.export_rows.empty())
            continue;
        CASCADE_ASSERT(seq.probabilities != nullptr);
        slots[s].assign(seq.rows, -1);
        for (std::size_t e = 0; e < seq.export_rows.size(); ++e) {
            CASCADE_ASSERT(seq.export_rows[e] < seq.rows);
            slots[s][seq.export_rows[e]] = static_cast<std::ptrdiff_t>(e);
        }
    }
    pool.parallel_for(sequences.size() * p.num_kv_heads, [&](std::size_t item) {
        const std::size_t s = item / p.num_kv_heads;
        if (isa == kernels::Isa::Avx512Vnni && p.head_dim % 16 == 0)
            attend_group_avx512(sequences[s], item % p.num_kv_heads, p, slots[s]);
        else
            attend_group(sequences[s], item % p.num_kv_heads, p, slots[s], isa);
    });
}

void cached_attention_reference(const CachedSequence& s, const AttentionParams& p) {
    const std::size_t d = p.head_dim;
    const std::size_t group = p.num_heads / p.num_kv_heads;
    for (std::size_t h = 0; h < p.num_heads; ++h) {
        const std::size_t kh = h / group;
        for (std::size_t i = 0; i < s.rows; ++i) {
            const std::size_t visible = s.past + i + 1;
            std::vector<double> sc(visible);
            double mx = -std::numeric_limits<double>::infinity();
            for (std::size_t j = 0; j < visible; ++j) {
                double acc = 0;
                for (std::size_t c = 0; c < d; ++c)
                    acc += static_cast<double>(s.q[i * s.q_stride + h * d + c]) *
                           s.k[j * s.kv_stride + kh * d + c];
                sc[j] = acc * p.scale;
                mx = std::max(mx, sc[j]);
            }
            double sum = 0;
            for (auto& x : sc)
                sum += (x = std::exp(x - mx));
            for (std::size_t c = 0; c < d; ++c) {
                double acc = 0;
                for (std::size_t j = 0; j < visible; ++j)
                    acc += sc[j] / sum * s.v[j * s.kv_stride + kh * d + c];
                s.out[i * s.out_stride + h * d + c] = static_cast<float>(acc);
            }
        }
    }
}

}  // namespace cascade::model::ops
