// `cascade index` end to end through the real binary and the real analyzer/readers.

#include <gtest/gtest.h>

#include "index/index.hpp"
#include "tests/run_cli.hpp"

namespace cascade::index {
namespace {

using cascade::testing::run_cli;
using cascade::testing::TempDir;
using cascade::testing::write_file;

const char* kCorpus =
    R"({"_id": "d1", "title": "Cats", "text": "The cat sat on the mat."}
{"_id": "d2", "title": "", "text": "Dogs and cats are running."}
{"_id": "d3", "title": "Mats", "text": "A mat, a cat's mat."}
)";

TEST(IndexCli, BuildsFlatIndexWithEnglishAnalyzer) {
    TempDir tmp;
    write_file(tmp / "corpus.jsonl", kCorpus);
    auto r = run_cli("index --quiet --collection " + (tmp / "corpus.jsonl").string() + " --index " +
                     (tmp / "idx").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("3 docs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bytes/posting"), std::string::npos) << r.out;
    Index index = Index::open(tmp / "idx");
    ASSERT_EQ(index.num_docs(), 3U);
    const FieldIndex& f = index.field(0);
    EXPECT_EQ(f.name(), "contents");
    // "cats", "cat", "cat's" all stem to "cat"; "the" and "a" are stop words.
    auto cat = f.term("cat");
    ASSERT_TRUE(cat.has_value());
    EXPECT_EQ(cat->doc_freq, 3U);
    EXPECT_EQ(cat->total_term_freq, 4U);
    EXPECT_FALSE(f.term("the").has_value());
    EXPECT_EQ(f.length(0), 4U);  // cat cat sat mat
    EXPECT_EQ(index.document(2).title, "Mats");
    EXPECT_EQ(index.internal_id("d2"), 1U);
}

TEST(IndexCli, MultifieldAndErrors) {
    TempDir tmp;
    write_file(tmp / "corpus.jsonl", kCorpus);
    const std::string base = "index --quiet --collection " + (tmp / "corpus.jsonl").string();
    auto r = run_cli(base + " --fields title,text --positions --threads 2 --index " +
                     (tmp / "mf").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Index index = Index::open(tmp / "mf");
    ASSERT_EQ(index.num_fields(), 2U);
    EXPECT_EQ(index.field(0).stats().doc_count, 2U);  // d2 has no title
    EXPECT_TRUE(index.has_positions());

    r = run_cli(base + " --fields title,body --index " + (tmp / "x").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("body"), std::string::npos) << r.err;
    r = run_cli(base + " --analyzer klingon --index " + (tmp / "x").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = run_cli(base + " --threads 0 --index " + (tmp / "x").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = run_cli(base + " --memory-mb 17592186044416 --index " + (tmp / "x").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--memory-mb"), std::string::npos) << r.err;

    write_file(tmp / "dup.jsonl", std::string(kCorpus) + R"({"_id": "d2", "text": "again"})"
                                                         "\n");
    r = run_cli("index --quiet --collection " + (tmp / "dup.jsonl").string() + " --index " +
                (tmp / "x").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("duplicate document id 'd2'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("dup.jsonl"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp / "x"));
}

// Issue 3 ("Bad input"): a duplicate id names the id and the input line of the repeat, which
// differs from the document ordinal once blank lines or multi-line records are involved.
TEST(IndexCli, DuplicateIdNamesFileAndLine) {
    TempDir tmp;
    struct Case {
        const char* file;
        const char* content;
        const char* expected;
    };
    const Case cases[] = {
        {"c.jsonl",
         "{\"_id\": \"a\", \"text\": \"x\"}\n\n{\"_id\": \"b\", \"text\": \"y\"}\n\n"
         "{\"_id\": \"a\", \"text\": \"z\"}\n",
         "c.jsonl:5: duplicate document id 'a' (document #3, first seen as document #1)"},
        {"c.tsv", "id\ttext\na\tx\nb\ty\nb\tz\n",
         "c.tsv:4: duplicate document id 'b' (document #3, first seen as document #2)"},
        {"c.trec", "<DOC>\n<DOCNO> a </DOCNO>\nx\n</DOC>\n<DOC>\n<DOCNO> a </DOCNO>\ny\n</DOC>\n",
         "c.trec:5: duplicate document id 'a' (document #2, first seen as document #1)"},
    };
    for (const Case& c : cases) {
        write_file(tmp / c.file, c.content);
        auto r = run_cli("index --quiet --collection " + (tmp / c.file).string() + " --index " +
                         (tmp / "x").string());
        EXPECT_EQ(r.exit_code, 1) << c.file << ": " << r.err;
        EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.file << ": " << r.err;
        EXPECT_FALSE(std::filesystem::exists(tmp / "x")) << c.file;
    }
}

TEST(IndexCli, SciFactFlatStatistics) {
    auto shared = cascade::testing::shared_dir();
    if (shared.empty()) {
        GTEST_SKIP() << "no shared collections";
    }
    TempDir tmp;
    auto r = run_cli("index --quiet --threads 2 --collection " +
                     (shared / "data" / "scifact").string() + " --index " + (tmp / "idx").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Index index = Index::open(tmp / "idx");
    EXPECT_EQ(index.num_docs(), 5183U);
    EXPECT_EQ(index.field(0).stats().doc_count, 5183U);
    EXPECT_TRUE(index.internal_id("4983").has_value());
}

}  // namespace
}  // namespace cascade::index
