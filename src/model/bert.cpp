#include "model/bert.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "model/kernels/vector_math.hpp"
#include "model/ops/attention.hpp"
#include "model/ops/first_query_attention.hpp"
#include "model/token_attention.hpp"

namespace cascade::model {
namespace {

std::string find_prefix(const WeightStore& store, Architecture arch) {
    const char* candidates[] = {"", "bert.", "roberta.", "xlm_roberta.", "model."};
    for (const char* p : candidates)
        if (store.contains(std::string(p) + "embeddings.word_embeddings.weight"))
            return p;
    throw Error(
        fmt::format("{}: missing tensor 'embeddings.word_embeddings.weight' (also looked "
                    "for the 'bert.' and 'roberta.' prefixed names)",
                    store.source()));
}

}  // namespace

BertModel::BertModel(const std::filesystem::path& dir) : m_config(load_model_config(dir)) {
    const WeightStore store(dir);
    load(store);
}

BertModel::BertModel(ModelConfig config, const WeightStore& store) : m_config(std::move(config)) {
    load(store);
}

void BertModel::load(const WeightStore& store) {
    const auto& c = m_config;
    const std::int64_t h = c.hidden_size;
    m_prefix = find_prefix(store, c.architecture);
    const std::string e = m_prefix + "embeddings.";
    m_word_embeddings = store.load(e + "word_embeddings.weight", {c.vocab_size, h});
    m_position_embeddings =
        store.load(e + "position_embeddings.weight", {c.max_position_embeddings, h});
    m_type_embeddings = store.load(e + "token_type_embeddings.weight", {c.type_vocab_size, h});
    m_embedding_norm = LayerNorm(store, e + "LayerNorm", h, c.layer_norm_eps);
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
        const std::string l = fmt::format("{}encoder.layer.{}.", m_prefix, i);
        Layer layer;
        if (i + 1 < c.num_layers) {
            layer.qkv = Linear::fused(
                store,
                {l + "attention.self.query", l + "attention.self.key", l + "attention.self.value"},
                h, h);
        } else {  // split, so that queries can run on first tokens only
            layer.query = Linear(store, l + "attention.self.query", h, h);
            layer.key_value =
                Linear::fused(store, {l + "attention.self.key", l + "attention.self.value"}, h, h);
        }
        layer.attention_out = Linear(store, l + "attention.output.dense", h, h);
        layer.attention_norm =
            LayerNorm(store, l + "attention.output.LayerNorm", h, c.layer_norm_eps);
        layer.intermediate = Linear(store, l + "intermediate.dense", h, c.intermediate_size);
        layer.output = Linear(store, l + "output.dense", c.intermediate_size, h);
        layer.output_norm = LayerNorm(store, l + "output.LayerNorm", h, c.layer_norm_eps);
        m_layers.push_back(std::move(layer));
    }
    if (c.head != HeadKind::SequenceClassification)
        return;
    if (c.architecture == Architecture::Bert) {
        m_pooler = Linear(store, m_prefix + "pooler.dense", h, h);
        m_classifier = Linear(store, "classifier", h, c.num_labels);
    } else {
        m_pooler = Linear(store, "classifier.dense", h, h);
        m_classifier = Linear(store, "classifier.out_proj", h, c.num_labels);
    }
}

void BertModel::quantize_int8() {
    for (auto& l : m_layers) {
        for (Linear* lin : {&l.qkv, &l.query, &l.key_value})
            if (lin->out_features() > 0)
                lin->quantize_int8();
        l.attention_out.quantize_int8();
        l.intermediate.quantize_int8();
        l.output.quantize_int8();
    }
}

void BertModel::convert_bf16() {
    for (auto& l : m_layers) {
        for (Linear* lin : {&l.qkv, &l.query, &l.key_value})
            if (lin->out_features() > 0)
                lin->convert_bf16();
        l.attention_out.convert_bf16();
        l.intermediate.convert_bf16();
        l.output.convert_bf16();
    }
}

