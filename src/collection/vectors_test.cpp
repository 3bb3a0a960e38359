// Vector files: .npy (float32, float16), .fvecs and JSONL read back exactly; every malformed
// file refused with an error naming the file and the vector or line.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "collection/vectors.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade {
namespace {

using cascade::testing::TempDir;

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

std::string npy(const std::string& descr, const std::string& shape, const std::string& data,
                bool fortran = false) {
    std::string header = "{'descr': '" + descr +
                         "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    return out + header + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
    return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

std::string error_of(const std::filesystem::path& p) {
    try {
        (void)read_vectors(p);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(VectorFiles, NpyFloat32AndFloat16) {
    TempDir tmp;
    const std::vector<float> v{1.5F, -2.0F, 0.25F, 3.0F, 0.0F, -0.125F};
    write_bytes(tmp / "a.npy", npy("<f4", "(2, 3)", raw(v)));
    const VectorSet a = read_vectors(tmp / "a.npy");
    EXPECT_EQ(a.dim, 3U);
    EXPECT_EQ(a.size(), 2U);
    EXPECT_EQ(a.values, v);
    EXPECT_TRUE(a.ids.empty());
    // float16 bit patterns of the same values (1.5 = 0x3e00, -2 = 0xc000, ...), a subnormal.
    const std::vector<std::uint16_t> h{0x3e00, 0xc000, 0x3400, 0x4200, 0x0000, 0x0001};
    write_bytes(tmp / "h.npy", npy("<f2", "(3, 2)", raw(h)));
    const VectorSet b = read_vectors(tmp / "h.npy");
    EXPECT_EQ(b.dim, 2U);
    ASSERT_EQ(b.values.size(), 6U);
    for (std::size_t i = 0; i < 5; ++i)
        EXPECT_EQ(b.values[i], v[i]) << i;
    EXPECT_FLOAT_EQ(b.values[5], std::ldexp(1.0F, -24));
}

TEST(VectorFiles, BadNpyIsRefused) {
    TempDir tmp;
    const std::vector<float> v(6, 1.0F);
    write_bytes(tmp / "d.npy", npy("<f8", "(2, 3)", raw(v)));
    EXPECT_NE(error_of(tmp / "d.npy").find("dtype"), std::string::npos);
    write_bytes(tmp / "s.npy", npy("<f4", "(6,)", raw(v)));
    EXPECT_NE(error_of(tmp / "s.npy").find("shape"), std::string::npos);
    write_bytes(tmp / "t.npy", npy("<f4", "(3, 3)", raw(v)));
    EXPECT_NE(error_of(tmp / "t.npy").find("data bytes"), std::string::npos);
    write_bytes(tmp / "f.npy", npy("<f4", "(2, 3)", raw(v), true));
    EXPECT_NE(error_of(tmp / "f.npy").find("Fortran"), std::string::npos);
    std::vector<float> nan = v;
    nan[4] = std::nanf("");
    write_bytes(tmp / "n.npy", npy("<f4", "(2, 3)", raw(nan)));
    const std::string e = error_of(tmp / "n.npy");
    EXPECT_NE(e.find("vector 1"), std::string::npos) << e;
    EXPECT_NE(e.find("n.npy"), std::string::npos) << e;
    write_bytes(tmp / "x.npy", "not numpy at all");
    EXPECT_NE(error_of(tmp / "x.npy").find("magic"), std::string::npos);
}

TEST(VectorFiles, Fvecs) {
    TempDir tmp;
    std::string bytes;
    for (int r = 0; r < 3; ++r) {
        const std::int32_t d = 2;
        bytes += raw(std::vector<std::int32_t>{d});
        bytes += raw(std::vector<float>{static_cast<float>(r), 0.5F});
    }
    write_bytes(tmp / "a.fvecs", bytes);
    const VectorSet a = read_vectors(tmp / "a.fvecs");
    EXPECT_EQ(a.dim, 2U);
    EXPECT_EQ(a.values, (std::vector<float>{0, 0.5F, 1, 0.5F, 2, 0.5F}));
    write_bytes(tmp / "t.fvecs", bytes.substr(0, bytes.size() - 3));
    EXPECT_NE(error_of(tmp / "t.fvecs").find("vector 2: truncated"), std::string::npos);
    std::string mixed = bytes + raw(std::vector<std::int32_t>{3}) + raw(std::vector<float>(3, 1));
    write_bytes(tmp / "m.fvecs", mixed);
    EXPECT_NE(error_of(tmp / "m.fvecs").find("vector 3: dimension 3"), std::string::npos);
}

TEST(VectorFiles, JsonlWithIds) {
    TempDir tmp;
    write_bytes(tmp / "a.jsonl",
                "{\"id\": \"d1\", \"vector\": [1, 2.5]}\n\n"
                "{\"id\": 7, \"vector\": [-1e-3, 0]}\n");
    const VectorSet a = read_vectors(tmp / "a.jsonl");
    EXPECT_EQ(a.dim, 2U);
    EXPECT_EQ(a.ids, (std::vector<std::string>{"d1", "7"}));
    EXPECT_EQ(a.values, (std::vector<float>{1, 2.5F, -1e-3F, 0}));
    const std::vector<std::pair<std::string, std::string>> bad{
        {"{\"id\": \"a\", \"vector\": [1, 2]}\n{\"id\": \"b\", \"vector\": [1]}\n", ":2:"},
        {"{\"id\": \"a\", \"vector\": [1, 2]}\n{\"id\": \"a\", \"vector\": [1, 3]}\n", "twice"},
        {"{\"id\": \"a\", \"vector\": [1, \"x\"]}\n", "not a number"},
        {"{\"id\": \"a\", \"vector\": [1, 1e39]}\n", "finite"},
        {"{\"id\": \"a\"}\n", "expected"},
        {"{oops\n", "not JSON"},
    };
    for (const auto& [text, what] : bad) {
        write_bytes(tmp / "b.jsonl", text);
        const std::string e = error_of(tmp / "b.jsonl");
        EXPECT_NE(e.find(what), std::string::npos) << text << " -> " << e;
        EXPECT_NE(e.find("b.jsonl"), std::string::npos) << e;
    }
    write_bytes(tmp / "v.txt", "1 2 3\n");
    EXPECT_NE(error_of(tmp / "v.txt").find("unknown vector file type"), std::string::npos);
}

}  // namespace
}  // namespace cascade
