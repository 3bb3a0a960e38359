// Pins the on-disk layout of docs/formats/index.md with byte sequences derived by hand from
// the spec, so a format change cannot slip in without a version bump.

#include <gtest/gtest.h>

#include "index/builder.hpp"
#include "index/format.hpp"
#include "index/index.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"

namespace cascade::index {
namespace {

using cascade::testing::slurp;
using cascade::testing::TempDir;

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& p) {
    std::string s = slurp(p);
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> header(std::string_view magic) {
    std::vector<std::uint8_t> h(magic.begin(), magic.end());
    h.insert(h.end(), {static_cast<std::uint8_t>(kFormatVersion), 0, 0, 0, 0, 0, 0, 0});
    return h;
}

void build(std::vector<Document> docs, const std::filesystem::path& dir) {
    testing::VectorReader reader(std::move(docs));
    testing::WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    options.fields = {"text"};
    build_index(reader, analyzer, dir, options);
}

TEST(IndexFormat, TailBlocksAreBitPackedOrVarintsWhicheverIsSmaller) {
    TempDir tmp;
    build({{"x", "", "a b"}, {"y", "", "b"}, {"z", "", "a a a"}, {"w", "", "c c"}}, tmp / "idx");
    auto expected = header(kPostingsMagic);
    // "a": docids 0, 2 -> gaps 0, 1; freqs 1, 3 -> 0, 2 (2 bits): packed, 5 bytes (varints
    // take 5 too, and ties go to varints): 0x80, gaps 0 1, freqs-1 0 2.
    expected.insert(expected.end(), {0x80, 0, 1, 0, 2});
    // "b": docids 0, 1 -> gaps 0, 0; every freq 1: packed is 2 bytes: width 0 | 0x40, first
    // gap 0 (varints: 5).
    expected.insert(expected.end(), {0x40, 0});
    // "c": docid 3, freq 2: packed would take 4 bytes (0, 1, 3, 0x01), varints 3.
    expected.insert(expected.end(), {0x80, 3, 1});
    EXPECT_EQ(bytes_of(tmp / "idx" / "f0.postings"), expected);

    auto lex = header(kLexiconMagic);
    lex.insert(lex.end(), {'a', 'b', 'c'});
    for (std::uint64_t v : {0ULL, 1ULL, 2ULL, 3ULL, 3ULL}) {  // offsets[0..3], then num_terms
        for (int i = 0; i < 8; ++i) {
            lex.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    }
    EXPECT_EQ(bytes_of(tmp / "idx" / "f0.lex"), lex);

    auto norms = header(kNormsMagic);
    norms.insert(norms.end(), {2, 1, 3, 2});  // norm bytes (4: no padding)
    norms.insert(norms.end(), {2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0});
    EXPECT_EQ(bytes_of(tmp / "idx" / "f0.norms"), norms);
}

TEST(IndexFormat, FullBlockOfConstantGapsPacksToWidthZero) {
    TempDir tmp;
    std::vector<Document> docs;
    for (int d = 0; d < 129; ++d) {
        docs.push_back({"d" + std::to_string(d), "", "x"});
    }
    build(docs, tmp / "idx");
    auto expected = header(kPostingsMagic);
    // Two blocks -> a 2 x 20-byte block table: last_docid, data_end, max_freq, best_freq,
    // best_norm, min_norm, reserved.
    auto put32 = [&expected](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            expected.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    };
    put32(127), put32(2), put32(1), put32(1), expected.insert(expected.end(), {1, 1, 0, 0});
    put32(128), put32(4), put32(1), put32(1), expected.insert(expected.end(), {1, 1, 0, 0});
    expected.insert(expected.end(), {0, 0});     // full block: doc width 0, freq width 0
    expected.insert(expected.end(), {0x40, 0});  // tail: width 0, every freq 1, first gap 0
    EXPECT_EQ(bytes_of(tmp / "idx" / "f0.postings"), expected);
}

}  // namespace
}  // namespace cascade::index
