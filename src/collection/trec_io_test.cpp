#include <gtest/gtest.h>

#include "collection/test_support.hpp"
#include "collection/trec_io.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

using namespace cascade;
using cascade::testing::expect_input_error;
using cascade::testing::TempDir;
using cascade::testing::write_file;

TEST(Qrels, ReadsTrecAndBeirLayouts) {
    TempDir dir;
    write_file(dir / "a.txt", "1 0 d1 1\n1 0 d2 0\n2 Q0 d3 2\n");
    write_file(dir / "b.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n2\td3\t2\n");
    auto a = read_qrels((dir / "a.txt").string());
    auto b = read_qrels((dir / "b.tsv").string());
    EXPECT_EQ(a.num_judgments(), 3U);
    EXPECT_EQ(a.by_query.at("2").at("d3"), 2);
    EXPECT_EQ(b.num_judgments(), 2U);
    EXPECT_EQ(b.by_query.at("1").at("d1"), 1);
}

TEST(Qrels, MalformedLineNamesFileLineAndField) {
    TempDir dir;
    write_file(dir / "q.txt", "1 0 d1 1\n1 0 d2 x\n");
    expect_input_error([&] { (void)read_qrels((dir / "q.txt").string()); }, {"q.txt:2:", "'rel'"});
}

TEST(Run, RoundTripsAndKeepsFileOrder) {
    TempDir dir;
    write_file(dir / "r.txt", "1 Q0 b 1 2.5 tag\n1 Q0 a 2 3.0 tag\n2 Q0 c 1 1 tag\n");
    auto run = read_run((dir / "r.txt").string());
    ASSERT_EQ(run.by_query.at("1").size(), 2U);
    EXPECT_EQ(run.by_query.at("1")[0].docid, "b");
    EXPECT_DOUBLE_EQ(run.by_query.at("1")[1].score, 3.0);
    EXPECT_EQ(run.tag, "tag");
    write_run((dir / "w.txt").string(), run);
    auto again = read_run((dir / "w.txt").string());
    EXPECT_EQ(again.num_entries(), 3U);
    EXPECT_EQ(again.by_query.at("1")[1].rank, 2);
}

TEST(Run, WrongFieldCountIsError) {
    TempDir dir;
    write_file(dir / "r.txt", "1 Q0 b 1\n");
    EXPECT_THROW((void)read_run((dir / "r.txt").string()), InputError);
}

TEST(Qrels, RepeatedPairIsErrorNamingLineAndPair) {
    TempDir dir;
    write_file(dir / "q.txt", "1 0 d1 1\n1 0 d2 0\n2 0 d1 1\n1 0 d2 2\n");
    expect_input_error([&] { (void)read_qrels((dir / "q.txt").string()); },
                       {"q.txt:4:", "duplicate judgment for query '1' document 'd2'"});
}

TEST(Qrels, HashLinesAreComments) {
    TempDir dir;
    write_file(dir / "q.txt", "# judged by NIST\n1 0 d1 1\n#1 0 d2 1\n");
    auto q = read_qrels((dir / "q.txt").string());
    EXPECT_EQ(q.num_judgments(), 1U);
    EXPECT_EQ(q.by_query.at("1").at("d1"), 1);
}

TEST(Run, CommentLinesSkippedAndRunIdIsLastLinesTag) {
    TempDir dir;
    write_file(dir / "r.txt",
               "# run header\n1 Q0 a 1 2 first\n  # indented comment\n\n"
               "2 Q0 b 1 1 last\n");
    auto run = read_run((dir / "r.txt").string());
    EXPECT_EQ(run.num_entries(), 2U);
    EXPECT_EQ(run.tag, "last");
}
