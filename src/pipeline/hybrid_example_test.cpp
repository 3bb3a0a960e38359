/// examples/pipelines/hybrid.yaml end to end through `cascade index --embedder` and `cascade
/// run` on the bundled SciFact, with the tiny static model of the goldens as the embedder: the
/// final run is the min-max fusion (weights 1 and 0.05) of the BM25 and dense stage runs,
/// recomputed here from those runs.
#include <algorithm>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

const std::string kSource = CASCADE_SOURCE_DIR;
const std::string kScifact = kSource + "/data/scifact";

using Ranking = std::map<std::string, std::map<std::string, double>>;  // qid -> doc -> score

Ranking read_run(const std::filesystem::path& file) {
    std::istringstream in(slurp(file));
    Ranking out;
    std::string qid, q0, doc, tag;
    int rank = 0;
    double score = 0;
    while (in >> qid >> q0 >> doc >> rank >> score >> tag)
        out[qid][doc] = score;
    return out;
}

std::map<std::string, double> minmax(const std::map<std::string, double>& scores) {
    double lo = 1e300, hi = -1e300;
    for (const auto& [d, s] : scores) {
        lo = std::min(lo, s);
        hi = std::max(hi, s);
    }
    std::map<std::string, double> out;
    for (const auto& [d, s] : scores)
        out[d] = hi > lo ? (s - lo) / (hi - lo) : 1.0;
    return out;
}

TEST(HybridExample, FusesTheBm25AndDenseRunsByMinMax) {
    TempDir dir;
    CliResult r =
        run_cli("index --quiet --collection " + kScifact + " --index " + (dir / "idx").string() +
                " --embedder " + kSource + "/tests/golden/model/static-tiny");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    write_file(dir / "qrels.tsv",
               "query-id\tcorpus-id\tscore\n1\t31715818\t1\n3\t14717500\t1\n5\t13734012\t1\n");
    r = run_cli("run --pipeline " + kSource + "/examples/pipelines/hybrid.yaml --index " +
                (dir / "idx").string() + " --queries " + kScifact + "/queries.jsonl.gz" +
                " --qids-from " + (dir / "qrels.tsv").string() + " --run " +
                (dir / "final.run").string() + " --stage-runs " + (dir / "stages").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("dense(hnsw,cosine,ef=200)"), std::string::npos) << r.out;
    const Ranking bm25 = read_run(dir / "stages" / "01_bm25_1_bm25.run");
    const Ranking dense = read_run(dir / "stages" / "02_dense_2_dense.run");
    const Ranking final_run = read_run(dir / "final.run");
    ASSERT_EQ(final_run.size(), 3U);
    for (const auto& [qid, docs] : final_run) {
        ASSERT_TRUE(bm25.count(qid) && dense.count(qid)) << qid;
        const auto b = minmax(bm25.at(qid));
        const auto d = minmax(dense.at(qid));
        EXPECT_EQ(docs.size(), 1000U) << qid;
        std::size_t checked = 0;
        for (const auto& [doc, score] : docs) {
            const double expected =
                (b.count(doc) ? b.at(doc) : 0.0) + 0.05 * (d.count(doc) ? d.at(doc) : 0.0);
            EXPECT_NEAR(score, expected, 2e-4) << qid << " " << doc;
            checked += b.count(doc) + d.count(doc) > 0 ? 1 : 0;
        }
        EXPECT_EQ(checked, docs.size()) << "a fused document neither branch found";
    }
}

}  // namespace
}  // namespace cascade::testing
