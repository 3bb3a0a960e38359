/// `cascade run` end to end on the bundled SciFact: BM25 reproduces Anserini's flat
/// nDCG@10 0.6789 / R@100 0.9253 through the pipeline, stage runs are written, a bad pipeline
/// file fails with its line, and --query prints titles.
#include <gtest/gtest.h>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

const std::string kSource = CASCADE_SOURCE_DIR;
const std::string kScifact = kSource + "/data/scifact";

class RunCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = new TempDir();
        CliResult r = run_cli("index --collection " + kScifact + " --index " +
                              (s_dir->path() / "idx").string());
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    static void TearDownTestSuite() { delete s_dir; }
    static std::string index() { return (s_dir->path() / "idx").string(); }
    static std::string common() {
        return " --index " + index() + " --queries " + kScifact + "/queries.jsonl.gz" +
               " --qids-from " + kScifact + "/qrels/test.tsv --qrels " + kScifact +
               "/qrels/test.tsv";
    }
    static TempDir* s_dir;
};
TempDir* RunCli::s_dir = nullptr;

TEST_F(RunCli, Bm25ThenRm3WithStageRuns) {
    TempDir out;
    CliResult r = run_cli("run --pipeline " + kSource + "/examples/pipelines/bm25_rm3.yaml" +
                          common() + " --run " + (out / "final.run").string() + " --stage-runs " +
                          (out / "stages").string() + " --threads 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Anserini's BEIR flat regression for SciFact: nDCG@10 0.6789, R@100 0.9253.
    EXPECT_NE(r.out.find("0.6789   0.9253"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nrm3 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pipeline overhead"), std::string::npos);
    const std::string final_run = slurp(out / "final.run");
    EXPECT_EQ(final_run, slurp(out / "stages" / "02_rm3.run"));
    EXPECT_NE(final_run, slurp(out / "stages" / "01_bm25.run"));
    EXPECT_NE(final_run.find(" Q0 "), std::string::npos);
    // The final run evaluates to the table's last row.
    CliResult e = run_cli("eval -m ndcg_cut.10 -c --qrels " + kScifact + "/qrels/test.tsv --run " +
                          (out / "final.run").string());
    ASSERT_EQ(e.exit_code, 0) << e.err;
    const std::string value = e.out.substr(e.out.rfind('\t') + 1, 6);
    EXPECT_NE(r.out.substr(r.out.find("\nrm3 ")).find(value), std::string::npos) << value;
}

TEST_F(RunCli, BadPipelineFileNamesTheLine) {
    TempDir out;
    write_file(out / "bad.yaml", "first_stage: {type: bm25}\nstages:\n  - {type: rm3, fb: 1}\n");
    CliResult r = run_cli("run --pipeline " + (out / "bad.yaml").string() + common() + " --run " +
                          (out / "x.run").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("bad.yaml:3: unknown key 'fb'"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out / "x.run"));
    r = run_cli("run --pipeline " + (out / "bad.yaml").string() + " --index " + index());
    EXPECT_EQ(r.exit_code, 2);
}

TEST_F(RunCli, OneTypedQueryShowsTitles) {
    CliResult r = run_cli("run --pipeline " + kSource + "/examples/pipelines/rrf.yaml --index " +
                          index() + " --query 'vitamin D deficiency and bone fractures' --show 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::size_t lines = 0;
    for (char c : r.out)
        lines += c == '\n' ? 1 : 0;
    EXPECT_EQ(lines, 3U) << r.out;
    EXPECT_NE(r.out.find("  1  "), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("fusion"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::testing
