#pragma once
/// Lucene's lossy one-byte encoding of document lengths ("norms").
///
/// Lucene 9's BM25Similarity stores each document's token count as
/// SmallFloat.intToByte4(length) and scores with byte4ToInt of that byte, so exact BM25 parity
/// with Lucene/Anserini needs the same rounding. Source: Apache Lucene,
/// lucene/core/src/java/org/apache/lucene/util/SmallFloat.java (longToInt4 / int4ToLong /
/// intToByte4 / byte4ToInt). Lengths 0..40 survive exactly; larger ones round down to a value
/// with 4 significant bits above the first 24 "free" values.

#include <bit>
#include <cstdint>

namespace cascade::index {

namespace detail {
/// Float-like encoding with a 3-bit mantissa (implicit leading 1) and the shift + 1 in the
/// high bits; values below 8 are stored as is ("subnormal").
constexpr std::uint32_t long_to_int4(std::uint64_t i) {
    int num_bits = 64 - std::countl_zero(i);
    if (num_bits < 4) {
        return static_cast<std::uint32_t>(i);
    }
    int shift = num_bits - 4;
    auto encoded = static_cast<std::uint32_t>(i >> shift) & 0x07U;
    return encoded | (static_cast<std::uint32_t>(shift + 1) << 3);
}

constexpr std::uint64_t int4_to_long(std::uint32_t i) {
    std::uint64_t bits = i & 0x07U;
    int shift = static_cast<int>(i >> 3) - 1;
    return shift == -1 ? bits : (bits | 0x08U) << shift;
}

/// Lucene: MAX_INT4 = longToInt4(Integer.MAX_VALUE) = 231; NUM_FREE_VALUES = 255 - MAX_INT4.
inline constexpr std::uint32_t kNumFreeValues = 255 - long_to_int4(0x7fffffffULL);
}  // namespace detail

/// SmallFloat.intToByte4: the one-byte norm of a document length (token count).
constexpr std::uint8_t int_to_byte4(std::uint32_t length) {
    if (length < detail::kNumFreeValues) {
        return static_cast<std::uint8_t>(length);
    }
    return static_cast<std::uint8_t>(detail::kNumFreeValues +
                                     detail::long_to_int4(length - detail::kNumFreeValues));
}

/// SmallFloat.byte4ToInt: the (rounded-down) length a norm byte stands for.
constexpr std::uint32_t byte4_to_int(std::uint8_t norm) {
    std::uint32_t i = norm;
    if (i < detail::kNumFreeValues) {
        return i;
    }
    return static_cast<std::uint32_t>(detail::kNumFreeValues +
                                      detail::int4_to_long(i - detail::kNumFreeValues));
}

/// The BM25 term-frequency factor freq / (freq + k1 * (1 - b + b * len / avgdl)) with the
/// length decoded from a norm byte, as Lucene 9's BM25Scorer computes it (before idf and the
/// (k1 + 1) factor, which Lucene 9 dropped). Used to rank (freq, norm) pairs when storing
/// block-max bounds; a monotone transform of Lucene's score for fixed idf.
/// Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond" (2009).
inline double bm25_tf_factor(std::uint32_t freq, std::uint8_t norm, double k1, double b,
                             double avgdl) {
    double len = byte4_to_int(norm);
    double f = freq;
    return f / (f + k1 * ((1.0 - b) + b * len / avgdl));
}

}  // namespace cascade::index
