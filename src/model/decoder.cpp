#include "model/decoder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "model/kernels/decoder_math.hpp"
#include "model/kernels/vector_math.hpp"
#include "model/ops/cached_attention.hpp"
#include "model/safetensors.hpp"

namespace cascade::model {
namespace {

using kernels::LinearOutput;

// Rows of several [n_i, k] tensors stacked into one [Σ n_i, k].
Tensor stack_rows(const std::vector<Tensor>& parts) {
    std::vector<float> data;
    std::int64_t rows = 0;
    for (const auto& p : parts) {
        data.insert(data.end(), p.values().begin(), p.values().end());
        rows += p.dim(0);
    }
    return Tensor({rows, parts.front().dim(1)}, std::move(data));
}

Tensor concat(const std::vector<Tensor>& parts) {
    std::vector<float> data;
    for (const auto& p : parts)
        data.insert(data.end(), p.values().begin(), p.values().end());
    const auto n = static_cast<std::int64_t>(data.size());
    return Tensor({n}, std::move(data));
}

// Runs fn(first_row, row_count) over blocks of rows on the pool.
template <typename Fn>
void for_row_blocks(std::size_t rows, const RunContext& ctx, Fn&& fn) {
    constexpr std::size_t kBlock = 16;
    ctx.pool->parallel_for((rows + kBlock - 1) / kBlock, [&](std::size_t b) {
        const std::size_t r0 = b * kBlock;
        fn(r0, std::min(kBlock, rows - r0));
    });
}

}  // namespace

DecoderTensors DecoderTensors::from_store(const WeightStore& store) {
    DecoderTensors t;
    t.contains = [&store](const std::string& name) { return store.contains(name); };
    t.load = [&store](const std::string& name, const std::vector<std::int64_t>& shape) {
        return store.load(name, shape);
    };
    return t;
}

/// Activations of one forward call: rows of every input packed back to back.
struct DecoderModel::Batch {
    std::size_t rows = 0;
    std::vector<std::size_t> offsets;     ///< input s owns rows [offsets[s], offsets[s+1])
    std::vector<std::size_t> past;        ///< cache length of input s before the call
    std::vector<std::int64_t> positions;  ///< sequence position of every row
    RotaryEmbedding::Table rope;
    std::vector<float> x, normed, qkv, context, gate_up, act;
};

DecoderModel::DecoderModel(const std::filesystem::path& dir, Blocks blocks)
    : m_config(load_decoder_config(dir)), m_rope(m_config) {
    const WeightStore store(dir);
    load(DecoderTensors::from_store(store), blocks);
}

DecoderModel::DecoderModel(DecoderConfig config, const DecoderTensors& tensors, Blocks blocks)
    : m_config(std::move(config)), m_rope(m_config) {
    validate_decoder_config(m_config);
    load(tensors, blocks);
}

void DecoderModel::load(const DecoderTensors& t, Blocks blocks) {
    const auto& c = m_config;
    const std::int64_t h = c.hidden_size;
    const std::int64_t d = c.head_dim;
    Tensor embed = t.load("model.embed_tokens.weight", {c.vocab_size, h});
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
        const std::string p = fmt::format("model.layers.{}.", i);
        const std::string a = p + "self_attn.";
        Layer layer;
        layer.input_norm = t.load(p + "input_layernorm.weight", {h});
        Tensor qkv_bias;
        if (c.qkv_bias)
            qkv_bias = concat({t.load(a + "q_proj.bias", {c.q_width()}),
                               t.load(a + "k_proj.bias", {c.kv_width()}),
                               t.load(a + "v_proj.bias", {c.kv_width()})});
        layer.qkv =
            Linear::from_weights(stack_rows({t.load(a + "q_proj.weight", {c.q_width(), h}),
                                             t.load(a + "k_proj.weight", {c.kv_width(), h}),
                                             t.load(a + "v_proj.weight", {c.kv_width(), h})}),
                                 std::move(qkv_bias));
        if (c.qk_norm) {
            layer.q_norm = t.load(a + "q_norm.weight", {d});
            layer.k_norm = t.load(a + "k_norm.weight", {d});
        }
        layer.o_proj = Linear::from_weights(t.load(a + "o_proj.weight", {h, c.q_width()}),
                                            c.o_bias ? t.load(a + "o_proj.bias", {h}) : Tensor());
        layer.post_norm = t.load(p + "post_attention_layernorm.weight", {h});
        const std::string m = p + "mlp.";
        layer.gate_up = Linear::from_weights(
            stack_rows({t.load(m + "gate_proj.weight", {c.intermediate_size, h}),
                        t.load(m + "up_proj.weight", {c.intermediate_size, h})}),
            Tensor());
        layer.down = Linear::from_weights(t.load(m + "down_proj.weight", {h, c.intermediate_size}),
                                          Tensor());
        if (blocks == Blocks::Bf16)
            for (Linear* lin : {&layer.qkv, &layer.o_proj, &layer.gate_up, &layer.down})
                lin->convert_bf16();
        m_layers.push_back(std::move(layer));
    }
    m_final_norm = t.load("model.norm.weight", {h});
    if (c.tie_word_embeddings) {
        m_lm_head = Linear::from_weights(std::move(embed), Tensor());
    } else {
        m_embed = std::move(embed);
        m_lm_head = Linear::from_weights(t.load("lm_head.weight", {c.vocab_size, h}), Tensor());
    }
}

