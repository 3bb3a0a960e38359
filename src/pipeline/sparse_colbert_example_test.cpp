/// examples/pipelines/sparse_colbert.yaml end to end through the binary on a slice of the
/// bundled SciFact, with the random-weight folders it names: encode-sparse writes the
/// documents' vectors, index adds the impact and ColBERT parts, and run goes impact (SPLADE
/// query encoder) -> maxsim (top 100, pruned) -> cross-encoder.
#include <cstdlib>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

const std::string kSource = CASCADE_SOURCE_DIR;
const std::string kGolden = kSource + "/tests/golden/model";

TEST(SparseColbertExample, RunsEveryStageOnScifact) {
    TempDir dir;
    // 300 documents and 3 queries of SciFact keep the test quick.
    ASSERT_EQ(std::system(("zcat " + kSource + "/data/scifact/corpus.jsonl.gz | head -300 > " +
                           (dir / "corpus.jsonl").string())
                              .c_str()),
              0);
    write_file(dir / "queries.tsv",
               "1\t0-dimensional biomaterials show inductive properties.\n"
               "3\t1,000 genomes project enables mapping of genetic "
               "sequence variation.\n5\t1/2000 in UK have abnormal PrP "
               "positivity.\n");
    CliResult r = run_cli("encode-sparse --quiet --model " + kGolden + "/splade-tiny --input " +
                          (dir / "corpus.jsonl").string() + " --output " +
                          (dir / "vectors.jsonl").string() + " --scale 100");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli("index --quiet --collection " + (dir / "corpus.jsonl").string() + " --index " +
                (dir / "idx").string() + " --impact-vectors " + (dir / "vectors.jsonl").string() +
                " --colbert " + kGolden + "/colbert-tiny --token-codec int8");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("colbert"), std::string::npos) << r.out;

    std::string yaml = slurp(kSource + "/examples/pipelines/sparse_colbert.yaml");
    for (const std::string key : {"model: tests/", "encoder: tests/"})
        for (std::size_t at = 0; (at = yaml.find(key, at)) != std::string::npos; at += key.size())
            yaml.insert(at + key.size() - 6, kSource + "/");
    write_file(dir / "p.yaml", yaml);
    r = run_cli("run --pipeline " + (dir / "p.yaml").string() + " --index " +
                (dir / "idx").string() + " --queries " + (dir / "queries.tsv").string() +
                " --run " + (dir / "final.run").string() + " --stage-runs " +
                (dir / "stages").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* stage : {"\nimpact", "\nmaxsim", "\ncross_encoder"})
        EXPECT_NE(r.out.find(stage), std::string::npos) << stage << "\n" << r.out;

    // maxsim keeps at most 100 per query; the final run re-orders those.
    std::map<std::string, int> per_query;
    std::istringstream run(slurp(dir / "final.run"));
    std::string qid, q0, docid, tag;
    int rank = 0;
    double score = 0;
    while (run >> qid >> q0 >> docid >> rank >> score >> tag)
        ++per_query[qid];
    ASSERT_EQ(per_query.size(), 3U) << slurp(dir / "final.run");
    for (const auto& [q, n] : per_query) {
        EXPECT_GE(n, 1) << q;
        EXPECT_LE(n, 100) << q;
    }
}

}  // namespace
}  // namespace cascade::testing
