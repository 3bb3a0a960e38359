#pragma once
/// The keys and values a decoder has computed for the tokens it has seen, per layer, so the
/// next tokens attend to them without recomputing the prefix.

#include <cstddef>
#include <vector>

namespace cascade::model {

/// Keys and values of one sequence: for each layer, one row of num_kv_heads · head_dim floats
/// per position (after RoPE for keys), positions 0 .. length()-1. Plain value type: copying
/// or fork() gives an independent cache, so many continuations can share one computed prefix.
class KvCache {
public:
    KvCache() = default;
    /// An empty cache for `layers` layers of `width` = num_kv_heads · head_dim floats, holding
    /// at most `max_length` positions; `reserve` rows are allocated up front.
    KvCache(std::size_t layers, std::size_t width, std::size_t max_length, std::size_t reserve = 0);

    [[nodiscard]] std::size_t length() const { return m_length; }
    [[nodiscard]] std::size_t layers() const { return m_keys.size(); }
    [[nodiscard]] std::size_t width() const { return m_width; }
    [[nodiscard]] std::size_t max_length() const { return m_max_length; }

    /// An independent copy of the filled positions (capacity for `reserve` more rows), for a
    /// continuation that must not disturb this cache. O(layers · length · width).
    [[nodiscard]] KvCache fork(std::size_t reserve = 0) const;
    /// Forgets positions from `length` on (length <= this->length()).
    void truncate(std::size_t length);

    /// Row `pos` of layer `layer`'s keys / values; valid for pos < capacity.
    [[nodiscard]] float* keys(std::size_t layer, std::size_t pos = 0) {
        return m_keys[layer].data() + pos * m_width;
    }
    [[nodiscard]] const float* keys(std::size_t layer, std::size_t pos = 0) const {
        return m_keys[layer].data() + pos * m_width;
    }
    [[nodiscard]] float* values(std::size_t layer, std::size_t pos = 0) {
        return m_values[layer].data() + pos * m_width;
    }
    [[nodiscard]] const float* values(std::size_t layer, std::size_t pos = 0) const {
        return m_values[layer].data() + pos * m_width;
    }

    /// Makes room for rows [length(), length() + rows) (geometric growth); the decoder calls
    /// this before writing them and commit() after.
    void prepare_append(std::size_t rows);
    /// Marks `rows` more positions as filled.
    void commit(std::size_t rows);

private:
    std::size_t m_width = 0;
    std::size_t m_max_length = 0;
    std::size_t m_length = 0;
    std::size_t m_capacity = 0;  ///< rows allocated in each layer's vectors
    std::vector<std::vector<float>> m_keys;
    std::vector<std::vector<float>> m_values;
};

}  // namespace cascade::model
