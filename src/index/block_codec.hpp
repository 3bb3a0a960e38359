#pragma once
/// Integer codecs for posting blocks.
///
/// Full blocks of 128 values use binary packing with one bit width per block (frame of
/// reference with base 0 on gaps; Lemire & Boytsov, "Decoding billions of integers per second
/// through vectorization", SPE 2015, "SIMD-BP128"). Values are laid out in 4 interleaved
/// lanes: value i goes to lane i % 4, so lane l's 32 values form a contiguous w-bit stream in
/// 32-bit words l, l + 4, l + 8, ... That makes every step the same operation on 4 adjacent
/// words, which g++ turns into SSE2 code at -O2/-O3 without intrinsics. A packed block takes
/// exactly 16 * width bytes. Short tail blocks use variable-byte (LEB128) codes.

#include <cstddef>
#include <cstdint>

namespace cascade::index {

/// Bits needed for `v` (0 for 0, 32 for values >= 2^31).
[[nodiscard]] std::uint32_t bit_width_of(std::uint32_t v);
/// Bits needed for the largest of `n` values.
[[nodiscard]] std::uint32_t max_bit_width(const std::uint32_t* values, std::size_t n);

/// Bytes a packed block of 128 values at `width` bits takes.
constexpr std::size_t packed_bytes(std::uint32_t width) {
    return std::size_t{16} * width;
}

/// Packs 128 values (each < 2^width) into packed_bytes(width) bytes at `out`.
void pack128(const std::uint32_t* in, std::uint32_t width, std::uint8_t* out);
/// Unpacks 128 values from packed_bytes(width) bytes at `in` (unaligned is fine).
void unpack128(const std::uint8_t* in, std::uint32_t width, std::uint32_t* out);

/// Packs n values (each < 2^width) as one little-endian bit stream, value i at bits
/// [i * width, (i + 1) * width); returns the bytes written, ceil(n * width / 8).
std::size_t pack_bits(const std::uint32_t* in, std::size_t n, std::uint32_t width,
                      std::uint8_t* out);
/// Unpacks what pack_bits wrote; returns the position after it.
const std::uint8_t* unpack_bits(const std::uint8_t* in, std::size_t n, std::uint32_t width,
                                std::uint32_t* out);
/// Bytes pack_bits writes for n values at `width` bits.
constexpr std::size_t packed_bits_bytes(std::size_t n, std::uint32_t width) {
    return (n * width + 7) / 8;
}

/// Appends the LEB128 varint of `v` at `out`; returns the end (at most 5 bytes written).
std::uint8_t* vbyte_encode(std::uint32_t v, std::uint8_t* out);
/// Decodes one varint from [p, end); returns the position after it, or nullptr when the code
/// runs past `end` or is longer than 5 bytes (corruption).
const std::uint8_t* vbyte_decode(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t& v);

}  // namespace cascade::index