void DecoderModel::quantize_int8() {
    for (auto& l : m_layers)
        for (Linear* lin : {&l.qkv, &l.o_proj, &l.gate_up, &l.down})
            lin->quantize_int8();
}

KvCache DecoderModel::new_cache(std::size_t reserve) const {
    return {static_cast<std::size_t>(m_config.num_layers),
            static_cast<std::size_t>(m_config.kv_width()),
            static_cast<std::size_t>(m_config.max_position_embeddings), reserve};
}

void DecoderModel::check_inputs(std::span<DecoderInput> inputs,
                                const DecoderOptions& options) const {
    const auto& c = m_config;
    std::set<const KvCache*> caches;
    for (std::size_t s = 0; s < inputs.size(); ++s) {
        const auto& in = inputs[s];
        if (in.tokens.empty())
            throw Error(fmt::format("decoder input {}: no tokens", s));
        if (in.cache == nullptr || in.cache->layers() != static_cast<std::size_t>(c.num_layers) ||
            in.cache->width() != static_cast<std::size_t>(c.kv_width()))
            throw Error(
                fmt::format("decoder input {}: the KV cache was not made by this model's "
                            "new_cache()",
                            s));
        if (!caches.insert(in.cache).second)
            throw Error(
                fmt::format("decoder input {}: shares its KV cache with another input "
                            "of the same call (fork() it)",
                            s));
        const std::size_t total = in.cache->length() + in.tokens.size();
        if (total > static_cast<std::size_t>(c.max_position_embeddings))
            throw Error(
                fmt::format("decoder input {}: {} positions exceed the model's context "
                            "(max_position_embeddings {} in {})",
                            s, total, c.max_position_embeddings, c.source));
        for (std::size_t t = 0; t < in.tokens.size(); ++t)
            if (in.tokens[t] < 0 || in.tokens[t] >= c.vocab_size)
                throw Error(
                    fmt::format("decoder input {}: token id {} at position {} is outside "
                                "the vocabulary (vocab_size {})",
                                s, in.tokens[t], t, c.vocab_size));
        for (const auto* rows : {&in.logit_rows, &in.attention_rows})
            for (std::size_t r : *rows)
                if (r >= in.tokens.size())
                    throw Error(
                        fmt::format("decoder input {}: row {} requested but only {} new "
                                    "tokens",
                                    s, r, in.tokens.size()));
    }
    for (std::int32_t id : options.vocab_rows)
        if (id < 0 || id >= c.vocab_size)
            throw Error(fmt::format("vocabulary row {} is outside the vocabulary (vocab_size {})",
                                    id, c.vocab_size));
    for (std::size_t l : options.attention_layers)
        if (l >= m_layers.size())
            throw Error(fmt::format("attention layer {} requested but the model has {} layers", l,
                                    m_layers.size()));
}

