/// examples/pipelines/llm.yaml end to end through `cascade run` on the bundled SciFact, with
/// the random-weight models it names: BM25 -> cross-encoder -> llm_pointwise -> probability
/// cut-off, on a handful of queries.
#include <algorithm>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

const std::string kSource = CASCADE_SOURCE_DIR;
const std::string kScifact = kSource + "/data/scifact";

/// The example with its repository-relative model paths made absolute (run_cli cannot cd).
std::string example_pipeline(const std::string& name = "llm") {
    std::string yaml = slurp(kSource + "/examples/pipelines/" + name + ".yaml");
    for (std::size_t at = 0; (at = yaml.find("model: tests/", at)) != std::string::npos;)
        yaml.replace(at, 7, "model: " + kSource + "/");
    return yaml;
}

TEST(LlmExample, RunsOnScifactAndKeepsProbabilitiesAboveTheThreshold) {
    TempDir dir;
    CliResult r = run_cli("index --collection " + kScifact + " --index " + (dir / "idx").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    write_file(dir / "llm.yaml", example_pipeline());
    write_file(dir / "qrels.tsv",
               "query-id\tcorpus-id\tscore\n1\t31715818\t1\n3\t14717500\t1\n5\t13734012\t1\n");
    r = run_cli("run --pipeline " + (dir / "llm.yaml").string() + " --index " +
                (dir / "idx").string() + " --queries " + kScifact + "/queries.jsonl.gz" +
                " --qids-from " + (dir / "qrels.tsv").string() + " --qrels " +
                (dir / "qrels.tsv").string() + " --run " + (dir / "final.run").string() +
                " --stage-runs " + (dir / "stages").string() + " --threads 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\nllm_pointwise"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\ncutoff"), std::string::npos) << r.out;

    // Per query: 1..10 documents, scores are probabilities, >= 0.5 except a min_k survivor.
    std::istringstream run(slurp(dir / "final.run"));
    std::map<std::string, std::vector<double>> scores;
    std::string qid, q0, docid, tag;
    int rank = 0;
    double score = 0;
    while (run >> qid >> q0 >> docid >> rank >> score >> tag)
        scores[qid].push_back(score);
    ASSERT_EQ(scores.size(), 3U) << slurp(dir / "final.run");
    for (const auto& [q, s] : scores) {
        EXPECT_GE(s.size(), 1U) << q;
        EXPECT_LE(s.size(), 10U) << q;
        for (double p : s) {
            EXPECT_GE(p, 0.0) << q;
            EXPECT_LE(p, 1.0) << q;
        }
        if (s.size() > 1)
            EXPECT_GE(s.back(), 0.5) << q;
    }
    // The LLM stage's own run holds its top 20 per query.
    const std::string llm_run = slurp(dir / "stages" / "03_llm_pointwise.run");
    EXPECT_EQ(std::count(llm_run.begin(), llm_run.end(), '\n'), 60) << llm_run;
}

/// Lines of a TREC run by query: docids in rank order.
std::map<std::string, std::vector<std::string>> run_docs(const std::filesystem::path& file) {
    std::istringstream run(slurp(file));
    std::map<std::string, std::vector<std::string>> out;
    std::string qid, q0, docid, tag;
    int rank = 0;
    double score = 0;
    while (run >> qid >> q0 >> docid >> rank >> score >> tag)
        out[qid].push_back(docid);
    return out;
}

TEST(LlmExample, ListLevelExampleReordersTheIcrTop20WithFirst) {
    TempDir dir;
    CliResult r = run_cli("index --collection " + kScifact + " --index " + (dir / "idx").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    write_file(dir / "llm_list.yaml", example_pipeline("llm_list"));
    write_file(dir / "qrels.tsv", "query-id\tcorpus-id\tscore\n1\t31715818\t1\n3\t14717500\t1\n");
    r = run_cli("run --pipeline " + (dir / "llm_list.yaml").string() + " --index " +
                (dir / "idx").string() + " --queries " + kScifact + "/queries.jsonl.gz" +
                " --qids-from " + (dir / "qrels.tsv").string() + " --qrels " +
                (dir / "qrels.tsv").string() + " --run " + (dir / "final.run").string() +
                " --stage-runs " + (dir / "stages").string() + " --batch 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\nicr"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nllm_listwise"), std::string::npos) << r.out;
    const auto icr = run_docs(dir / "stages" / "02_icr.run");
    const auto final_run = run_docs(dir / "final.run");
    ASSERT_EQ(icr.size(), 2U);
    ASSERT_EQ(final_run.size(), 2U);
    for (const auto& [q, docs] : final_run) {
        ASSERT_EQ(docs.size(), 20U) << q;
        // The same 20 documents, re-ordered: listwise ranking permutes, never drops.
        auto a = docs;
        auto b = icr.at(q);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_EQ(a, b) << q;
    }
}

}  // namespace
}  // namespace cascade::testing