void BertModel::embed(const std::vector<const Sequence*>& batch,
                      const std::vector<std::size_t>& offsets, float* x,
                      const RunContext& ctx) const {
    const auto& c = m_config;
    const std::size_t h = static_cast<std::size_t>(c.hidden_size);
    for (std::size_t s = 0; s < batch.size(); ++s) {
        const Sequence& seq = *batch[s];
        std::int64_t nonpad = 0;
        for (std::size_t t = 0; t < seq.input_ids.size(); ++t) {
            const std::int64_t id = seq.input_ids[t];
            const std::int64_t type = seq.token_type_ids.empty() ? 0 : seq.token_type_ids[t];
            if (id < 0 || id >= c.vocab_size)
                throw Error(
                    fmt::format("token id {} at position {} is outside the vocabulary "
                                "(vocab_size {})",
                                id, t, c.vocab_size));
            if (type < 0 || type >= c.type_vocab_size)
                throw Error(
                    fmt::format("token type id {} at position {} is outside "
                                "[0, {})",
                                type, t, c.type_vocab_size));
            std::int64_t pos = static_cast<std::int64_t>(t);
            if (c.architecture == Architecture::XlmRoberta) {
                // create_position_ids_from_input_ids: cumulative count of non-padding tokens,
                // offset by padding_idx; padding tokens themselves sit at padding_idx.
                if (id != c.pad_token_id)
                    ++nonpad;
                pos = id != c.pad_token_id ? nonpad + c.pad_token_id : c.pad_token_id;
            }
            float* row = x + (offsets[s] + t) * h;
            const float* w = m_word_embeddings.data() + id * h;
            const float* p = m_position_embeddings.data() + pos * h;
            const float* ty = m_type_embeddings.data() + type * h;
            for (std::size_t i = 0; i < h; ++i)
                row[i] = w[i] + p[i] + ty[i];
        }
    }
    m_embedding_norm.forward(x, offsets.back(), ctx);
}

void BertModel::attend(const Layer& layer, const float* x, const std::vector<std::size_t>& offsets,
                       Workspace& ws, const RunContext& ctx) const {
    const auto& c = m_config;
    const std::size_t h = static_cast<std::size_t>(c.hidden_size);
    const std::size_t tokens = offsets.back();
    ops::AttentionParams ap;
    ap.num_heads = ap.num_kv_heads = static_cast<std::size_t>(c.num_heads);
    ap.head_dim = static_cast<std::size_t>(c.head_dim());
    ap.scale = 1.0f / std::sqrt(static_cast<float>(ap.head_dim));
    ops::MatrixView q;
    ops::MatrixView k;
    ops::MatrixView v;
    if (layer.qkv.out_features() > 0) {
        layer.qkv.forward(x, tokens, ws.qkv.data(), ctx);
        q = {ws.qkv.data(), 3 * h};
        k = {ws.qkv.data() + h, 3 * h};
        v = {ws.qkv.data() + 2 * h, 3 * h};
    } else {  // queries [tokens, H] then keys|values [tokens, 2H] in the same buffer
        float* kv = ws.qkv.data() + tokens * h;
        layer.query.forward(x, tokens, ws.qkv.data(), ctx);
        layer.key_value.forward(x, tokens, kv, ctx);
        q = {ws.qkv.data(), h};
        k = {kv, 2 * h};
        v = {kv + h, 2 * h};
    }
    if (ws.keys.empty())
        ops::attention(q, k, v, ws.context.data(), h, offsets, ap, *ctx.pool, ctx.isa);
    else
        prefix_key_attention(q, k, v, ws.context.data(), h, offsets, ws.keys, ap, *ctx.pool,
                             ctx.isa);
}

void BertModel::finish_layer(const Layer& layer, float* xs, std::size_t rows, Workspace& ws,
                             const RunContext& ctx) {
    using kernels::LinearOutput;
    // Residuals are added by the products themselves (y += x Wᵀ + b), GELU in the FFN's pass.
    layer.attention_out.forward(ws.context.data(), rows, xs, ctx, LinearOutput::Accumulate);
    layer.attention_norm.forward(xs, rows, ctx);
    layer.intermediate.forward(xs, rows, ws.ffn.data(), ctx, LinearOutput::Gelu);
    layer.output.forward(ws.ffn.data(), rows, xs, ctx, LinearOutput::Accumulate);
    layer.output_norm.forward(xs, rows, ctx);
}

void BertModel::run_layer(const Layer& layer, float* x, const std::vector<std::size_t>& offsets,
                          Workspace& ws, const RunContext& ctx) const {
    attend(layer, x, offsets, ws, ctx);
    finish_layer(layer, x, offsets.back(), ws, ctx);
}

