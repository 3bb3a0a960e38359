#include "model/rope.hpp"

#include <cmath>
#include <numbers>

namespace cascade::model {

std::vector<double> llama3_inverse_frequencies(std::vector<double> inv_freq, const RopeScaling& s) {
    const double original = static_cast<double>(s.original_max_position_embeddings);
    const double low_freq_wavelen = original / s.low_freq_factor;
    const double high_freq_wavelen = original / s.high_freq_factor;
    for (double& f : inv_freq) {
        const double wavelen = 2.0 * std::numbers::pi / f;
        if (wavelen > low_freq_wavelen) {
            f /= s.factor;
        } else if (wavelen >= high_freq_wavelen) {
            const double smooth =
                (original / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
            f = (1.0 - smooth) * f / s.factor + smooth * f;
        }
    }
    return inv_freq;
}

RotaryEmbedding::RotaryEmbedding(const DecoderConfig& c) {
    const auto half = static_cast<std::size_t>(c.head_dim / 2);
    m_inv_freq.resize(half);
    for (std::size_t i = 0; i < half; ++i)
        m_inv_freq[i] =
            std::pow(c.rope_theta, -2.0 * static_cast<double>(i) / static_cast<double>(c.head_dim));
    if (c.rope_scaling.kind == RopeScaling::Kind::Llama3)
        m_inv_freq = llama3_inverse_frequencies(std::move(m_inv_freq), c.rope_scaling);
}

RotaryEmbedding::Table RotaryEmbedding::table(const std::vector<std::int64_t>& positions) const {
    const std::size_t half = m_inv_freq.size();
    Table t;
    t.cos.resize(positions.size() * half);
    t.sin.resize(positions.size() * half);
    for (std::size_t r = 0; r < positions.size(); ++r) {
        const auto pos = static_cast<double>(positions[r]);
        for (std::size_t i = 0; i < half; ++i) {
            const double angle = pos * m_inv_freq[i];
            t.cos[r * half + i] = static_cast<float>(std::cos(angle));
            t.sin[r * half + i] = static_cast<float>(std::sin(angle));
        }
    }
    return t;
}

void RotaryEmbedding::apply(float* x, std::size_t rows, std::size_t stride, std::size_t heads,
                            const Table& table) const {
    const std::size_t half = m_inv_freq.size();
    const std::size_t d = 2 * half;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* cos = table.cos.data() + r * half;
        const float* sin = table.sin.data() + r * half;
        for (std::size_t h = 0; h < heads; ++h) {
            float* a = x + r * stride + h * d;
            float* b = a + half;
            for (std::size_t i = 0; i < half; ++i) {
                const float x1 = a[i];
                const float x2 = b[i];
                a[i] = x1 * cos[i] - x2 * sin[i];
                b[i] = x2 * cos[i] + x1 * sin[i];
            }
        }
    }
}

}  // namespace cascade::model
