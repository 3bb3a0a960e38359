#include "index/block_codec.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

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

constexpr unsigned kBlockValues = 128;
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

#if defined(__x86_64__)
// The same layout 16 values at a time: values k .. k+3 of the four lanes (one group) are the
// 4-word chunks word(k) .. word(k+3) of the packed words, each shifted by its own amount, plus
// the next chunk's low bits where a value straddles two words. A group's chunks lie within 5
// chunks of its first, so two masked 16-word loads (nothing read past the block) and two
// two-register permutes gather them; per-lane variable shifts do the rest.
struct UnpackGroup {
    std::array<std::uint32_t, 16> low_index;   // into the 32 words loaded: word(k) of the lane
    std::array<std::uint32_t, 16> high_index;  // word(k) + 1 of the lane
    std::array<std::uint32_t, 16> right;       // shift of the low word
    std::array<std::uint32_t, 16> left;        // shift of the high word (32: none)
    std::uint32_t first_word;                  // the group's first word (chunk * 4)
    std::uint16_t mask_a;                      // words first_word .. +15 inside the block
    std::uint16_t mask_b;                      // words first_word + 16 .. +31 inside the block
};

template <unsigned W>
constexpr std::array<UnpackGroup, kPerLane / 4> make_unpack_groups() {
    std::array<UnpackGroup, kPerLane / 4> groups{};
    for (unsigned g = 0; g < groups.size(); ++g) {
        UnpackGroup& group = groups[g];
        const unsigned first_chunk = g * 4 * W / 32;
        group.first_word = first_chunk * kLanes;
        const unsigned words = W * kLanes;  // the block's packed words
        const unsigned left_a = words - group.first_word;
        group.mask_a = static_cast<std::uint16_t>(left_a >= 16 ? 0xffffU : (1U << left_a) - 1U);
        const unsigned left_b = left_a > 16 ? left_a - 16 : 0;
        group.mask_b = static_cast<std::uint16_t>(left_b >= 16 ? 0xffffU : (1U << left_b) - 1U);
        for (unsigned j = 0; j < 4; ++j) {
            const unsigned k = g * 4 + j;
            const unsigned chunk = k * W / 32 - first_chunk;
            const unsigned shift = k * W % 32;
            for (unsigned lane = 0; lane < kLanes; ++lane) {
                const unsigned i = j * kLanes + lane;
                group.low_index[i] = chunk * kLanes + lane;
                group.high_index[i] = (chunk + 1) * kLanes + lane;
                group.right[i] = shift;
                group.left[i] = shift + W > 32 ? 32 - shift : 32;
            }
        }
    }
    return groups;
}

template <unsigned W>
__attribute__((target("avx512f"))) void unpack_width_avx512(const std::uint8_t* in,
                                                            std::uint32_t* out) {
    if constexpr (W == 0 || W == 32) {
        unpack_width<W>(in, out);
    } else {
        static constexpr auto kGroups = make_unpack_groups<W>();
        const __m512i mask = _mm512_set1_epi32(static_cast<int>((1U << W) - 1U));
        for (unsigned g = 0; g < kGroups.size(); ++g) {
            const UnpackGroup& group = kGroups[g];
            const std::uint8_t* at = in + std::size_t{group.first_word} * 4;
            const __m512i a = _mm512_maskz_loadu_epi32(group.mask_a, at);
            const __m512i b = _mm512_maskz_loadu_epi32(group.mask_b, at + 64);
            const __m512i low =
                _mm512_permutex2var_epi32(a, _mm512_loadu_si512(group.low_index.data()), b);
            const __m512i high =
                _mm512_permutex2var_epi32(a, _mm512_loadu_si512(group.high_index.data()), b);
            const __m512i v =
                _mm512_or_si512(_mm512_srlv_epi32(low, _mm512_loadu_si512(group.right.data())),
                                _mm512_sllv_epi32(high, _mm512_loadu_si512(group.left.data())));
            _mm512_storeu_si512(out + std::size_t{g} * 16, _mm512_and_si512(v, mask));
        }
    }
}