void BertModel::run_last_layer_first_tokens(const Layer& layer, const float* x,
                                            const std::vector<std::size_t>& offsets, Workspace& ws,
                                            const RunContext& ctx) const {
    const auto& c = m_config;
    const std::size_t h = static_cast<std::size_t>(c.hidden_size);
    const std::size_t seqs = offsets.size() - 1;
    const std::size_t tokens = offsets.back();
    CASCADE_ASSERT(layer.query.out_features() == h);
    ws.first.resize(seqs * h);
    float* first = ws.first.data();
    for (std::size_t s = 0; s < seqs; ++s)  // gather the first row of every sequence
        std::copy_n(x + offsets[s] * h, h, first + s * h);
    float* q = ws.qkv.data();  // queries [seqs, H], then keys|values [tokens, 2H]
    float* kv = q + seqs * h;
    layer.query.forward(first, seqs, q, ctx);
    ops::AttentionParams ap;
    ap.num_heads = ap.num_kv_heads = static_cast<std::size_t>(c.num_heads);
    ap.head_dim = static_cast<std::size_t>(c.head_dim());
    ap.scale = 1.0f / std::sqrt(static_cast<float>(ap.head_dim));
    if (!layer.key_value.quantized() && layer.key_value.weight() != nullptr) {
        // fp32 weights: no K or V at all, the attention runs on the input rows (exact algebra).
        const float* w = layer.key_value.weight();
        const float* b = layer.key_value.bias();
        ops::attention_first_query_from_inputs({q, h}, x, h, {w, b}, {w + h * h, b + h},
                                               ws.context.data(), h, offsets, ap, *ctx.pool,
                                               ctx.isa);
    } else {  // int8 and bf16 keep their K and V products
        layer.key_value.forward(x, tokens, kv, ctx);
        ops::attention_first_query({q, h}, {kv, 2 * h}, {kv + h, 2 * h}, ws.context.data(), h,
                                   offsets, ap, *ctx.pool, ctx.isa);
    }
    finish_layer(layer, first, seqs, ws, ctx);
}

bool BertModel::first_token_last_layer() const {
    return m_first_token_allowed && !m_layers.empty() &&
           (m_config.head == HeadKind::SequenceClassification ||
            m_config.pooling == PoolingMode::Cls);
}

std::unique_ptr<BertModel::Workspace> BertModel::take_workspace() const {
    const std::lock_guard lock(m_workspace_mutex);
    if (m_spare_workspaces.empty())
        return std::make_unique<Workspace>();
    auto ws = std::move(m_spare_workspaces.back());
    m_spare_workspaces.pop_back();
    return ws;
}

void BertModel::return_workspace(std::unique_ptr<Workspace> ws) const {
    const std::lock_guard lock(m_workspace_mutex);
    m_spare_workspaces.push_back(std::move(ws));
}

Tensor BertModel::encode(const std::vector<const Sequence*>& batch,
                         std::vector<std::size_t>& offsets, const RunContext& ctx) const {
    Workspace ws;
    (void)run_encoder(batch, offsets, false, ws, ctx);
    return Tensor({static_cast<std::int64_t>(offsets.back()), m_config.hidden_size},
                  std::move(ws.x));
}

const float* BertModel::run_encoder(const std::vector<const Sequence*>& batch,
                                    std::vector<std::size_t>& offsets, bool first_only,
                                    Workspace& ws, const RunContext& ctx) const {
    const auto& c = m_config;
    offsets.assign(1, 0);
    for (const Sequence* s : batch) {
        const std::size_t len = s->input_ids.size();
        if (len == 0)
            throw Error("empty input sequence (no token ids)");
        if (static_cast<std::int64_t>(len) > c.max_sequence_length())
            throw Error(fmt::format("sequence of {} tokens exceeds the model maximum of {}", len,
                                    c.max_sequence_length()));
        if (!s->token_type_ids.empty() && s->token_type_ids.size() != len)
            throw Error(fmt::format("token_type_ids has {} entries for {} input ids",
                                    s->token_type_ids.size(), len));
        if (s->attended > len)
            throw Error(fmt::format("{} attended tokens in a sequence of {}", s->attended, len));
        offsets.push_back(offsets.back() + len);
    }
    ws.keys.clear();
    const auto limited = [](const Sequence* s) {
        return s->attended > 0 && s->attended < s->input_ids.size();
    };
    if (std::any_of(batch.begin(), batch.end(), limited))
        for (const Sequence* s : batch)
            ws.keys.push_back(limited(s) ? s->attended : s->input_ids.size());
    const std::size_t tokens = offsets.back();
    const auto h = static_cast<std::size_t>(c.hidden_size);
    // Every element is written before it is read, so stale values from a reuse are harmless.
    ws.x.resize(tokens * h);
    ws.qkv.resize(tokens * 3 * h);
    ws.context.resize(tokens * h);
    ws.ffn.resize(tokens * static_cast<std::size_t>(c.intermediate_size));
    embed(batch, offsets, ws.x.data(), ctx);
    const std::size_t full_layers = m_layers.size() - (first_only && !m_layers.empty() ? 1 : 0);
    for (std::size_t i = 0; i < full_layers; ++i)
        run_layer(m_layers[i], ws.x.data(), offsets, ws, ctx);
    if (full_layers == m_layers.size())
        return ws.x.data();
    run_last_layer_first_tokens(m_layers.back(), ws.x.data(), offsets, ws, ctx);
    return ws.first.data();
}

