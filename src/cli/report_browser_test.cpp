// `cascade report` end to end: the CLI writes a report for a small fixed input, headless
// Chromium renders it, and the test checks the marks each chart drew, that the page logged
// nothing to the console (no script error), and that a screenshot was taken. Skipped when
// `chromium` is not installed (scripts/setup installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/run_cli.hpp"

namespace {

using cascade::testing::run_cli;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

/// q1..q3 judged; precision at 1 of A: 1, 0, 1 and of B: 0, 1, 1.
constexpr const char* kQrels = "q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\nq3 0 d4 1\nq4 0 d9 1\n";
/// Scores 3, 2, 1, 0.5, 2.5: five different bins of the 20 over [0.5, 3].
constexpr const char* kRunA =
    "q1 Q0 d1 1 3.0 a\nq1 Q0 d2 2 2.0 a\nq2 Q0 d5 1 1.0 a\nq2 Q0 d3 2 0.5 a\nq3 Q0 d4 1 2.5 a\n";
/// Scores 4, 3.5, 1.5, 1, 2, 1: five different bins of the 20 over [1, 4]. x9 is not judged.
constexpr const char* kRunB =
    "q1 Q0 d2 1 4.0 b\nq1 Q0 d1 2 3.5 b\nq2 Q0 d3 1 1.5 b\nq2 Q0 d5 2 1.0 b\nq3 Q0 d4 1 2.0 b\n"
    "x9 Q0 d1 1 1.0 b\n";
constexpr const char* kTimings =
    "stage\tqueries\tp50_ms\tp95_ms\ttotal_s\tndcg_10\trecall_100\tmap\n"
    "bm25\t3\t1.000\t2.000\t0.003000\t0.5000\t0.8000\t0.4000\n"
    "rerank\t3\t10.000\t20.000\t0.030000\t0.6000\t0.9000\t0.5000\n";

bool have_chromium() {
    return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

std::string chromium(const std::filesystem::path& profile, const std::string& args) {
    return "timeout 180 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir=" +
           profile.string() + " --enable-logging=stderr --v=0 " + args;
}

class ReportCli : public ::testing::Test {
protected:
    TempDir dir;
    void SetUp() override {
        write_file(dir / "qrels.txt", kQrels);
        write_file(dir / "a.run", kRunA);
        write_file(dir / "b.run", kRunB);
        write_file(dir / "timings.tsv", kTimings);
    }
    [[nodiscard]] std::string files() const {
        return "--qrels " + (dir / "qrels.txt").string() + " --run " + (dir / "a.run").string() +
               " --run " + (dir / "b.run").string();
    }
};

TEST_F(ReportCli, WritesOneSelfContainedPage) {
    const auto r = run_cli("report " + files() + " --timings " + (dir / "timings.tsv").string() +
                           " --depths 1,2,10 --trials 1000 --out " + (dir / "r.html").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string html = slurp(dir / "r.html");
    EXPECT_EQ(html.find("<script src"), std::string::npos);
    EXPECT_NE(html.find("data-chart=\"latency\""), std::string::npos);
    EXPECT_NE(html.find("<title>b.run: R@1 = 0.6667</title>"), std::string::npos);
}

TEST_F(ReportCli, BadInputIsAClearError) {
    write_file(dir / "bad.tsv", std::string(kTimings) + "rm3\t3\tslow\t1\t1\t-\t-\t-\n");
    auto r = run_cli("report " + files() + " --timings " + (dir / "bad.tsv").string() + " --out " +
                     (dir / "r.html").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("bad.tsv:4: p50_ms"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "r.html"));
    r = run_cli("report --qrels " + (dir / "qrels.txt").string() + " --out " +
                (dir / "r.html").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    write_file(dir / "stray.run", "zz Q0 d1 1 1.0 s\n");
    r = run_cli("report " + files() + " --run " + (dir / "stray.run").string() + " --out " +
                (dir / "r.html").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("stray.run"), std::string::npos) << r.err;
}

TEST_F(ReportCli, RendersInChromiumWithTheExpectedMarks) {
    if (!have_chromium()) {
        GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
    }
    const std::filesystem::path html = dir / "r.html";
    const auto r = run_cli("report " + files() + " --timings " + (dir / "timings.tsv").string() +
                           " --depths 1,2,10 --trials 1000 --out " + html.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string url = "file://" + html.string();
    const int dumped =
        std::system((chromium(dir / "profile", "--dump-dom " + url) + " >" +
                     (dir / "dom.html").string() + " 2>" + (dir / "console.log").string())
                        .c_str());
    ASSERT_EQ(dumped, 0) << slurp(dir / "console.log");
    const std::string dom = slurp(dir / "dom.html");
    // Counted by the page's own script after rendering: 3 judged queries compared, 2 runs x 3
    // depths, 2 timed stages, 5 + 5 non-empty score bins.
    EXPECT_NE(dom.find("data-mark-counts=\"delta=3 recall=6 latency=2 scores=10\""),
              std::string::npos)
        << dom.substr(0, 2000);
    // Chromium logs every console message (errors, uncaught exceptions) as CONSOLE lines.
    const std::string console = slurp(dir / "console.log");
    EXPECT_EQ(console.find(":CONSOLE"), std::string::npos) << console;
    EXPECT_EQ(console.find("Uncaught"), std::string::npos) << console;

    // Kept beside the test binary for a look: build/src/cli/report_browser_test.png.
    const std::filesystem::path png = std::filesystem::absolute("report_browser_test.png");
    std::filesystem::remove(png);
    const int shot = std::system((chromium(dir / "profile", "--screenshot=" + png.string() +
                                                                " --window-size=1200,2400 " + url) +
                                  " >/dev/null 2>&1")
                                     .c_str());
    ASSERT_EQ(shot, 0);
    ASSERT_TRUE(std::filesystem::exists(png));
    const std::string bytes = slurp(png);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(bytes.size(), 20000U);  // a blank 1200x2400 page compresses to a few KB
}

/// `cascade run --timings --report` on the bundled SciFact, then `cascade report` over the
/// stage runs and timings it wrote.
TEST(ReportRun, PipelineWritesTimingsAndReport) {
    const std::string scifact = std::string(CASCADE_SOURCE_DIR) + "/data/scifact";
    const std::string qrels = scifact + "/qrels/test.tsv";
    TempDir dir;
    auto r =
        run_cli("index --quiet --collection " + scifact + " --index " + (dir / "idx").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string run = "run --pipeline " + std::string(CASCADE_SOURCE_DIR) +
                            "/examples/pipelines/bm25_rm3.yaml --index " + (dir / "idx").string() +
                            " --queries " + scifact + "/queries.jsonl.gz --qids-from " + qrels +
                            " --run " + (dir / "final.run").string();
    r = run_cli(run + " --report " + (dir / "r.html").string());
    EXPECT_EQ(r.exit_code, 2) << "--report without --qrels";
    r = run_cli(run + " --qrels " + qrels + " --stage-runs " + (dir / "stages").string() +
                " --timings " + (dir / "timings.tsv").string() + " --report " +
                (dir / "run.html").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // BM25 on SciFact: Anserini's nDCG@10 0.6789, R@100 0.9253 (docs/pipelines.md).
    const std::string timings = slurp(dir / "timings.tsv");
    EXPECT_EQ(timings.rfind("stage\tqueries\tp50_ms", 0), 0U) << timings;
    EXPECT_NE(timings.find("\nbm25\t300\t"), std::string::npos) << timings;
    EXPECT_NE(timings.find("\t0.6789\t0.9253\t0.6401\n"), std::string::npos) << timings;
    EXPECT_NE(timings.find("\nrm3\t300\t"), std::string::npos) << timings;
    const std::string html = slurp(dir / "run.html");
    EXPECT_NE(html.find("data-chart=\"delta\""), std::string::npos);
    EXPECT_NE(html.find("data-chart=\"latency\""), std::string::npos);
    EXPECT_NE(html.find("<td>bm25 <span class=\"p\">(baseline)</span></td><td>0.6789"),
              std::string::npos);
    // The same page from the files: stage runs named by their files, one latency mark each.
    r = run_cli("report --qrels " + qrels + " --stage-runs " + (dir / "stages").string() +
                " --timings " + (dir / "timings.tsv").string() + " --out " +
                (dir / "files.html").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string files = slurp(dir / "files.html");
    EXPECT_NE(files.find("<td>01_bm25 <span class=\"p\">(baseline)</span></td><td>0.6789"),
              std::string::npos);
    EXPECT_NE(files.find("<title>rm3: "), std::string::npos);
}

}  // namespace