std::vector<DecoderOutput> DecoderModel::forward(std::span<DecoderInput> inputs,
                                                 const DecoderOptions& options,
                                                 const RunContext& ctx) const {
    check_inputs(inputs, options);
    const auto h = static_cast<std::size_t>(m_config.hidden_size);
    const auto heads = static_cast<std::size_t>(m_config.num_heads);
    Batch b;
    b.offsets.push_back(0);
    for (const auto& in : inputs) {
        b.past.push_back(in.cache->length());
        for (std::size_t i = 0; i < in.tokens.size(); ++i)
            b.positions.push_back(static_cast<std::int64_t>(in.cache->length() + i));
        b.offsets.push_back(b.offsets.back() + in.tokens.size());
    }
    b.rows = b.offsets.back();
    b.rope = m_rope.table(b.positions);
    b.x.resize(b.rows * h);
    const float* table = embedding_table();
    for (std::size_t s = 0; s < inputs.size(); ++s)
        for (std::size_t i = 0; i < inputs[s].tokens.size(); ++i)
            std::copy_n(table + static_cast<std::size_t>(inputs[s].tokens[i]) * h, h,
                        b.x.data() + (b.offsets[s] + i) * h);

    std::vector<DecoderOutput> outputs(inputs.size());
    for (std::size_t s = 0; s < inputs.size(); ++s) {
        inputs[s].cache->prepare_append(inputs[s].tokens.size());
        const auto keys = static_cast<std::int64_t>(b.past[s] + inputs[s].tokens.size());
        const auto rows = static_cast<std::int64_t>(inputs[s].attention_rows.size());
        if (rows > 0)
            for (std::size_t l = 0; l < options.attention_layers.size(); ++l)
                outputs[s].attention.emplace_back(
                    std::vector<std::int64_t>{static_cast<std::int64_t>(heads), rows, keys});
    }
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        run_layer(l, b, inputs, options, outputs, ctx);
    for (auto& in : inputs)
        in.cache->commit(in.tokens.size());
    compute_logits(b, inputs, options, outputs, ctx);
    return outputs;
}

void DecoderModel::run_layer(std::size_t index, Batch& b, std::span<DecoderInput> inputs,
                             const DecoderOptions& options, std::vector<DecoderOutput>& outputs,
                             const RunContext& ctx) const {
    const auto& c = m_config;
    const Layer& layer = m_layers[index];
    const auto h = static_cast<std::size_t>(c.hidden_size);
    const auto d = static_cast<std::size_t>(c.head_dim);
    const auto qw = static_cast<std::size_t>(c.q_width());
    const auto kvw = static_cast<std::size_t>(c.kv_width());
    const std::size_t width = qw + 2 * kvw;
    const auto inter = static_cast<std::size_t>(c.intermediate_size);
    const std::size_t n = b.rows;
    b.normed.resize(n * h);
    b.qkv.resize(n * width);
    b.context.resize(n * qw);

    for_row_blocks(n, ctx, [&](std::size_t r0, std::size_t rows) {
        kernels::rms_norm_rows(b.x.data() + r0 * h, h, b.normed.data() + r0 * h, h, rows, h,
                               layer.input_norm.data(), c.rms_norm_eps);
    });
    layer.qkv.forward(b.normed.data(), n, b.qkv.data(), ctx);
    if (c.qk_norm)  // Qwen3: RMSNorm over each query and key head
        for_row_blocks(n, ctx, [&](std::size_t r0, std::size_t rows) {
            for (std::size_t r = r0; r < r0 + rows; ++r) {
                float* q = b.qkv.data() + r * width;
                kernels::rms_norm_rows(q, d, q, d, static_cast<std::size_t>(c.num_heads), d,
                                       layer.q_norm.data(), c.rms_norm_eps);
                kernels::rms_norm_rows(q + qw, d, q + qw, d,
                                       static_cast<std::size_t>(c.num_kv_heads), d,
                                       layer.k_norm.data(), c.rms_norm_eps);
            }
        });
    // RoPE on the queries and keys of every row (one table row per packed row).
    m_rope.apply(b.qkv.data(), n, width, static_cast<std::size_t>(c.num_heads), b.rope);
    m_rope.apply(b.qkv.data() + qw, n, width, static_cast<std::size_t>(c.num_kv_heads), b.rope);

    std::vector<ops::CachedSequence> seqs(inputs.size());
    const auto export_at =
        std::find(options.attention_layers.begin(), options.attention_layers.end(), index);
    for (std::size_t s = 0; s < inputs.size(); ++s) {
        KvCache& cache = *inputs[s].cache;
        const std::size_t rows = inputs[s].tokens.size();
        for (std::size_t i = 0; i < rows; ++i) {
            const float* row = b.qkv.data() + (b.offsets[s] + i) * width;
            std::copy_n(row + qw, kvw, cache.keys(index, b.past[s] + i));
            std::copy_n(row + qw + kvw, kvw, cache.values(index, b.past[s] + i));
        }
        auto& q = seqs[s];
        q.q = b.qkv.data() + b.offsets[s] * width;
        q.q_stride = width;
        q.rows = rows;
        q.past = b.past[s];
        q.k = cache.keys(index);
        q.v = cache.values(index);
        q.kv_stride = kvw;
        q.out = b.context.data() + b.offsets[s] * qw;
        q.out_stride = qw;
        if (export_at != options.attention_layers.end() && !inputs[s].attention_rows.empty()) {
            q.export_rows = inputs[s].attention_rows;
            q.probabilities =
                outputs[s].attention[export_at - options.attention_layers.begin()].data();
        }
    }
    ops::AttentionParams params;
    params.num_heads = static_cast<std::size_t>(c.num_heads);
    params.num_kv_heads = static_cast<std::size_t>(c.num_kv_heads);
    params.head_dim = d;
    params.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    params.causal = true;
    ops::cached_attention(seqs, params, *ctx.pool, ctx.isa);
    layer.o_proj.forward(b.context.data(), n, b.x.data(), ctx, LinearOutput::Accumulate);

    for_row_blocks(n, ctx, [&](std::size_t r0, std::size_t rows) {
        kernels::rms_norm_rows(b.x.data() + r0 * h, h, b.normed.data() + r0 * h, h, rows, h,
                               layer.post_norm.data(), c.rms_norm_eps);
    });
    b.gate_up.resize(n * 2 * inter);
    b.act.resize(n * inter);
    layer.gate_up.forward(b.normed.data(), n, b.gate_up.data(), ctx);
    for_row_blocks(n, ctx, [&](std::size_t r0, std::size_t rows) {
        kernels::silu_mul_rows(b.gate_up.data() + r0 * 2 * inter, b.act.data() + r0 * inter, rows,
                               inter, ctx.isa);
    });
    layer.down.forward(b.act.data(), n, b.x.data(), ctx, LinearOutput::Accumulate);
}

