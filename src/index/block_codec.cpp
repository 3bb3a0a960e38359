#include "index/block_codec.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace cascade::index {

std::uint32_t bit_width_of(std::uint32_t v) {
    return static_cast<std::uint32_t>(std::bit_width(v));
}

std::uint32_t max_bit_width(const std::uint32_t* values, std::size_t n) {
    std::uint32_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc |= values[i];
    }
    return bit_width_of(acc);
}

namespace {

constexpr unsigned kLanes = 4;
constexpr unsigned kPerLane = 32;  // 128 / kLanes

// Value k of every lane starts at bit k * W of that lane's stream; with W a template
// parameter and the k loop unrolled, word/shift are constants and the lane loop vectorizes.
template <unsigned W>
void pack_width(const std::uint32_t* in, std::uint32_t* words) {
    if constexpr (W == 0) {
        return;
    } else {
        std::memset(words, 0, std::size_t{W} * kLanes * sizeof(std::uint32_t));
#pragma GCC unroll 32
        for (unsigned k = 0; k < kPerLane; ++k) {
            const unsigned bit = k * W;
            const unsigned word = bit / 32;
            const unsigned shift = bit % 32;
            for (unsigned lane = 0; lane < kLanes; ++lane) {
                const std::uint32_t v = in[k * kLanes + lane];
                words[word * kLanes + lane] |= v << shift;
                if (shift + W > 32) {
                    words[(word + 1) * kLanes + lane] |= v >> (32 - shift);
                }
            }
        }
    }
}

/// 32-bit word i of a packed block (little-endian bytes, any alignment).
inline std::uint32_t packed_word(const std::uint8_t* in, unsigned i) {
    std::uint32_t w;
    std::memcpy(&w, in + std::size_t{i} * sizeof(std::uint32_t), sizeof(w));
    return w;
}

// Reads the packed bytes in place (no copy to an aligned buffer first): the word loads of the
// four lanes are adjacent, so they still become one vector load.
template <unsigned W>
void unpack_width(const std::uint8_t* in, std::uint32_t* out) {
    if constexpr (W == 0) {
        std::memset(out, 0, 128 * sizeof(std::uint32_t));
    } else if constexpr (W == 32) {
        std::memcpy(out, in, 128 * sizeof(std::uint32_t));
    } else {
        constexpr std::uint32_t kMask = (1U << W) - 1U;
#pragma GCC unroll 32
        for (unsigned k = 0; k < kPerLane; ++k) {
            const unsigned bit = k * W;
            const unsigned word = bit / 32;
            const unsigned shift = bit % 32;
            for (unsigned lane = 0; lane < kLanes; ++lane) {
                std::uint32_t v = packed_word(in, word * kLanes + lane) >> shift;
                if (shift + W > 32) {
                    v |= packed_word(in, (word + 1) * kLanes + lane) << (32 - shift);
                }
                out[k * kLanes + lane] = v & kMask;
            }
        }
    }
}

using PackFn = void (*)(const std::uint32_t*, std::uint32_t*);
using UnpackFn = void (*)(const std::uint8_t*, std::uint32_t*);

template <std::size_t... Ws>
constexpr std::array<PackFn, sizeof...(Ws)> make_pack_table(std::index_sequence<Ws...>) {
    return {&pack_width<Ws>...};
}
template <std::size_t... Ws>
constexpr std::array<UnpackFn, sizeof...(Ws)> make_unpack_table(std::index_sequence<Ws...>) {
    return {&unpack_width<Ws>...};
}

constexpr auto kPack = make_pack_table(std::make_index_sequence<33>{});
constexpr auto kUnpack = make_unpack_table(std::make_index_sequence<33>{});

}  // namespace

void pack128(const std::uint32_t* in, std::uint32_t width, std::uint8_t* out) {
    alignas(64) std::uint32_t words[128];
    kPack[width](in, words);
    std::memcpy(out, words, packed_bytes(width));
}

void unpack128(const std::uint8_t* in, std::uint32_t width, std::uint32_t* out) {
    kUnpack[width](in, out);
}

std::uint8_t* vbyte_encode(std::uint32_t v, std::uint8_t* out) {
    while (v >= 0x80) {
        *out++ = static_cast<std::uint8_t>(v | 0x80);
        v >>= 7;
    }
    *out++ = static_cast<std::uint8_t>(v);
    return out;
}

const std::uint8_t* vbyte_decode(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t& v) {
    std::uint32_t result = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (p >= end) {
            return nullptr;
        }
        std::uint8_t byte = *p++;
        result |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            v = result;
            return p;
        }
    }
    return nullptr;
}

std::size_t pack_bits(const std::uint32_t* in, std::size_t n, std::uint32_t width,
                      std::uint8_t* out) {
    std::uint64_t acc = 0;
    unsigned bits = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc |= static_cast<std::uint64_t>(in[i]) << bits;
        bits += width;
        while (bits >= 8) {
            out[at++] = static_cast<std::uint8_t>(acc);
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0) {
        out[at++] = static_cast<std::uint8_t>(acc);
    }
    return at;
}

const std::uint8_t* unpack_bits(const std::uint8_t* in, std::size_t n, std::uint32_t width,
                                std::uint32_t* out) {
    const std::uint64_t mask = width == 32 ? 0xffffffffULL : (std::uint64_t{1} << width) - 1;
    std::uint64_t acc = 0;
    unsigned bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        while (bits < width) {
            acc |= static_cast<std::uint64_t>(*in++) << bits;
            bits += 8;
        }
        out[i] = static_cast<std::uint32_t>(acc & mask);
        acc >>= width;
        bits -= width;
    }
    return in;
}

}  // namespace cascade::index
