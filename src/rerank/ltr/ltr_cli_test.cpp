// End-to-end tests of `cascade train-ltr` (training and --apply) through the real binary.
//
// The synthetic collection is built so that BM25 ranks the relevant documents last: for topic
// i the two relevant documents hold "topicI" once among filler words (long, tf 1), the three
// non-relevant ones hold it three times and nothing else (short, tf 3). A feature (tf_max,
// doc_length) separates them perfectly, so a trained model must put both relevant documents
// on top for held-out topics.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

constexpr int kTopics = 40;
constexpr int kTrainTopics = 30;

std::string topic(int i) {
    // Letters only, so analysis leaves the word alone ("topicb", "topicc", ...).
    return std::string("topic") + static_cast<char>('a' + i / 26) + static_cast<char>('a' + i % 26);
}

class TrainLtrCli : public ::testing::Test {
protected:
    void SetUp() override {
        std::string corpus;
        std::string queries;
        std::string train_qrels = "query-id\tcorpus-id\tscore\n";
        std::string test_qrels = train_qrels;
        for (int i = 0; i < kTopics; ++i) {
            const std::string t = topic(i);
            for (int d = 0; d < 5; ++d) {
                const std::string id = t + "-" + std::to_string(d);
                const bool relevant = d < 2;
                const std::string text = relevant
                                             ? t + " alpha beta gamma delta epsilon zeta eta theta"
                                             : t + " " + t + " " + t;
                corpus += R"({"_id": ")" + id + R"(", "title": "", "text": ")" + text + "\"}\n";
                if (relevant) {
                    (i < kTrainTopics ? train_qrels : test_qrels) += t + "\t" + id + "\t1\n";
                }
            }
            queries += t + "\t" + t + "\n";
        }
        write_file(m_dir / "corpus.jsonl", corpus);
        write_file(m_dir / "queries.tsv", queries);
        write_file(m_dir / "train.tsv", train_qrels);
        write_file(m_dir / "test.tsv", test_qrels);
    }

    void index(const std::string& name, const std::string& extra) {
        CliResult r = run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " +
                              path(name) + " " + extra);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    [[nodiscard]] std::string path(const std::string& name) const {
        return (m_dir / name).string();
    }

    /// qid -> docids in run order.
    [[nodiscard]] std::map<std::string, std::vector<std::string>> read_run(
        const std::string& name) const {
        std::map<std::string, std::vector<std::string>> out;
        std::istringstream in(slurp(m_dir / name));
        std::string qid, q0, docid, rank, score, tag;
        while (in >> qid >> q0 >> docid >> rank >> score >> tag) {
            out[qid].push_back(docid);
        }
        return out;
    }

    TempDir m_dir;
};

