// Golden-file and error-path tests of `cascade eval` / `cascade compare` through the binary.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/run_cli.hpp"

using cascade::testing::run_cli;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

namespace {

const std::string kGolden = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/eval";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
    return s;
}

}  // namespace

TEST(EvalCli, GoldenOutputsMatchByteForByte) {
    std::ifstream cases(kGolden + "/cases.tsv");
    ASSERT_TRUE(cases) << "missing " << kGolden << "/cases.tsv";
    std::string line;
    int checked = 0;
    while (std::getline(cases, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const size_t tab = line.find('\t');
        ASSERT_NE(tab, std::string::npos) << line;
        const std::string expected = slurp(kGolden + "/" + line.substr(0, tab));
        const auto r = run_cli(replace_all(line.substr(tab + 1), "{dir}", kGolden));
        EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.err;
        EXPECT_EQ(r.out, expected) << line;
        ++checked;
    }
    EXPECT_GE(checked, 6);
}

TEST(EvalCli, DuplicateDocumentInJudgedQueryFailsWithLocation) {
    const auto r =
        run_cli("eval --qrels " + kGolden + "/qrels.txt --run " + kGolden + "/run_dup.txt");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("run_dup.txt: query 'q1' retrieves document 'd1' more than once"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(EvalCli, UnknownMeasureAndBadCutoffsAreUsageErrors) {
    const std::string files = " --qrels " + kGolden + "/qrels.txt --run " + kGolden + "/run.txt";
    EXPECT_EQ(run_cli("eval" + files + " -m no_such_measure").exit_code, 2);
    EXPECT_EQ(run_cli("eval" + files + " -m P.0").exit_code, 2);
    EXPECT_EQ(run_cli("eval" + files + " -m P.5,5").exit_code, 2);
    EXPECT_EQ(run_cli("eval" + files + " -m map.3").exit_code, 2);
    EXPECT_EQ(run_cli("eval" + files + " --trec-eval-version 8").exit_code, 2);
}

TEST(EvalCli, NoCommonQueriesIsARuntimeError) {
    TempDir dir;
    write_file(dir / "q.txt", "1 0 a 1\n");
    write_file(dir / "r.txt", "2 Q0 a 1 1.0 x\n");
    const auto r =
        run_cli("eval --qrels " + (dir / "q.txt").string() + " --run " + (dir / "r.txt").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no queries with both results and relevance judgments"),
              std::string::npos);
}

TEST(EvalCli, MalformedRunLineNamesFileAndLine) {
    TempDir dir;
    write_file(dir / "r.txt", "q1 Q0 d1 1 1.0 x\nq1 Q0 d2 2 notanumber x\n");
    const auto r =
        run_cli("eval --qrels " + kGolden + "/qrels.txt --run " + (dir / "r.txt").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("r.txt:2:"), std::string::npos) << r.err;
}

TEST(CompareCli, IdenticalRunsTieEverywhere) {
    const auto r = run_cli("compare --qrels " + kGolden + "/qrels.txt " + kGolden + "/run.txt " +
                           kGolden + "/run.txt --trials 1000 --summary-only");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("map                2    0.1825    0.1825   +0.0000      0      2      0"
                         "     1.0000     1.0000"),
              std::string::npos)
        << r.out;
}

TEST(CompareCli, PerQueryTableShowsDifferences) {
    TempDir dir;
    // B puts the grade-2 document first for q1; d9 outranks d2 on their tied score.
    write_file(dir / "b.txt",
               "q1 Q0 d1 1 9 b\nq1 Q0 d3 2 5 b\nq1 Q0 d2 3 2 b\nq1 Q0 d9 4 2 b\nq1 Q0 d4 5 1 b\n"
               "q2 Q0 e1 1 3 b\n");
    const auto r = run_cli("compare --qrels " + kGolden + "/qrels.txt " + kGolden + "/run.txt " +
                           (dir / "b.txt").string() + " -m map --trials 500 --seed 7");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // A's q1 AP is 0.3651; B's relevant ranks are 1, 4, 5: (1 + 2/4 + 3/5) / 3 = 0.7000.
    EXPECT_NE(r.out.find("q1       0.3651    0.7000   +0.3349"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("q2       0.0000    0.0000   +0.0000"), std::string::npos) << r.out;
}

TEST(CompareCli, SubsetSplitsTheComparison) {
    TempDir dir;
    write_file(dir / "qrels.tsv",
               "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td1\t1\nq3\td1\t1\n"
               "q4\td1\t1\n");
    write_file(dir / "a.run",
               "q1 Q0 d2 1 2 a\nq1 Q0 d1 2 1 a\nq2 Q0 d2 1 2 a\nq2 Q0 d1 2 1 a\n"
               "q3 Q0 d2 1 2 a\nq3 Q0 d1 2 1 a\nq4 Q0 d2 1 2 a\nq4 Q0 d1 2 1 a\n");
    // B moves d1 to the top for q1, q2, q3; q4 is unchanged.
    write_file(dir / "b.run",
               "q1 Q0 d1 1 2 b\nq1 Q0 d2 2 1 b\nq2 Q0 d1 1 2 b\nq2 Q0 d2 2 1 b\n"
               "q3 Q0 d1 1 2 b\nq3 Q0 d2 2 1 b\nq4 Q0 d2 1 2 b\nq4 Q0 d1 2 1 b\n");
    // A qrels-like subset file (BEIR header, repeated id, an id no run has) and a plain list.
    write_file(dir / "subset.tsv",
               "query-id\tcorpus-id\tscore\nq1\tx\t1\nq1\ty\t1\nq2\tz\t1\n"
               "q9\tz\t1\n");
    write_file(dir / "list.txt", "# comment\nq1\n\nq2\nq9\n");
    const std::string base = "compare --qrels " + (dir / "qrels.tsv").string() + " " +
                             (dir / "a.run").string() + " " + (dir / "b.run").string() +
                             " -m P.1 --trials 1000 --summary-only --subset ";
    for (const std::string file : {"subset.tsv", "list.txt"}) {
        const auto r = run_cli(base + (dir / file).string());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("all: 4 compared queries\n"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("P_1            4    0.0000    0.7500   +0.7500      3      1      0"),
                  std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("subset " + (dir / file).string() + ": 2 queries (3 ids in the file)"),
                  std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("P_1            2    0.0000    1.0000   +1.0000      2      0      0"),
                  std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("complement of " + (dir / file).string() + ": 2 queries\n"),
                  std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("P_1            2    0.0000    0.5000   +0.5000      1      1      0"),
                  std::string::npos)
            << r.out;
    }
    write_file(dir / "empty.txt", "# nothing\n\n");
    const auto r = run_cli(base + (dir / "empty.txt").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no query id"), std::string::npos) << r.err;
}
