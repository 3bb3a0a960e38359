// Pins the on-disk layout of docs/formats/index.md with byte sequences derived by hand from
// the spec, so a format change cannot slip in without a version bump.

#include <gtest/gtest.h>

#include "index/block_codec.hpp"
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
    h.insert(h.end(), {static_cast<std::uint8_t>(format_version_of(magic)), 0, 0, 0, 0, 0, 0, 0});
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

TEST(IndexFormat, ShortListsAreEliasFanoCodedBelowTheDocumentCount) {
    TempDir tmp;
    build({{"x", "", "a b"}, {"y", "", "b"}, {"z", "", "a a a"}, {"w", "", "c c"}}, tmp / "idx");
    auto expected = header(kPostingsMagic);
    // 4 documents. "a": docids 0, 2 -> L = floor(log2(4 / 2)) = 1; low bits 0, 0 -> 0x00;
    // high parts 0, 1 set bits 0 and 2 -> 0x05; freqs 1, 3: max_freq 3, so freqs-1 0, 2 at
    // 2 bits -> 0x08.
    expected.insert(expected.end(), {0x00, 0x05, 0x08});
    // "b": docids 0, 1 -> L = 1; low bits 0, 1 -> 0x02; high parts 0, 0 set bits 0, 1 ->
    // 0x03; every freq 1: nothing more.
    expected.insert(expected.end(), {0x02, 0x03});
    // "c": docid 3 -> L = 2; low bits 3 -> 0x03; high part 0 -> 0x01; freq 2 -> 1 at 1 bit.
    expected.insert(expected.end(), {0x03, 0x01, 0x01});
    expected.insert(expected.end(), kReadPadding, 0);  // the file's zero padding
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
    // Two blocks -> a 2 x 14-byte block table: u32 last_docid, u32 data_end, u16 max_freq,
    // u16 best_freq, u8 best_norm, u8 min_norm.
    auto put32 = [&expected](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            expected.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    };
    put32(127), put32(2), expected.insert(expected.end(), {1, 0, 1, 0, 1, 1});
    put32(128), put32(4), expected.insert(expected.end(), {1, 0, 1, 0, 1, 1});
    // Full block: two patched sections without exceptions, gaps and freqs-1 at width 0.
    expected.insert(expected.end(), {0, 0});
    expected.insert(expected.end(), {0x40, 0});  // tail: width 0, every freq 1, first gap 0
    expected.insert(expected.end(), kReadPadding, 0);
    EXPECT_EQ(bytes_of(tmp / "idx" / "f0.postings"), expected);
}

TEST(IndexFormat, BlockFreqsPastSixteenBitsFallBackToTheListsOwnBounds) {
    // Block 0 holds a posting of freq 70000 (more than the table's u16 holds), block 1 only
    // freq 1: block 0 reports the list's max_freq and best pair (upper bounds of its own),
    // block 1 its exact values.
    TempDir tmp;
    std::vector<Document> docs;
    std::string many;
    for (int i = 0; i < 70000; ++i) {
        many += "x ";
    }
    docs.push_back({"d0", "", many});
    for (int d = 1; d < 130; ++d) {
        docs.push_back({"d" + std::to_string(d), "", "x"});
    }
    build(docs, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    const FieldIndex& field = index.field(0);
    auto info = field.term("x");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->max_freq, 70000U);
    PostingCursor cursor = field.postings(*info);
    EXPECT_EQ(cursor.freq(), 70000U);
    EXPECT_EQ(cursor.block_max_freq(), 70000U);
    EXPECT_EQ(cursor.block_max_freq_norm().first, info->best_freq);
    EXPECT_EQ(cursor.block_max_freq_norm().second, info->best_norm);
    cursor.next_geq(128);
    ASSERT_EQ(cursor.docid(), 128U);
    EXPECT_EQ(cursor.block_max_freq(), 1U);
    EXPECT_EQ(cursor.block_max_freq_norm().first, 1U);
    std::uint32_t count = 0;
    for (PostingCursor c = field.postings(*info); c.docid() < index.num_docs(); c.next()) {
        EXPECT_EQ(c.freq(), c.docid() == 0 ? 70000U : 1U);
        ++count;
    }
    EXPECT_EQ(count, 130U);
}

}  // namespace
}  // namespace cascade::index
