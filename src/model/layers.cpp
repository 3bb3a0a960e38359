#include "model/layers.hpp"

#include <algorithm>

#include "model/kernels/gemm.hpp"
#include "model/kernels/vector_math.hpp"

namespace cascade::model {

Linear::Linear(const WeightStore& store, const std::string& prefix, std::int64_t in,
               std::int64_t out)
    : m_weight(store.load(prefix + ".weight", {out, in})),
      m_bias(store.load(prefix + ".bias", {out})),
      m_in(static_cast<std::size_t>(in)),
      m_out(static_cast<std::size_t>(out)) {
    pack_f32();
}

void Linear::pack_f32() {
    if (kernels::packed_sgemm_enabled())
        m_packed = std::make_unique<kernels::PackedSgemmWeights>(
            kernels::pack_sgemm_weights(m_weight.data(), m_out, m_in));
}

Linear Linear::fused(const WeightStore& store, const std::vector<std::string>& prefixes,
                     std::int64_t in, std::int64_t out_each) {
    Linear l;
    l.m_in = static_cast<std::size_t>(in);
    l.m_out = static_cast<std::size_t>(out_each) * prefixes.size();
    std::vector<float> w;
    std::vector<float> b;
    for (const auto& p : prefixes) {
        const Tensor pw = store.load(p + ".weight", {out_each, in});
        const Tensor pb = store.load(p + ".bias", {out_each});
        w.insert(w.end(), pw.values().begin(), pw.values().end());
        b.insert(b.end(), pb.values().begin(), pb.values().end());
    }
    const auto out = static_cast<std::int64_t>(l.m_out);
    l.m_weight = Tensor({out, in}, std::move(w));
    l.m_bias = Tensor({out}, std::move(b));
    l.pack_f32();
    return l;
}

Linear Linear::from_weights(Tensor weight, Tensor bias) {
    CASCADE_ASSERT(weight.rank() == 2);
    CASCADE_ASSERT(bias.size() == 0 || bias.size() == static_cast<std::size_t>(weight.dim(0)));
    Linear l;
    l.m_out = static_cast<std::size_t>(weight.dim(0));
    l.m_in = static_cast<std::size_t>(weight.dim(1));
    l.m_weight = std::move(weight);
    l.m_bias = std::move(bias);
    l.pack_f32();
    return l;
}

void Linear::forward(const float* x, std::size_t rows, float* y, const RunContext& ctx,
                     kernels::LinearOutput output) const {
    using kernels::LinearOutput;
    const float* bias = m_bias.size() > 0 ? m_bias.data() : nullptr;
    if (m_bf16)
        return kernels::linear_bf16(x, rows, *m_bf16, bias, y, *ctx.pool, output);
    if (m_int8)
        return kernels::linear_int8(x, rows, *m_int8, bias, y, ctx.isa, *ctx.pool, output);
    if (m_packed && ctx.isa == kernels::Isa::Avx512Vnni)
        return kernels::linear_packed_f32(x, rows, *m_packed, bias, y, *ctx.pool, output);
    if (output != LinearOutput::Gelu)
        return kernels::linear_f32(x, m_weight.data(), bias, y, rows, m_out, m_in,
                                   output == LinearOutput::Accumulate);
    // GELU: the product alone, then bias + GELU in one pass over row blocks.
    CASCADE_ASSERT(bias != nullptr);
    kernels::linear_f32(x, m_weight.data(), nullptr, y, rows, m_out, m_in);
    const std::size_t chunk = 64;
    ctx.pool->parallel_for((rows + chunk - 1) / chunk, [&](std::size_t b) {
        const std::size_t r0 = b * chunk;
        kernels::bias_gelu_rows(y + r0 * m_out, std::min(chunk, rows - r0), m_out, m_bias.data(),
                                ctx.isa);
    });
}

void Linear::quantize_int8() {
    CASCADE_ASSERT(!m_bf16_rounded);
    m_int8 = std::make_unique<kernels::QuantizedWeights>(
        kernels::quantize_weights(m_weight.data(), m_out, m_in));
    m_packed.reset();
}

void Linear::convert_bf16() {
    CASCADE_ASSERT(!m_int8 && !m_bf16_rounded);
    m_bf16_rounded = true;
    if (kernels::bf16_kernel_enabled()) {
        m_bf16 = std::make_unique<kernels::PackedBf16Weights>(
            kernels::pack_bf16_weights(m_weight.data(), m_out, m_in));
        m_packed.reset();
        m_weight = Tensor();
        return;
    }
    for (float& v : m_weight.values())
        v = kernels::bf16_to_float32(kernels::float_to_bf16(v));
    pack_f32();
}

LayerNorm::LayerNorm(const WeightStore& store, const std::string& prefix, std::int64_t width,
                     float eps)
    : m_eps(eps) {
    const bool tf_names = !store.contains(prefix + ".weight") && store.contains(prefix + ".gamma");
    m_gamma = store.load(prefix + (tf_names ? ".gamma" : ".weight"), {width});
    m_beta = store.load(prefix + (tf_names ? ".beta" : ".bias"), {width});
}

void LayerNorm::forward(float* x, std::size_t rows, const RunContext& ctx) const {
    const std::size_t n = m_gamma.size();
    const std::size_t chunk = 64;
    ctx.pool->parallel_for((rows + chunk - 1) / chunk, [&](std::size_t c) {
        const std::size_t r0 = c * chunk;
        kernels::layer_norm_rows(x + r0 * n, std::min(chunk, rows - r0), n, m_gamma.data(),
                                 m_beta.data(), m_eps, ctx.isa);
    });
}

}  // namespace cascade::model
