// Block codec and SmallFloat tests: round trips on random data, edge widths, known values.

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "index/block_codec.hpp"
#include "index/small_float.hpp"

namespace cascade::index {
namespace {

TEST(BlockCodec, RoundTripsEveryWidth) {
    std::mt19937 rng(7);
    for (std::uint32_t width = 0; width <= 32; ++width) {
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<std::uint32_t> values(128);
            const std::uint64_t limit = width == 32 ? 0xffffffffULL : (1ULL << width) - 1;
            for (auto& v : values) {
                v = static_cast<std::uint32_t>(rng() & limit);
            }
            if (width > 0) {
                values[trial % 128] = static_cast<std::uint32_t>(limit);  // force the width
            }
            ASSERT_EQ(max_bit_width(values.data(), values.size()), width);
            std::vector<std::uint8_t> packed(packed_bytes(width) + 1, 0xAB);
            pack128(values.data(), width, packed.data());
            EXPECT_EQ(packed.back(), 0xAB) << "wrote past packed_bytes(" << width << ")";
            std::vector<std::uint32_t> out(128, 12345);
            unpack128(packed.data(), width, out.data());
            ASSERT_EQ(out, values) << "width " << width;
        }
    }
}

TEST(BlockCodec, EveryIsaUnpacksTheSameAndReadsNothingPastTheBlock) {
    // Each block is placed so that its last byte is the last readable byte before a page the
    // process may not read: a version that loads past packed_bytes(width) crashes the test.
    const long page = sysconf(_SC_PAGESIZE);
    void* map = mmap(nullptr, static_cast<std::size_t>(2 * page), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(map, MAP_FAILED);
    auto* base = static_cast<std::uint8_t*>(map);
    ASSERT_EQ(mprotect(base + page, static_cast<std::size_t>(page), PROT_NONE), 0);
    std::mt19937 rng(11);
    for (std::uint32_t width = 0; width <= 32; ++width) {
        for (int trial = 0; trial < 10; ++trial) {
            std::vector<std::uint32_t> values(128);
            const std::uint64_t limit = width == 32 ? 0xffffffffULL : (1ULL << width) - 1;
            for (auto& v : values)
                v = static_cast<std::uint32_t>(rng() & limit);
            std::uint8_t* block = base + page - static_cast<long>(packed_bytes(width));
            pack128(values.data(), width, block);
            for (const char* isa : {"sse2", "avx512"}) {
                std::vector<std::uint32_t> out(128, 12345);
                if (!unpack128_with(isa, block, width, out.data()))
                    continue;
                ASSERT_EQ(out, values) << isa << " width " << width;
            }
            if (width > 0) {  // and one byte off the words' alignment
                std::uint8_t* odd = block - 1;
                std::memmove(odd, block, packed_bytes(width));
                for (const char* isa : {"sse2", "avx512"}) {
                    std::vector<std::uint32_t> out(128, 12345);
                    if (unpack128_with(isa, odd, width, out.data()))
                        ASSERT_EQ(out, values) << isa << " width " << width << " unaligned";
                }
            }
        }
    }
    EXPECT_FALSE(unpack128_with("no-such-isa", base, 3, nullptr));
    munmap(map, static_cast<std::size_t>(2 * page));
}

TEST(BlockCodec, GapsBecomeDocidsTheSameOnEveryIsa) {
    // Every version of the prefix sum against the scalar one, on small and huge gaps (the sum
    // wraps in 32 bits like the scalar loop), from several starting docids, unaligned too.
    std::mt19937 rng(3);
    for (int round = 0; round < 200; ++round) {
        std::vector<std::uint32_t> gaps(129);
        const std::uint32_t width = rng() % 33;
        for (auto& g : gaps)
            g = width == 32 ? static_cast<std::uint32_t>(rng())
                            : static_cast<std::uint32_t>(rng()) & ((1U << width) - 1U);
        const std::uint32_t expected = round % 3 == 0 ? 0 : static_cast<std::uint32_t>(rng());
        std::vector<std::uint32_t> want(gaps.begin(), gaps.begin() + 128);
        ASSERT_TRUE(gaps_to_docids128_with("scalar", want.data(), expected));
        for (const char* isa : {"sse2", "avx512"}) {
            std::vector<std::uint32_t> got = gaps;
            // round % 2: one value in, so the block starts 4 bytes past the vector's alignment.
            std::uint32_t* block = got.data() + round % 2;
            std::copy(gaps.begin(), gaps.begin() + 128, block);
            if (!gaps_to_docids128_with(isa, block, expected))
                continue;
            ASSERT_TRUE(std::equal(want.begin(), want.end(), block)) << isa << " round " << round;
        }
        std::vector<std::uint32_t> dispatched(gaps.begin(), gaps.begin() + 128);
        gaps_to_docids128(dispatched.data(), expected);
        ASSERT_EQ(dispatched, want);
    }
    std::uint32_t untouched[128] = {};
    EXPECT_FALSE(gaps_to_docids128_with("no-such-isa", untouched, 5));
    EXPECT_EQ(untouched[0], 0U);
}

TEST(BlockCodec, PackedSizeIsSixteenBytesPerBit) {
    EXPECT_EQ(packed_bytes(0), 0U);
    EXPECT_EQ(packed_bytes(1), 16U);
    EXPECT_EQ(packed_bytes(32), 512U);
}

TEST(BlockCodec, UnalignedInput) {
    std::vector<std::uint32_t> values(128);
    for (std::uint32_t i = 0; i < 128; ++i) {
        values[i] = i * 3;
    }
    std::vector<std::uint8_t> buf(packed_bytes(9) + 3);
    pack128(values.data(), 9, buf.data() + 3);
    std::vector<std::uint32_t> out(128);
    unpack128(buf.data() + 3, 9, out.data());
    EXPECT_EQ(out, values);
}

TEST(BitStream, RoundTripsEveryWidthAndLength) {
    std::mt19937 rng(3);
    for (std::uint32_t width = 0; width <= 32; ++width) {
        for (std::size_t n : {1U, 2U, 7U, 31U, 127U}) {
            std::vector<std::uint32_t> values(n);
            const std::uint64_t limit = width == 32 ? 0xffffffffULL : (1ULL << width) - 1;
            for (auto& v : values) {
                v = static_cast<std::uint32_t>(rng() % (limit + 1));
            }
            std::vector<std::uint8_t> buf(packed_bits_bytes(n, width) + kReadPadding, 0xAB);
            ASSERT_EQ(pack_bits(values.data(), n, width, buf.data()), packed_bits_bytes(n, width));
            EXPECT_EQ(buf[packed_bits_bytes(n, width)], 0xAB);
            std::vector<std::uint32_t> out(n, 0xdeadbeef);
            EXPECT_EQ(unpack_bits(buf.data(), n, width, out.data()),
                      buf.data() + packed_bits_bytes(n, width));
            ASSERT_EQ(out, values) << width << " " << n;
            out.assign(n, 0xdeadbeef);
            EXPECT_EQ(unpack_bits_padded(buf.data(), n, width, out.data()),
                      buf.data() + packed_bits_bytes(n, width));
            ASSERT_EQ(out, values) << width << " " << n;
        }
    }
}

TEST(PatchedBlock, RoundTripsOutliersAndNeverLosesToPlainPacking) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 400; ++trial) {
        // Mostly narrow values with a few wide ones: the case exceptions are for; some trials
        // have none, some all-wide, some a 32-bit outlier.
        const std::uint32_t narrow = rng() % 12;
        const std::uint32_t wide = narrow + 1 + rng() % (32 - narrow);
        const std::uint32_t outliers = trial % 5 == 0 ? 0 : rng() % 40;
        std::vector<std::uint32_t> values(128);
        for (auto& v : values) {
            v = narrow == 0 ? 0 : rng() & ((1U << narrow) - 1U);
        }
        for (std::uint32_t o = 0; o < outliers; ++o) {
            const std::uint64_t limit = wide == 32 ? 0xffffffffULL : (1ULL << wide) - 1;
            values[rng() % 128] = static_cast<std::uint32_t>(rng() % (limit + 1));
        }
        std::vector<std::uint8_t> buf(kMaxPatchedBytes + kReadPadding, 0xAB);
        const std::size_t bytes = encode_patched128(values.data(), buf.data());
        ASSERT_LE(bytes, kMaxPatchedBytes);
        EXPECT_EQ(buf[bytes], 0xAB) << "wrote past the returned size";
        const std::uint32_t plain = max_bit_width(values.data(), 128);
        EXPECT_LE(bytes, 1 + packed_bytes(plain)) << "trial " << trial;
        std::vector<std::uint32_t> out(128, 0xdeadbeef);
        const std::uint8_t* end = decode_patched128(buf.data(), out.data());
        EXPECT_EQ(end, buf.data() + bytes) << "trial " << trial;
        ASSERT_EQ(out, values) << "trial " << trial;
    }
}