// Cross-validation is the default since issue 13: the model is trained on all 30 queries with
// the chosen setting, so nothing is held out ("validation queries 0", was 6: see --no-cv below).
TEST_F(TrainLtrCli, LearnsWhatBm25MissesAndAppliesToHeldOutTopics) {
    index("idx", "--positions");
    CliResult r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                          " --qrels " + path("train.tsv") + " --model " + path("model") +
                          " --depth 10 --cv-rounds 10,40 --cv-depths 1,2 --eta 0.3 "
                          "--min-child-weight 0.1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("queries\t30\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("validation queries\t0\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cv folds\t5 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cv fold queries\t6 6 6 6 6\n"), std::string::npos) << r.out;
    for (const char* setting : {"cv\t1\t10\t", "cv\t1\t40\t", "cv\t2\t10\t", "cv\t2\t40\t"}) {
        EXPECT_NE(r.out.find(setting), std::string::npos) << setting << "\n" << r.out;
    }
    EXPECT_NE(r.out.find("cv chosen\tmax_depth "), std::string::npos) << r.out;
    EXPECT_TRUE(std::filesystem::exists(m_dir / "model" / "model.json"));
    EXPECT_TRUE(std::filesystem::exists(m_dir / "model" / "manifest.json"));

    r = run_cli("search --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qids-from " + path("test.tsv") + " --k 10 --run " + path("bm25.run"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli("train-ltr --apply --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qids-from " + path("test.tsv") + " --model " + path("model") +
                " --depth 10 --run " + path("ltr.run"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto bm25 = read_run("bm25.run");
    auto ltr = read_run("ltr.run");
    ASSERT_EQ(ltr.size(), static_cast<std::size_t>(kTopics - kTrainTopics));
    for (int i = kTrainTopics; i < kTopics; ++i) {
        const std::string t = topic(i);
        ASSERT_EQ(bm25[t].size(), 5U);
        EXPECT_EQ(bm25[t][3].substr(t.size()) + bm25[t][4].substr(t.size()), "-0-1")
            << "BM25 should rank the relevant documents last";
        ASSERT_EQ(ltr[t].size(), 5U);
        // Relevant documents first; ties in model score fall back to external id order.
        EXPECT_EQ(ltr[t][0], t + "-0");
        EXPECT_EQ(ltr[t][1], t + "-1");
    }
}

TEST_F(TrainLtrCli, ErrorsAreClear) {
    index("idx", "--positions");
    index("flat", "");
    CliResult r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                          " --model " + path("model"));
    EXPECT_EQ(r.exit_code, 2) << "missing --qrels is a usage error";
    EXPECT_NE(r.err.find("--qrels"), std::string::npos) << r.err;

    r = run_cli("train-ltr --apply --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --model " + path("absent") + " --run " + path("x.run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("manifest"), std::string::npos) << r.err;

    // A model trained with positions cannot score an index without them.
    r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qrels " + path("train.tsv") + " --model " + path("model") +
                " --depth 10 --rounds 5 --no-cv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli("train-ltr --apply --index " + path("flat") + " --queries " + path("queries.tsv") +
                " --model " + path("model") + " --run " + path("x.run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("feature list mismatch"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "x.run"));

    // Training qrels judging none of the queries.
    write_file(m_dir / "other.tsv", "query-id\tcorpus-id\tscore\nnope\tx\t1\n");
    r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qrels " + path("other.tsv") + " --model " + path("model2"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no query"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "model2"));
}

TEST_F(TrainLtrCli, NoCvKeepsFixedSettingsAndEarlyStopping) {
    index("idx", "--positions");
    CliResult r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                          " --qrels " + path("train.tsv") + " --model " + path("model") +
                          " --depth 10 --rounds 40 --eta 0.3 --max-depth 2 "
                          "--min-child-weight 0.1 --no-cv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("validation queries\t6\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("cv "), std::string::npos) << r.out;
    const std::string manifest = slurp(m_dir / "model" / "manifest.json");
    EXPECT_NE(manifest.find("\"cross_validation\": null"), std::string::npos) << manifest;
}

TEST_F(TrainLtrCli, DocumentFeaturesCanBeExcluded) {
    index("idx", "--positions");
    CliResult r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                          " --qrels " + path("train.tsv") + " --model " + path("model") +
                          " --depth 10 --rounds 40 --eta 0.3 --max-depth 2 "
                          "--min-child-weight 0.1 --no-cv --exclude-features document");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("features\t19\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("excluded features\tdoc_length\n"), std::string::npos) << r.out;
    const std::string manifest = slurp(m_dir / "model" / "manifest.json");
    EXPECT_EQ(manifest.find("\"doc_length\","), std::string::npos) << manifest;
    EXPECT_NE(manifest.find("\"excluded\": [\n    \"doc_length\"\n  ]"), std::string::npos)
        << manifest;
    // --apply builds the model's own columns: tf_max still tells the relevant documents apart.
    r = run_cli("train-ltr --apply --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qids-from " + path("test.tsv") + " --model " + path("model") +
                " --depth 10 --run " + path("ltr.run"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto ltr = read_run("ltr.run");
    for (int i = kTrainTopics; i < kTopics; ++i) {
        EXPECT_EQ(ltr[topic(i)][0], topic(i) + "-0");
    }
    r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qrels " + path("train.tsv") + " --model " + path("model2") +
                " --no-cv --exclude-features nope");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("cannot exclude feature 'nope'"), std::string::npos) << r.err;
}

TEST_F(TrainLtrCli, TrainsOnAPipelinesCandidatesAndStageFeatures) {
    index("idx", "--positions");
    write_file(m_dir / "rm3.yaml",
               "first_stage: {type: bm25, k: 10}\nstages: [{type: rm3, k: 10}]\n");
    const std::string train = "train-ltr --index " + path("idx") + " --queries " +
                              path("queries.tsv") + " --qrels " + path("train.tsv") +
                              " --depth 10 --rounds 40 --eta 0.3 --max-depth 2 "
                              "--min-child-weight 0.1 --no-cv --pipeline " +
                              path("rm3.yaml");
    CliResult r =
        run_cli(train + " --model " + path("model") + " --stage-features rm3_score,rm3_rank");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("features\t22\n"), std::string::npos) << r.out;
    const std::string manifest = slurp(m_dir / "model" / "manifest.json");
    EXPECT_NE(manifest.find("\"rm3_score\""), std::string::npos) << manifest;
    EXPECT_NE(manifest.find("\"first_stage\": \"pipeline "), std::string::npos) << manifest;

    // The model runs after the same stages in a pipeline.
    write_file(m_dir / "ltr.yaml",
               "first_stage: {type: bm25, k: 10}\nstages: [{type: rm3, k: 10}, "
               "{type: ltr, k: 10, model: " +
                   path("model") + "}]\n");
    r = run_cli("run --pipeline " + path("ltr.yaml") + " --index " + path("idx") + " --queries " +
                path("queries.tsv") + " --qids-from " + path("test.tsv") + " --run " +
                path("ltr.run"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto ltr = read_run("ltr.run");
    ASSERT_EQ(ltr.size(), static_cast<std::size_t>(kTopics - kTrainTopics));
    for (int i = kTrainTopics; i < kTopics; ++i) {
        EXPECT_TRUE(ltr[topic(i)][0] == topic(i) + "-0" || ltr[topic(i)][0] == topic(i) + "-1");
    }

    r = run_cli(train + " --model " + path("model2") + " --stage-features nope");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no stage of the pipeline records feature 'nope'"), std::string::npos)
        << r.err;
    r = run_cli("train-ltr --index " + path("idx") + " --queries " + path("queries.tsv") +
                " --qrels " + path("train.tsv") + " --model " + path("model2") +
                " --stage-features rm3_score");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--pipeline"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "model2"));
}

}  // namespace
}  // namespace cascade::testing