template <std::size_t... Ws>
constexpr std::array<UnpackFn, sizeof...(Ws)> make_unpack_avx512_table(std::index_sequence<Ws...>) {
    return {&unpack_width_avx512<Ws>...};
}

constexpr auto kUnpackAvx512 = make_unpack_avx512_table(std::make_index_sequence<33>{});

bool has_avx512f() {
    const char* forced = std::getenv("CASCADE_ISA");
    const std::string isa = forced != nullptr ? forced : "";
    return isa != "avx2" && isa != "scalar" && isa != "sse2" && __builtin_cpu_supports("avx512f");
}
#endif

const std::array<UnpackFn, 33>& unpack_table() {
#if defined(__x86_64__)
    static const std::array<UnpackFn, 33>& table = has_avx512f() ? kUnpackAvx512 : kUnpack;
    return table;
#else
    return kUnpack;
#endif
}

}  // namespace

void pack128(const std::uint32_t* in, std::uint32_t width, std::uint8_t* out) {
    alignas(64) std::uint32_t words[128];
    kPack[width](in, words);
    std::memcpy(out, words, packed_bytes(width));
}

void unpack128(const std::uint8_t* in, std::uint32_t width, std::uint32_t* out) {
    unpack_table()[width](in, out);
}

bool unpack128_with(std::string_view isa, const std::uint8_t* in, std::uint32_t width,
                    std::uint32_t* out) {
    if (isa == "sse2" || isa == "scalar") {  // the portable loops, vectorised by the compiler
        kUnpack[width](in, out);
        return true;
    }
#if defined(__x86_64__)
    if (isa == "avx512" && __builtin_cpu_supports("avx512f")) {
        kUnpackAvx512[width](in, out);
        return true;
    }
#endif
    return false;
}

namespace {

void gaps_to_docids_scalar(std::uint32_t* values, std::uint32_t expected) {
    for (unsigned i = 0; i < kBlockValues; ++i) {
        expected += values[i];
        values[i] = expected;
        ++expected;
    }
}

#if defined(__SSE2__)
void gaps_to_docids_sse2(std::uint32_t* values, std::uint32_t expected) {
    // values[i] = (expected - 1) + sum over j <= i of (gap[j] + 1): a 4-lane scan, then the
    // running total carried into the next four.
    __m128i carry = _mm_set1_epi32(static_cast<int>(expected - 1U));
    const __m128i one = _mm_set1_epi32(1);
    for (unsigned i = 0; i < kBlockValues; i += 4) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): SSE2 unaligned load.
        auto* lane = reinterpret_cast<__m128i*>(values + i);
        __m128i v = _mm_add_epi32(_mm_loadu_si128(lane), one);
        v = _mm_add_epi32(v, _mm_slli_si128(v, 4));
        v = _mm_add_epi32(v, _mm_slli_si128(v, 8));
        v = _mm_add_epi32(v, carry);
        _mm_storeu_si128(lane, v);
        carry = _mm_shuffle_epi32(v, 0xff);
    }
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void gaps_to_docids_avx512(std::uint32_t* values,
                                                              std::uint32_t expected) {
    // The same scan 16 lanes at a time (shifts by 1, 2, 4, 8 lanes), so the carried total,
    // the only serial step, is taken 8 times a block instead of 32.
    __m512i carry = _mm512_set1_epi32(static_cast<int>(expected - 1U));
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i zero = _mm512_setzero_si512();
    const __m512i last = _mm512_set1_epi32(15);
    for (unsigned i = 0; i < kBlockValues; i += 16) {
        __m512i v = _mm512_add_epi32(_mm512_loadu_si512(values + i), one);
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 15));
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 14));
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 12));
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 8));
        v = _mm512_add_epi32(v, carry);
        _mm512_storeu_si512(values + i, v);
        carry = _mm512_permutexvar_epi32(last, v);
    }
}