TEST(PatchedBlock, OneOutlierBecomesAnException) {
    // 127 zeros and 1000 at position 5: plain packing needs 10 bits (160 bytes); patched is
    // width 0 with one exception: head 0x80, count 1, high width 10, position 5, 1000 as
    // 10 bits (0xE8, 0x03).
    std::vector<std::uint32_t> values(128, 0);
    values[5] = 1000;
    std::vector<std::uint8_t> buf(kMaxPatchedBytes);
    const std::size_t bytes = encode_patched128(values.data(), buf.data());
    buf.resize(bytes);
    EXPECT_EQ(buf, (std::vector<std::uint8_t>{0x80, 1, 10, 5, 0xE8, 0x03}));
    // Nothing to patch: the width byte and the plain packed words.
    std::vector<std::uint32_t> ones(128, 1);
    buf.assign(kMaxPatchedBytes, 0);
    EXPECT_EQ(encode_patched128(ones.data(), buf.data()), 1 + packed_bytes(1));
    EXPECT_EQ(buf[0], 1);
}

TEST(EliasFano, RoundTripsAscendingSetsOfEverySize) {
    std::mt19937 rng(5);
    for (std::uint32_t universe : {1U, 2U, 3U, 100U, 1000U, 65536U, 1000000U, 0xffffffffU}) {
        // Past 128 too: the low parts are packed 128 at a time and must join into one stream.
        for (std::size_t n = 1; n < 400 && n <= universe; n += 1 + n / 8) {
            // n distinct values below universe, always including the extremes when n allows.
            std::vector<std::uint32_t> values;
            if (universe <= 4096) {
                std::vector<std::uint32_t> all(universe);
                for (std::uint32_t i = 0; i < universe; ++i) {
                    all[i] = i;
                }
                std::shuffle(all.begin(), all.end(), rng);
                values.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
            } else {
                values.push_back(0);
                if (n > 1) {
                    values.push_back(universe - 1);
                }
                while (values.size() < n) {
                    const std::uint32_t v = static_cast<std::uint32_t>(rng() % universe);
                    if (std::find(values.begin(), values.end(), v) == values.end()) {
                        values.push_back(v);
                    }
                }
            }
            std::sort(values.begin(), values.end());
            std::vector<std::uint8_t> buf(elias_fano_max_bytes(n) + kReadPadding, 0xAB);
            const std::size_t bytes = elias_fano_encode(values.data(), n, universe, buf.data());
            ASSERT_LE(bytes, elias_fano_max_bytes(n)) << universe << " " << n;
            EXPECT_EQ(buf[bytes], 0xAB);
            // About L + 2 bits per value: never more than L + 3 bits plus a byte per stream.
            const std::uint32_t low = elias_fano_low_bits(n, universe);
            EXPECT_LE(bytes * 8, n * (low + 3) + 16) << universe << " " << n;
            std::vector<std::uint32_t> out(n, 0xdeadbeef);
            const std::uint8_t* end = elias_fano_decode(buf.data(), n, universe, out.data());
            EXPECT_EQ(end, buf.data() + bytes) << universe << " " << n;
            ASSERT_EQ(out, values) << universe << " " << n;
        }
    }
}

