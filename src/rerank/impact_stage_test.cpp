// The `impact` stage in pipeline files, through `cascade run` on the committed fixture
// (src/retrieve/testdata/impact/): as a first stage it gives exactly the run of
// `cascade search --impact`; after BM25 it re-scores the candidates with the same scores (0 for
// a candidate without any query term); `pretokenized: true` reads the TSV's query text as the
// vector; and each misconfiguration is refused with a message naming the key.

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "tests/run_cli.hpp"

namespace cascade::rerank {
namespace {

namespace fs = std::filesystem;
using cascade::testing::run_cli;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

const fs::path kData = fs::path(CASCADE_SOURCE_DIR) / "src/retrieve/testdata/impact";

struct Entry {
    std::string qid, doc, score;
    friend bool operator==(const Entry&, const Entry&) = default;
};

std::vector<Entry> entries(const fs::path& run) {
    std::vector<Entry> out;
    std::istringstream in(slurp(run));
    std::string q0, rank, tag;
    Entry e;
    while (in >> e.qid >> q0 >> e.doc >> rank >> e.score >> tag) {
        out.push_back(e);
    }
    return out;
}

class ImpactStage : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " +
                         (kData / "docs.jsonl").string());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = run_cli("search --index " + path("idx") + " --impact --queries " + queries() +
                    " --k 1000 --algorithm exhaustive --run " + path("search.run"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    std::string path(const std::string& name) const { return (m_tmp / name).string(); }
    static std::string queries() { return (kData / "queries.tsv").string(); }

    /// Runs `yaml` over the TSV queries; returns the run's entries (or the CLI's stderr).
    std::vector<Entry> run(const std::string& yaml, int expect_exit = 0,
                           std::string* err = nullptr) {
        write_file(m_tmp / "p.yaml", yaml);
        auto r = run_cli("run --pipeline " + path("p.yaml") + " --index " + path("idx") +
                         " --queries " + queries() + " --run " + path("p.run"));
        EXPECT_EQ(r.exit_code, expect_exit) << r.err;
        if (err != nullptr) {
            *err = r.err;
        }
        return r.exit_code == 0 ? entries(path("p.run")) : std::vector<Entry>{};
    }

    TempDir m_tmp;
};

TEST_F(ImpactStage, FirstStageIsTheSearchCommandsRun) {
    const auto expected = entries(path("search.run"));
    ASSERT_GT(expected.size(), 20U);
    for (const std::string algorithm : {"maxscore", "bmw", "bmm"}) {
        EXPECT_EQ(run("first_stage: {type: impact, algorithm: " + algorithm +
                      ", queries: " + queries() + "}\n"),
                  expected)
            << algorithm;
    }
    // The TSV's query text is the pre-tokenised query itself.
    EXPECT_EQ(run("first_stage: {type: impact, pretokenized: true}\n"), expected);
    // k cuts each query's list.
    const auto top2 = run("first_stage: {type: impact, k: 2, pretokenized: true}\n");
    ASSERT_EQ(top2.size(), 8U);
    EXPECT_EQ(top2[0], expected[0]);
}

TEST_F(ImpactStage, RescoringAfterBm25GivesTheImpactScores) {
    std::map<std::pair<std::string, std::string>, std::string> impact;
    for (const Entry& e : entries(path("search.run"))) {
        impact[{e.qid, e.doc}] = e.score;
    }
    const auto rescored =
        run("first_stage: {type: bm25, k: 100}\nstages:\n  - {type: impact, "
            "queries: " +
            queries() + "}\n");
    ASSERT_FALSE(rescored.empty());
    for (std::size_t i = 0; i < rescored.size(); ++i) {
        const Entry& e = rescored[i];
        const auto it = impact.find({e.qid, e.doc});
        const std::string expected = it == impact.end() ? "0.000000" : it->second;
        EXPECT_EQ(e.score, expected) << e.qid << " " << e.doc;
        if (i > 0 && rescored[i - 1].qid == e.qid) {
            EXPECT_GE(std::stod(rescored[i - 1].score), std::stod(e.score));
        }
    }
}

TEST_F(ImpactStage, MisconfigurationsAreNamed) {
    std::string err;
    run("first_stage: {type: impact, encoder: /models/splade}\n", 1, &err);
    EXPECT_NE(err.find("/models/splade"), std::string::npos) << err;
    EXPECT_NE(err.find("SPLADE"), std::string::npos) << err;
    const std::string colbert =
        std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/colbert-tiny";
    run("first_stage: {type: impact, encoder: " + colbert + "}\n", 1, &err);
    EXPECT_NE(err.find("not encode sparse texts"), std::string::npos) << err;
    run("first_stage: {type: impact}\n", 1, &err);
    EXPECT_NE(err.find("needs query vectors"), std::string::npos) << err;
    run("first_stage: {type: impact, pretokenized: true, queries: " + queries() + "}\n", 1, &err);
    EXPECT_NE(err.find("not both"), std::string::npos) << err;
    write_file(m_tmp / "q1only.tsv", "q1\tcat\n");
    run("first_stage: {type: impact, queries: " + path("q1only.tsv") + "}\n", 1, &err);
    EXPECT_NE(err.find("no vector for query 'q2'"), std::string::npos) << err;
    run("first_stage: {type: impact, pretokenized: true, algorithm: fast}\n", 1, &err);
    EXPECT_NE(err.find("algorithm"), std::string::npos) << err;
    write_file(m_tmp / "corpus.jsonl", "{\"_id\": \"x\", \"text\": \"cat\"}\n");
    ASSERT_EQ(
        run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " + path("idx"))
            .exit_code,
        0);
    run("first_stage: {type: impact, pretokenized: true}\n", 1, &err);
    EXPECT_NE(err.find("no impact part here"), std::string::npos) << err;
}

}  // namespace
}  // namespace cascade::rerank