std::vector<float> BertModel::head(const float* states, std::size_t len,
                                   const RunContext& ctx) const {
    const auto& c = m_config;
    const std::size_t h = static_cast<std::size_t>(c.hidden_size);
    if (c.head == HeadKind::SequenceClassification) {
        std::vector<float> pooled(h);
        std::vector<float> logits(static_cast<std::size_t>(c.num_labels));
        m_pooler.forward(states, 1, pooled.data(), ctx);  // first token: [CLS] / <s>
        for (auto& v : pooled)
            v = std::tanh(v);
        m_classifier.forward(pooled.data(), 1, logits.data(), ctx);
        return logits;
    }
    std::vector<float> out(states, states + h);
    if (c.pooling == PoolingMode::Mean) {
        std::vector<double> acc(h, 0.0);
        for (std::size_t t = 0; t < len; ++t)
            for (std::size_t i = 0; i < h; ++i)
                acc[i] += states[t * h + i];
        for (std::size_t i = 0; i < h; ++i)
            out[i] = static_cast<float>(acc[i] / static_cast<double>(len));
    }
    if (c.normalize) {  // torch.nn.functional.normalize: x / max(||x||, 1e-12)
        double norm = 0;
        for (float v : out)
            norm += static_cast<double>(v) * v;
        const double d = std::max(std::sqrt(norm), 1e-12);
        for (auto& v : out)
            v = static_cast<float>(v / d);
    }
    return out;
}

void BertModel::for_each_sub_batch(const std::vector<const Sequence*>& batch, const RunContext& ctx,
                                   const std::function<void(std::size_t, std::size_t)>& run) {
    // Sub-batches of about kTokensPerThread tokens per thread keep one layer's activations
    // (~14 KB per token for MiniLM: x, QKV, context, FFN) in cache from one op to the next;
    // sequences never interact, so this changes nothing but speed.
    const std::size_t budget = kTokensPerThread * ctx.pool->size();
    for (std::size_t b = 0; b < batch.size();) {
        std::size_t e = b + 1;
        std::size_t tokens = batch[b]->input_ids.size();
        while (e < batch.size() && tokens + batch[e]->input_ids.size() <= budget)
            tokens += batch[e++]->input_ids.size();
        run(b, e);
        b = e;
    }
}

std::vector<std::vector<float>> BertModel::forward(const std::vector<const Sequence*>& batch,
                                                   const RunContext& ctx) const {
    std::vector<std::vector<float>> out;
    out.reserve(batch.size());
    for_each_sub_batch(batch, ctx, [&](std::size_t b, std::size_t e) {
        auto part = forward_packed({batch.data() + b, batch.data() + e}, ctx);
        for (auto& o : part)
            out.push_back(std::move(o));
    });
    return out;
}

void BertModel::encode_each(const std::vector<const Sequence*>& batch, const RunContext& ctx,
                            const StatesConsumer& consume) const {
    for_each_sub_batch(batch, ctx, [&](std::size_t b, std::size_t e) {
        std::vector<std::size_t> offsets;
        auto ws = take_workspace();  // dropped, not returned, if the batch is rejected
        const float* states =
            run_encoder({batch.data() + b, batch.data() + e}, offsets, false, *ws, ctx);
        consume(b, states, offsets);
        return_workspace(std::move(ws));
    });
}

std::vector<std::vector<float>> BertModel::forward_packed(const std::vector<const Sequence*>& batch,
                                                          const RunContext& ctx) const {
    std::vector<std::size_t> offsets;
    // The first-token last layer attends to every key: not for sequences with fewer.
    const bool first_only =
        first_token_last_layer() && std::none_of(batch.begin(), batch.end(), [](auto* s) {
            return s->attended > 0 && s->attended < s->input_ids.size();
        });
    auto ws = take_workspace();  // dropped, not returned, if the batch is rejected
    const float* states = run_encoder(batch, offsets, first_only, *ws, ctx);
    const std::size_t h = static_cast<std::size_t>(m_config.hidden_size);
    std::vector<std::vector<float>> out;
    out.reserve(batch.size());
    for (std::size_t s = 0; s < batch.size(); ++s) {
        if (first_only)  // row s holds sequence s's first token, all the head reads
            out.push_back(head(states + s * h, 1, ctx));
        else
            out.push_back(head(states + offsets[s] * h, offsets[s + 1] - offsets[s], ctx));
    }
    return_workspace(std::move(ws));
    return out;
}

}  // namespace cascade::model