TEST(EliasFano, KnownBytes) {
    // {0, 2} below 4: L = 1; low bits 0, 0 -> 0x00; high parts 0, 1 set bits 0 and 1 + 1 = 2
    // -> 0x05.
    std::vector<std::uint32_t> values{0, 2};
    std::vector<std::uint8_t> buf(elias_fano_max_bytes(2));
    buf.resize(elias_fano_encode(values.data(), 2, 4, buf.data()));
    EXPECT_EQ(buf, (std::vector<std::uint8_t>{0x00, 0x05}));
    EXPECT_EQ(elias_fano_low_bits(1, 1000000), 19U);
    EXPECT_EQ(elias_fano_low_bits(3, 2), 0U);
}

TEST(VByte, RoundTripAndTruncation) {
    const std::uint32_t cases[] = {0, 1, 127, 128, 16383, 16384, 1U << 21, 1U << 28, 0xffffffffU};
    for (std::uint32_t v : cases) {
        std::uint8_t buf[5];
        std::uint8_t* end = vbyte_encode(v, buf);
        std::uint32_t back = 0;
        EXPECT_EQ(vbyte_decode(buf, end, back), end);
        EXPECT_EQ(back, v);
        if (end - buf > 1) {
            EXPECT_EQ(vbyte_decode(buf, end - 1, back), nullptr) << "truncated code accepted";
        }
    }
    const std::uint8_t too_long[6] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    std::uint32_t v = 0;
    EXPECT_EQ(vbyte_decode(too_long, too_long + 6, v), nullptr);
}

