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
#include <string_view>

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
/// Unpacks 128 values from packed_bytes(width) bytes at `in` (unaligned is fine; nothing past
/// them is read). AVX-512 where the CPU has it and CASCADE_ISA does not ask for avx2 or
/// scalar, else the portable loops.
void unpack128(const std::uint8_t* in, std::uint32_t width, std::uint32_t* out);
/// unpack128 through one version: "avx512", or "sse2"/"scalar" (the portable loops). Returns
/// false when this build or CPU cannot run it (for tests).
bool unpack128_with(std::string_view isa, const std::uint8_t* in, std::uint32_t width,
                    std::uint32_t* out);

/// Turns a full block's 128 gaps (docid - previous docid - 1) into docids in place: an
/// inclusive prefix sum of gap + 1 from `expected` - 1, where `expected` is the previous
/// block's last docid + 1 (0 for a list's first block), in wrapping arithmetic. AVX-512 (16
/// lanes) where the CPU has it and CASCADE_ISA does not ask for avx2 or scalar, else SSE2.
void gaps_to_docids128(std::uint32_t* values, std::uint32_t expected);
/// gaps_to_docids128 through one version: "avx512", "sse2" or "scalar". Returns false, and
/// leaves `values` alone, when this build or CPU cannot run it (for tests).
bool gaps_to_docids128_with(std::string_view isa, std::uint32_t* values, std::uint32_t expected);

/// Packs n values (each < 2^width) as one little-endian bit stream, value i at bits
/// [i * width, (i + 1) * width); returns the bytes written, ceil(n * width / 8).
std::size_t pack_bits(const std::uint32_t* in, std::size_t n, std::uint32_t width,
                      std::uint8_t* out);
/// Unpacks what pack_bits wrote; returns the position after it.
const std::uint8_t* unpack_bits(const std::uint8_t* in, std::size_t n, std::uint32_t width,
                                std::uint32_t* out);
/// Bytes past the end of a code that the "padded" decoders below may read (never use): they
/// load whole 8-byte words. The postings file ends with this many zero bytes, so any code in
/// it can be decoded this way.
inline constexpr std::size_t kReadPadding = 8;
/// unpack_bits for input followed by at least kReadPadding readable bytes.
const std::uint8_t* unpack_bits_padded(const std::uint8_t* in, std::size_t n, std::uint32_t width,
                                       std::uint32_t* out);
/// Bytes pack_bits writes for n values at `width` bits.
constexpr std::size_t packed_bits_bytes(std::size_t n, std::uint32_t width) {
    return (n * width + 7) / 8;
}

/// A patched section: 128 values bit-packed at a width b chosen to minimize the bytes, with the
/// values that need more than b bits ("exceptions") completed from a list after the packed
/// words (Zukowski et al., "Super-Scalar RAM-CPU Cache Compression", ICDE 2006; the
/// exception list as in Yan et al.'s NewPFD, WWW 2009). Layout: one byte `b | kPatched when
/// there are exceptions`, the 128 values' low b bits as pack128 writes them, then, when
/// patched, `u8 count, u8 high_width`, `count` u8 positions (ascending) and the `count` high
/// parts (value >> b) as one pack_bits stream at high_width bits. Without exceptions it is the
/// plain packed block behind its width byte. Ties in size go to fewer exceptions.
inline constexpr std::uint8_t kPatched = 0x80;
/// Most bytes encode_patched128 writes.
inline constexpr std::size_t kMaxPatchedBytes = 1 + 16 * 32 + 2 + 128 + 16 * 32;
/// Writes the patched section of `in` (128 values) at `out`; returns the bytes written.
std::size_t encode_patched128(const std::uint32_t* in, std::uint8_t* out);
/// decode_patched128 for a section with exceptions (padded: may read kReadPadding bytes past
/// the section).
const std::uint8_t* decode_patched128_exceptions(const std::uint8_t* in, std::uint32_t* out);
/// Decodes a patched section into 128 values; returns the position after it. Padded: the
/// section must be followed by kReadPadding readable bytes.
inline const std::uint8_t* decode_patched128(const std::uint8_t* in, std::uint32_t* out) {
    const std::uint32_t head = in[0];
    if ((head & kPatched) != 0) {
        return decode_patched128_exceptions(in, out);
    }
    unpack128(in + 1, head, out);
    return in + 1 + packed_bytes(head);
}

/// Elias-Fano code of n strictly ascending values below `universe` (Elias 1974, Fano 1971;
/// as in Vigna, "Quasi-succinct indices", WSDM 2013): with L = floor(log2(universe / n)),
/// the n low parts (value mod 2^L) as one pack_bits stream at L bits, then the high parts
/// (value >> L) in unary: value i sets bit (value_i >> L) + i of a little-endian bit stream
/// that ends with the byte holding the last set bit. About L + 2 bits per value, nothing
/// stored besides the values: n and universe come from the caller.
[[nodiscard]] std::uint32_t elias_fano_low_bits(std::size_t n, std::uint32_t universe);
/// Most bytes elias_fano_encode writes for n values.
constexpr std::size_t elias_fano_max_bytes(std::size_t n) {
    // Low parts: at most 32 bits each; high stream: n ones and at most 2n zeros
    // (universe >> L < 2n), plus a partial byte each.
    return (n * 32 + 7) / 8 + (3 * n + 7) / 8 + 1;
}
/// Writes the code of in[0..n) (ascending, each < universe, n >= 1); returns bytes written.
std::size_t elias_fano_encode(const std::uint32_t* in, std::size_t n, std::uint32_t universe,
                              std::uint8_t* out);
/// Decodes what elias_fano_encode wrote; returns the position after it. Padded: the code must
/// be followed by kReadPadding readable bytes.
const std::uint8_t* elias_fano_decode(const std::uint8_t* in, std::size_t n, std::uint32_t universe,
                                      std::uint32_t* out);

/// Appends the LEB128 varint of `v` at `out`; returns the end (at most 5 bytes written).
std::uint8_t* vbyte_encode(std::uint32_t v, std::uint8_t* out);
/// Decodes one varint from [p, end); returns the position after it, or nullptr when the code
/// runs past `end` or is longer than 5 bytes (corruption).
const std::uint8_t* vbyte_decode(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t& v);

}  // namespace cascade::index
