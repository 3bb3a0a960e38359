#pragma once
/// Rotary position embeddings (Su et al., 2021, "RoFormer") in the Hugging Face layout: the
/// two halves of each head are rotated against each other (x_i with x_{i+d/2}), as
/// transformers' `rotate_half` does for Llama and Qwen checkpoints.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/decoder_config.hpp"

namespace cascade::model {

class RotaryEmbedding {
public:
    RotaryEmbedding() = default;
    /// inv_freq_i = rope_theta^(-2i / head_dim), then the llama3 rescaling when configured.
    explicit RotaryEmbedding(const DecoderConfig& config);

    /// cos and sin of every (row, frequency) angle, [rows, head_dim / 2] each; computed once
    /// per forward pass and shared by every layer and head.
    struct Table {
        std::vector<float> cos;
        std::vector<float> sin;
    };
    /// The table for rows at sequence positions `positions`; angles in double precision.
    [[nodiscard]] Table table(const std::vector<std::int64_t>& positions) const;

    /// Rotates `heads` heads of head_dim values in each row r of x (at x + r·stride) by the
    /// angles of table row r; `rows` must not exceed the table's.
    void apply(float* x, std::size_t rows, std::size_t stride, std::size_t heads,
               const Table& table) const;

    [[nodiscard]] const std::vector<double>& inverse_frequencies() const { return m_inv_freq; }

private:
    std::vector<double> m_inv_freq;  ///< head_dim / 2 entries
};

/// The llama3 adjustment of Meta's Llama 3.1 release (as in transformers'
/// `_compute_llama3_parameters`): wavelengths longer than original_max / low_freq_factor are
/// divided by `factor`, shorter than original_max / high_freq_factor kept, and the band in
/// between interpolated linearly in original_max / wavelength.
[[nodiscard]] std::vector<double> llama3_inverse_frequencies(std::vector<double> inv_freq,
                                                             const RopeScaling& scaling);

}  // namespace cascade::model
