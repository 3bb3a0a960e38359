#include "retrieve/bm25.hpp"

#include <cmath>

#include "index/small_float.hpp"

namespace cascade::retrieve {

float lucene_idf(std::uint64_t doc_freq, std::uint64_t doc_count) {
    // Java: (float) Math.log(1 + (docCount - docFreq + 0.5D) / (docFreq + 0.5D)); the
    // subtraction is on longs, so it may go negative for inconsistent statistics.
    auto diff = static_cast<double>(static_cast<std::int64_t>(doc_count) -
                                    static_cast<std::int64_t>(doc_freq));
    double ratio = (diff + 0.5) / (static_cast<double>(doc_freq) + 0.5);
    return static_cast<float>(std::log(1.0 + ratio));
}

float lucene_avgdl(std::uint64_t sum_total_term_freq, std::uint64_t doc_count) {
    if (doc_count == 0) {
        return 1.0F;
    }
    return static_cast<float>(static_cast<double>(sum_total_term_freq) /
                              static_cast<double>(doc_count));
}

const std::array<float, 256>& lucene_length_table() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int i = 0; i < 256; ++i) {
            t[i] = static_cast<float>(index::byte4_to_int(static_cast<std::uint8_t>(i)));
        }
        return t;
    }();
    return table;
}

Bm25FieldScorer::Bm25FieldScorer(const Bm25Params& params, float avgdl)
    : m_params(params), m_avgdl(avgdl) {
    const auto& lengths = lucene_length_table();
    const float k1 = params.k1;
    const float b = params.b;
    for (int i = 0; i < 256; ++i) {
        // Java: cache[i] = 1f / (k1 * ((1 - b) + b * LENGTH_TABLE[i] / avgdl)); every
        // intermediate is a float and `b * L / avgdl` associates left to right.
        float one_minus_b = 1.0F - b;
        float scaled = b * lengths[i];
        float relative = scaled / avgdl;
        float norm = k1 * (one_minus_b + relative);
        m_cache[i] = 1.0F / norm;
        if (m_cache[i] < m_cache[m_lowest_norm]) {
            m_lowest_norm = static_cast<std::uint8_t>(i);
        }
    }
}

}  // namespace cascade::retrieve