// Expected values derived by hand from Lucene's SmallFloat.java (NUM_FREE_VALUES = 255 -
// longToInt4(Integer.MAX_VALUE) = 24): e.g. 100 -> 24 + longToInt4(76) = 24 + 33 = 57, and
// byte4ToInt(57) = 24 + (9 << 3) = 96.
TEST(SmallFloat, KnownLuceneValues) {
    for (std::uint32_t len = 0; len <= 40; ++len) {
        EXPECT_EQ(int_to_byte4(len), len) << "lengths 0..40 encode exactly";
        EXPECT_EQ(byte4_to_int(int_to_byte4(len)), len);
    }
    EXPECT_EQ(int_to_byte4(41), 40);
    EXPECT_EQ(int_to_byte4(42), 41);
    EXPECT_EQ(int_to_byte4(100), 57);
    EXPECT_EQ(byte4_to_int(57), 96U);
    EXPECT_EQ(int_to_byte4(1000), 87);
    EXPECT_EQ(byte4_to_int(87), 984U);
    EXPECT_EQ(int_to_byte4(0x7fffffffU), 255);
    EXPECT_EQ(byte4_to_int(255), 2013265944U);
}

TEST(SmallFloat, DecodeIsMonotoneAndInverse) {
    for (std::uint32_t b = 0; b < 256; ++b) {
        auto norm = static_cast<std::uint8_t>(b);
        EXPECT_EQ(int_to_byte4(byte4_to_int(norm)), norm);
        if (b > 0) {
            EXPECT_LT(byte4_to_int(static_cast<std::uint8_t>(b - 1)), byte4_to_int(norm));
        }
    }
    std::mt19937 rng(3);
    for (int i = 0; i < 10000; ++i) {
        std::uint32_t len = rng() % 5000000;
        EXPECT_LE(byte4_to_int(int_to_byte4(len)), len);
        if (int_to_byte4(len) < 255) {
            EXPECT_GT(byte4_to_int(static_cast<std::uint8_t>(int_to_byte4(len) + 1)), len);
        }
    }
}

}  // namespace
}  // namespace cascade::index
