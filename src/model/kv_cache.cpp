#include "model/kv_cache.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace cascade::model {

KvCache::KvCache(std::size_t layers, std::size_t width, std::size_t max_length, std::size_t reserve)
    : m_width(width), m_max_length(max_length), m_keys(layers), m_values(layers) {
    if (reserve > 0)
        prepare_append(std::min(reserve, max_length));
}

KvCache KvCache::fork(std::size_t reserve) const {
    KvCache out(layers(), m_width, m_max_length);
    out.prepare_append(std::min(m_length + reserve, m_max_length));
    for (std::size_t l = 0; l < layers(); ++l) {
        std::copy_n(m_keys[l].data(), m_length * m_width, out.m_keys[l].data());
        std::copy_n(m_values[l].data(), m_length * m_width, out.m_values[l].data());
    }
    out.m_length = m_length;
    return out;
}

void KvCache::truncate(std::size_t length) {
    CASCADE_ASSERT(length <= m_length);
    m_length = length;
}

void KvCache::prepare_append(std::size_t rows) {
    const std::size_t need = m_length + rows;
    CASCADE_ASSERT(need <= m_max_length);
    if (need <= m_capacity)
        return;
    const std::size_t capacity = std::min(m_max_length, std::max(need, m_capacity * 2));
    for (std::size_t l = 0; l < layers(); ++l) {
        m_keys[l].resize(capacity * m_width);
        m_values[l].resize(capacity * m_width);
    }
    m_capacity = capacity;
}

void KvCache::commit(std::size_t rows) {
    CASCADE_ASSERT(m_length + rows <= m_capacity);
    m_length += rows;
}

}  // namespace cascade::model
