// Block codec and SmallFloat tests: round trips on random data, edge widths, known values.

#include <gtest/gtest.h>

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