#endif

using GapsFn = void (*)(std::uint32_t*, std::uint32_t);

GapsFn choose_gaps() {
#if defined(__x86_64__)
    if (has_avx512f()) {
        return gaps_to_docids_avx512;
    }
#endif
#if defined(__SSE2__)
    return gaps_to_docids_sse2;
#else
    return gaps_to_docids_scalar;
#endif
}

}  // namespace

void gaps_to_docids128(std::uint32_t* values, std::uint32_t expected) {
    static const GapsFn gaps = choose_gaps();
    gaps(values, expected);
}

bool gaps_to_docids128_with(std::string_view isa, std::uint32_t* values, std::uint32_t expected) {
    if (isa == "scalar") {
        gaps_to_docids_scalar(values, expected);
        return true;
    }
#if defined(__SSE2__)
    if (isa == "sse2") {
        gaps_to_docids_sse2(values, expected);
        return true;
    }
#endif
#if defined(__x86_64__)
    if (isa == "avx512" && __builtin_cpu_supports("avx512f")) {
        gaps_to_docids_avx512(values, expected);
        return true;
    }
#endif
    return false;
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
    // Reads exactly the stream's bytes (the decoders on index files use unpack_bits_padded).
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

const std::uint8_t* unpack_bits_padded(const std::uint8_t* in, std::size_t n, std::uint32_t width,
                                       std::uint32_t* out) {
    const std::uint64_t mask = width == 32 ? 0xffffffffULL : (std::uint64_t{1} << width) - 1;
    std::size_t bit = 0;
    for (std::size_t i = 0; i < n; ++i, bit += width) {
        std::uint64_t window;
        std::memcpy(&window, in + bit / 8, sizeof(window));
        out[i] = static_cast<std::uint32_t>((window >> (bit % 8)) & mask);
    }
    return in + packed_bits_bytes(n, width);
}

std::size_t encode_patched128(const std::uint32_t* in, std::uint8_t* out) {
    // count[w]: values whose bit width is exactly w.
    std::array<std::uint32_t, 33> count{};
    for (unsigned i = 0; i < kBlockValues; ++i) {
        ++count[bit_width_of(in[i])];
    }
    std::uint32_t max_width = 32;
    while (max_width > 0 && count[max_width] == 0) {
        --max_width;
    }
    // Bytes at width b: the packed words, plus the exception list when values exceed b bits.
    std::uint32_t best_width = max_width;
    std::size_t best_bytes = packed_bytes(max_width);
    std::uint32_t above = 0;
    for (std::uint32_t b = max_width; b-- > 0;) {
        above += count[b + 1];
        const std::size_t bytes =
            packed_bytes(b) + 2 + above + packed_bits_bytes(above, max_width - b);
        if (bytes < best_bytes) {
            best_bytes = bytes;
            best_width = b;
        }
    }
    const std::uint32_t b = best_width;
    std::uint8_t* p = out;
    if (b == max_width) {
        *p++ = static_cast<std::uint8_t>(b);
        pack128(in, b, p);
        return 1 + packed_bytes(b);
    }
    const std::uint32_t mask = (std::uint32_t{1} << b) - 1U;  // b < max_width <= 32
    alignas(64) std::uint32_t low[kBlockValues];
    std::uint32_t high[kBlockValues];
    std::uint8_t position[kBlockValues];
    std::uint32_t exceptions = 0;
    for (unsigned i = 0; i < kBlockValues; ++i) {
        low[i] = in[i] & mask;
        if ((in[i] >> b) != 0) {
            high[exceptions] = in[i] >> b;
            position[exceptions++] = static_cast<std::uint8_t>(i);
        }
    }
    *p++ = static_cast<std::uint8_t>(b | kPatched);
    pack128(low, b, p);
    p += packed_bytes(b);
    *p++ = static_cast<std::uint8_t>(exceptions);
    *p++ = static_cast<std::uint8_t>(max_width - b);
    std::memcpy(p, position, exceptions);
    p += exceptions;
    p += pack_bits(high, exceptions, max_width - b, p);
    return static_cast<std::size_t>(p - out);
}

const std::uint8_t* decode_patched128_exceptions(const std::uint8_t* in, std::uint32_t* out) {
    const std::uint32_t b = *in++ & ~std::uint32_t{kPatched};
    unpack128(in, b, out);
    in += packed_bytes(b);
    const std::uint32_t exceptions = in[0];
    const std::uint32_t high_width = in[1];
    const std::uint8_t* position = in + 2;
    const std::uint8_t* high = position + exceptions;
    const std::uint64_t mask = (std::uint64_t{1} << high_width) - 1;  // high_width <= 32
    std::size_t bit = 0;
    for (std::uint32_t e = 0; e < exceptions; ++e, bit += high_width) {
        std::uint64_t window;
        std::memcpy(&window, high + bit / 8, sizeof(window));
        out[position[e]] |= static_cast<std::uint32_t>((window >> (bit % 8)) & mask) << b;
    }
    return high + packed_bits_bytes(exceptions, high_width);
}

std::uint32_t elias_fano_low_bits(std::size_t n, std::uint32_t universe) {
    const std::size_t ratio = universe / n;
    return ratio == 0 ? 0 : bit_width_of(static_cast<std::uint32_t>(ratio)) - 1;
}

std::size_t elias_fano_encode(const std::uint32_t* in, std::size_t n, std::uint32_t universe,
                              std::uint8_t* out) {
    const std::uint32_t low_bits = elias_fano_low_bits(n, universe);
    const std::uint32_t mask = low_bits == 0 ? 0 : (std::uint32_t{1} << low_bits) - 1U;
    // The low parts through pack_bits, 128 at a time: 128 values of any width fill whole
    // bytes, so the pieces join into one stream.
    std::size_t at = 0;
    std::uint32_t low[kBlockValues];
    for (std::size_t begin = 0; begin < n; begin += kBlockValues) {
        const std::size_t count = std::min<std::size_t>(kBlockValues, n - begin);
        for (std::size_t i = 0; i < count; ++i) {
            low[i] = in[begin + i] & mask;
        }
        at += pack_bits(low, count, low_bits, out + at);
    }
    const std::size_t high_start = at;
    const std::uint64_t last_bit = (std::uint64_t{in[n - 1]} >> low_bits) + n - 1;
    const std::size_t high_bytes = last_bit / 8 + 1;
    std::memset(out + high_start, 0, high_bytes);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t bit = (std::uint64_t{in[i]} >> low_bits) + i;
        out[high_start + bit / 8] |= static_cast<std::uint8_t>(1U << (bit % 8));
    }
    return high_start + high_bytes;
}

const std::uint8_t* elias_fano_decode(const std::uint8_t* in, std::size_t n, std::uint32_t universe,
                                      std::uint32_t* out) {
    const std::uint32_t low_bits = elias_fano_low_bits(n, universe);
    const std::uint8_t* high = unpack_bits_padded(in, n, low_bits, out);
    // The i-th set bit of the high stream, at position p, gives value i's high part p - i.
    std::uint64_t word;
    std::memcpy(&word, high, sizeof(word));
    std::uint64_t base = 0;
    std::uint64_t bit = 0;
    for (std::size_t i = 0; i < n; ++i) {
        while (word == 0) {
            base += 64;
            std::memcpy(&word, high + base / 8, sizeof(word));
        }
        bit = base + static_cast<std::uint64_t>(std::countr_zero(word));
        out[i] |= static_cast<std::uint32_t>(bit - i) << low_bits;
        word &= word - 1;
    }
    return high + bit / 8 + 1;
}

}  // namespace cascade::index
