#pragma once
/// Layers: weights plus the op sequence that applies them. Activations are packed token rows
/// [tokens, features], row-major.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "model/kernels/bf16_gemm.hpp"
#include "model/kernels/cpu.hpp"
#include "model/kernels/int8_gemm.hpp"
#include "model/kernels/packed_sgemm.hpp"
#include "model/kernels/thread_pool.hpp"
#include "model/safetensors.hpp"
#include "model/tensor.hpp"

namespace cascade::model {

/// Execution settings shared by every layer of one forward pass.
struct RunContext {
    kernels::ThreadPool* pool = nullptr;
    kernels::Isa isa = kernels::Isa::Scalar;
};

/// y = x Wᵀ + b with W in [out, in] layout; optionally int8 (dynamic quantization).
class Linear {
public:
    Linear() = default;
    /// Loads `<prefix>.weight` [out, in] and `<prefix>.bias` [out].
    Linear(const WeightStore& store, const std::string& prefix, std::int64_t in, std::int64_t out);
    /// Several projections of the same input fused into one: the weights of `prefixes` stacked
    /// along the output dimension (e.g. query, key, value -> [3H, H]).
    static Linear fused(const WeightStore& store, const std::vector<std::string>& prefixes,
                        std::int64_t in, std::int64_t out_each);
    /// From tensors already in memory: `weight` [out, in] and `bias` [out], or an empty
    /// `bias` for a projection without one (decoders' bias-free linears).
    static Linear from_weights(Tensor weight, Tensor bias);

    /// x: [rows, in] -> y: [rows, out]: y = x Wᵀ + b, or GELU of it, or y += x Wᵀ + b, as
    /// `output` says (fusing the activation and the residual add into the product's pass).
    void forward(const float* x, std::size_t rows, float* y, const RunContext& ctx,
                 kernels::LinearOutput output = kernels::LinearOutput::Store) const;
    /// Switches this layer to int8 weights; the fp32 weights are kept for reference, the
    /// fp32 panel copy is dropped.
    void quantize_int8();
    [[nodiscard]] bool quantized() const { return m_int8 != nullptr; }
    /// Switches this layer to bf16 weights (kernels/bf16_gemm.hpp). Where the CPU runs the bf16
    /// kernel the fp32 weights are freed, so a bf16 model holds half the bytes (and a
    /// checkpoint stored in bf16 is held bit for bit); elsewhere the weights are rounded to bf16
    /// in place and run through the fp32 kernels. The bias stays fp32.
    void convert_bf16();
    /// Whether convert_bf16() ran.
    [[nodiscard]] bool bf16() const { return m_bf16_rounded; }
    /// The fp32 weight [out, in] (kept when quantized; null after convert_bf16() freed it) and
    /// bias [out].
    [[nodiscard]] const float* weight() const {
        return m_weight.size() > 0 ? m_weight.data() : nullptr;
    }
    [[nodiscard]] const float* bias() const { return m_bias.data(); }
    [[nodiscard]] std::size_t in_features() const { return m_in; }
    [[nodiscard]] std::size_t out_features() const { return m_out; }

private:
    /// Packs the weights for the AVX-512 kernel when it is enabled (packed_sgemm.hpp).
    void pack_f32();

    Tensor m_weight;
    Tensor m_bias;
    std::unique_ptr<kernels::QuantizedWeights> m_int8;
    std::unique_ptr<kernels::PackedBf16Weights> m_bf16;
    bool m_bf16_rounded = false;
    /// The weights in the packed-panel layout; null where OpenBLAS runs the product.
    std::unique_ptr<kernels::PackedSgemmWeights> m_packed;
    std::size_t m_in = 0;
    std::size_t m_out = 0;
};

/// LayerNorm over the feature dimension.
class LayerNorm {
public:
    LayerNorm() = default;
    /// Loads `<prefix>.weight` / `.bias`, or the TF-era names `.gamma` / `.beta`.
    LayerNorm(const WeightStore& store, const std::string& prefix, std::int64_t width, float eps);
    void forward(float* x, std::size_t rows, const RunContext& ctx) const;

private:
    Tensor m_gamma;
    Tensor m_beta;
    float m_eps = 1e-12f;
};

}  // namespace cascade::model
