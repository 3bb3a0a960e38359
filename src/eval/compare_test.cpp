// Restricting a comparison to a query subset and its complement, and reading subset files.
#include <gtest/gtest.h>

#include "eval/compare.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::eval {
namespace {

TEST(CompareSubset, SubsetAndComplementPartitionTheQueries) {
    const Qrels qrels = [] {
        Qrels q;
        for (const char* id : {"q1", "q2", "q3", "q4", "q5"}) {
            q.by_query[id]["rel"] = 1;
        }
        return q;
    }();
    cascade::Run a;
    cascade::Run b;
    // A finds the relevant document at rank 2 everywhere; B at rank 1 for q1-q3, rank 3 for q4.
    for (const char* id : {"q1", "q2", "q3", "q4", "q5"}) {
        a.by_query[id] = {{"x", 2.0, 1}, {"rel", 1.0, 2}};
    }
    for (const char* id : {"q1", "q2", "q3"}) {
        b.by_query[id] = {{"rel", 2.0, 1}, {"x", 1.0, 2}};
    }
    b.by_query["q4"] = {{"x", 3.0, 1}, {"y", 2.0, 2}, {"rel", 1.0, 3}};
    b.by_query["q5"] = a.by_query["q5"];
    CompareOptions options;
    options.measures = {"recip_rank"};
    options.trials = 2000;
    const auto all = compare_runs(qrels, a, b, options);
    const std::vector<std::string> subset = {"q1", "q4", "q9"};
    const auto in = restrict_comparison(all, subset, false, options);
    const auto out = restrict_comparison(all, subset, true, options);
    ASSERT_EQ(in.size(), 1U);
    EXPECT_EQ(in[0].qids, (std::vector<std::string>{"q1", "q4"}));
    EXPECT_EQ(out[0].qids, (std::vector<std::string>{"q2", "q3", "q5"}));
    EXPECT_EQ(in[0].wins + in[0].ties + in[0].losses, 2U);
    EXPECT_EQ(in[0].wins, 1U);
    EXPECT_EQ(in[0].losses, 1U);
    EXPECT_EQ(out[0].wins, 2U);
    EXPECT_EQ(out[0].ties, 1U);
    EXPECT_DOUBLE_EQ(in[0].mean_a, 0.5);
    EXPECT_DOUBLE_EQ(in[0].mean_b, (1.0 + 1.0 / 3.0) / 2.0);
    EXPECT_DOUBLE_EQ(out[0].mean_b, (1.0 + 1.0 + 0.5) / 3.0);
    // Recomputed tests: the complement's t-test is over its own three differences.
    EXPECT_EQ(out[0].t_test.n, 3U);
    // Weighted means of the parts give the whole.
    EXPECT_NEAR(in[0].mean_b * 2 + out[0].mean_b * 3, all[0].mean_b * 5, 1e-12);
}

TEST(CompareSubset, ReadsIdListsAndQrelsLikeFiles) {
    cascade::testing::TempDir dir;
    cascade::testing::write_file(dir / "q.tsv",
                                 "query-id\tcorpus-id\tscore\n3\tx\t1\n1\ty\t1\n3\tz\t1\n");
    EXPECT_EQ(read_query_subset((dir / "q.tsv").string()), (std::vector<std::string>{"3", "1"}));
    cascade::testing::write_file(dir / "trec.txt", "7 0 d1 1\n 8 0 d2 0\n# note\n\n");
    EXPECT_EQ(read_query_subset((dir / "trec.txt").string()), (std::vector<std::string>{"7", "8"}));
    cascade::testing::write_file(dir / "empty.txt", "\n# nothing\n");
    EXPECT_THROW((void)read_query_subset((dir / "empty.txt").string()), InputError);
    EXPECT_THROW((void)read_query_subset((dir / "absent.txt").string()), Error);
}

}  // namespace
}  // namespace cascade::eval
