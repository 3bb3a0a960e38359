#pragma once
/// A dense, row-major fp32 tensor that owns its data; the unit that weights are loaded into
/// and that the ops read and write.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace cascade::model {

/// Row-major float tensor. Shape dims are element counts; an empty shape is a scalar.
class Tensor {
public:
    Tensor() = default;
    explicit Tensor(std::vector<std::int64_t> shape)
        : m_shape(std::move(shape)), m_data(element_count(m_shape), 0.0f) {}
    Tensor(std::vector<std::int64_t> shape, std::vector<float> data)
        : m_shape(std::move(shape)), m_data(std::move(data)) {
        CASCADE_ASSERT(m_data.size() == element_count(m_shape));
    }

    [[nodiscard]] const std::vector<std::int64_t>& shape() const { return m_shape; }
    [[nodiscard]] std::size_t rank() const { return m_shape.size(); }
    [[nodiscard]] std::int64_t dim(std::size_t i) const { return m_shape.at(i); }
    [[nodiscard]] std::size_t size() const { return m_data.size(); }
    [[nodiscard]] float* data() { return m_data.data(); }
    [[nodiscard]] const float* data() const { return m_data.data(); }
    [[nodiscard]] std::vector<float>& values() { return m_data; }
    [[nodiscard]] const std::vector<float>& values() const { return m_data; }

    /// Product of the dims (1 for a scalar).
    static std::size_t element_count(const std::vector<std::int64_t>& shape) {
        std::size_t n = 1;
        for (auto d : shape)
            n *= static_cast<std::size_t>(d);
        return n;
    }

    /// "[a, b, c]" for error messages.
    static std::string shape_string(const std::vector<std::int64_t>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) {
            if (i > 0)
                s += ", ";
            s += std::to_string(shape[i]);
        }
        return s + "]";
    }

private:
    std::vector<std::int64_t> m_shape;
    std::vector<float> m_data;
};

}  // namespace cascade::model