void DecoderModel::compute_logits(Batch& b, std::span<DecoderInput> inputs,
                                  const DecoderOptions& options,
                                  std::vector<DecoderOutput>& outputs,
                                  const RunContext& ctx) const {
    const auto h = static_cast<std::size_t>(m_config.hidden_size);
    std::vector<std::size_t> first(inputs.size() + 1, 0);  // first selected row of input s
    for (std::size_t s = 0; s < inputs.size(); ++s)
        first[s + 1] = first[s] + inputs[s].logit_rows.size();
    const std::size_t selected = first.back();
    std::vector<float> states(selected * h);
    for (std::size_t s = 0; s < inputs.size(); ++s)
        for (std::size_t j = 0; j < inputs[s].logit_rows.size(); ++j)
            kernels::rms_norm_rows(b.x.data() + (b.offsets[s] + inputs[s].logit_rows[j]) * h, h,
                                   states.data() + (first[s] + j) * h, h, 1, h, m_final_norm.data(),
                                   m_config.rms_norm_eps);
    const bool full = options.vocab_rows.empty();
    const std::size_t cols =
        full ? static_cast<std::size_t>(m_config.vocab_size) : options.vocab_rows.size();
    std::vector<float> logits(selected * cols);
    if (selected > 0 && full) {
        m_lm_head.forward(states.data(), selected, logits.data(), ctx);
    } else if (selected > 0) {
        const float* w = output_weights();
        ctx.pool->parallel_for(selected, [&](std::size_t r) {
            for (std::size_t j = 0; j < cols; ++j)
                logits[r * cols + j] = kernels::dot(
                    states.data() + r * h, w + static_cast<std::size_t>(options.vocab_rows[j]) * h,
                    h, ctx.isa);
        });
    }
    for (std::size_t s = 0; s < inputs.size(); ++s) {
        const auto rows = static_cast<std::int64_t>(inputs[s].logit_rows.size());
        outputs[s].logits = Tensor(
            {rows, static_cast<std::int64_t>(cols)},
            std::vector<float>(logits.begin() + static_cast<std::ptrdiff_t>(first[s] * cols),
                               logits.begin() + static_cast<std::ptrdiff_t>(first[s + 1] * cols)));
    }
}

std::vector<float> DecoderModel::last_logits(std::span<const std::int32_t> tokens, KvCache& cache,
                                             const RunContext& ctx,
                                             std::span<const std::int32_t> vocab_rows) const {
    DecoderInput in;
    in.tokens = tokens;
    in.cache = &cache;
    if (!tokens.empty())
        in.logit_rows = {tokens.size() - 1};
    DecoderOptions options;
    options.vocab_rows.assign(vocab_rows.begin(), vocab_rows.end());
    auto out = forward(std::span<DecoderInput>(&in, 1), options, ctx);
    return std::move(out.front().logits.values());
}

}  // namespace cascade::model
