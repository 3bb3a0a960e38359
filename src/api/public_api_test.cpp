/// The public API end to end, compiled with include/ only, as the `cascade` binary and users
/// of the library are: build an index, search it, run a pipeline, evaluate and compare runs,
/// and score / embed with the committed micro models against the PyTorch reference goldens.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/eval.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/search.hpp>
#include <cascade/serve.hpp>
#include <cascade/types.hpp>

// The seam this test stands on: nothing but the public headers is on its include path.
#if __has_include("util/error.hpp") || __has_include(<util/error.hpp>) ||     \
    __has_include(<index/index.hpp>) || __has_include(<pipeline/runner.hpp>) || \
    __has_include(<runtime/model_pool.hpp>) || __has_include(<src/util/error.hpp>)
#error "a layer's own header is reachable from a public-API-only target"
#endif

namespace {

namespace fs = std::filesystem;

const std::string kGold = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model";

void write(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

/// A fresh folder under the system's temp dir, removed at the end of the test.
class TempFolder {
public:
    TempFolder() {
        std::random_device rd;
        m_path = fs::temp_directory_path() / ("cascade_api_test_" + std::to_string(rd()));
        fs::create_directories(m_path);
    }
    ~TempFolder() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    [[nodiscard]] fs::path operator/(const std::string& name) const { return m_path / name; }

private:
    fs::path m_path;
};

/// Five documents, two queries, judgments: enough for every stage to have something to rank.
class PublicApi : public ::testing::Test {
protected:
    void SetUp() override {
        write(
            m_dir / "corpus.jsonl",
            R"({"_id": "d1", "title": "Vitamin D", "text": "vitamin d deficiency and bone fractures in the elderly"})"
            "\n"
            R"({"_id": "d2", "title": "Bones", "text": "bone density and calcium intake"})"
            "\n"
            R"({"_id": "d3", "title": "Sleep", "text": "sleep duration and heart disease"})"
            "\n"
            R"({"_id": "d4", "title": "Coffee", "text": "coffee drinking and heart rhythm"})"
            "\n"
            R"({"_id": "d5", "title": "Sun", "text": "sunlight exposure raises vitamin d levels"})"
            "\n");
        write(m_dir / "queries.tsv", "q1\tvitamin d and bones\nq2\theart disease\n");
        write(m_dir / "qrels.txt", "q1 0 d1 2\nq1 0 d5 1\nq1 0 d3 0\nq2 0 d3 1\nq2 0 d4 1\n");
        cascade::IndexBuildOptions options;
        options.progress = false;
        const cascade::IndexBuildReport report =
            cascade::Index::build((m_dir / "corpus.jsonl").string(), m_dir / "idx", options);
        ASSERT_EQ(report.num_docs, 5U);
        EXPECT_GT(report.num_postings, 0U);
    }

    TempFolder m_dir;
};

TEST_F(PublicApi, IndexSearchPipelineEvaluate) {
    const cascade::Index index = cascade::Index::open(m_dir / "idx");
    EXPECT_EQ(index.num_docs(), 5U);
    EXPECT_EQ(index.fields(), std::vector<std::string>{"contents"});
    const auto d5 = index.internal_id("d5");
    ASSERT_TRUE(d5.has_value());
    EXPECT_EQ(index.external_id(*d5), "d5");
    EXPECT_EQ(index.document(*d5).title, "Sun");
    EXPECT_FALSE(index.internal_id("nope").has_value());

    const std::vector<cascade::Query> queries =
        cascade::read_queries((m_dir / "queries.tsv").string());
    ASSERT_EQ(queries.size(), 2U);
    const cascade::Qrels qrels = cascade::read_qrels((m_dir / "qrels.txt").string());
    EXPECT_EQ(qrels.num_judgments(), 5U);

    // BM25 search: every query finds its judged documents first.
    cascade::SearchOptions search;
    search.k = 3;
    search.tag = "api";
    const cascade::SearchResult searched = cascade::search(index, queries, search);
    EXPECT_EQ(searched.run.tag, "api");
    ASSERT_EQ(searched.run.by_query.size(), 2U);
    EXPECT_EQ(searched.run.by_query.at("q1").front().docid, "d1");
    EXPECT_LE(searched.run.by_query.at("q1").size(), 3U);
    EXPECT_EQ(searched.queries_without_hits, 0U);
    EXPECT_EQ(searched.algorithm, "maxscore");

    // The same BM25 as a pipeline file: the same ranking, timed and evaluated per stage.
    write(m_dir / "bm25.yaml", "name: api\nfirst_stage: {type: bm25, k: 3}\n");
    const cascade::Pipeline pipeline = cascade::Pipeline::load(m_dir / "bm25.yaml", index);
    EXPECT_EQ(pipeline.name(), "api");
    cascade::PipelineRunOptions run_options;
    run_options.qrels = &qrels;
    run_options.threads = 2;
    const cascade::PipelineResult result = pipeline.run(queries, run_options);
    ASSERT_EQ(result.stages.size(), 1U);
    EXPECT_EQ(result.stages[0].label, "bm25");
    ASSERT_TRUE(result.stages[0].metrics.has_value());
    ASSERT_TRUE(result.stages[0].run.has_value());
    ASSERT_EQ(result.run.by_query.size(), 2U);
    for (const auto& [qid, entries] : searched.run.by_query) {
        ASSERT_EQ(result.run.by_query.at(qid).size(), entries.size()) << qid;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            EXPECT_EQ(result.run.by_query.at(qid)[i].docid, entries[i].docid) << qid << " " << i;
            EXPECT_DOUBLE_EQ(result.run.by_query.at(qid)[i].score, entries[i].score);
        }
    }
    const std::string table = cascade::format_report(result);
    EXPECT_NE(table.find("nDCG@10"), std::string::npos) << table;
    EXPECT_NE(table.find("\nbm25 "), std::string::npos) << table;

    // A run written and read back evaluates to the table's numbers.
    cascade::write_run((m_dir / "final.run").string(), result.run);
    const cascade::Run reread = cascade::read_run((m_dir / "final.run").string());
    EXPECT_EQ(reread.num_entries(), result.run.num_entries());
    cascade::EvalOptions eval_options;
    eval_options.measures = {"ndcg_cut.10", "map"};
    eval_options.average_complete = true;
    const cascade::Evaluation evaluation = cascade::evaluate(qrels, reread, eval_options);
    ASSERT_TRUE(evaluation.summary("ndcg_cut_10").has_value());
    EXPECT_NEAR(*evaluation.summary("ndcg_cut_10"), result.stages[0].metrics->ndcg_at_10, 1e-12);
    EXPECT_NEAR(*evaluation.summary("map"), result.stages[0].metrics->map, 1e-12);
    EXPECT_EQ(evaluation.queries(), (std::vector<std::string>{"q1", "q2"}));
    EXPECT_TRUE(evaluation.value("q1", "map").has_value());
    EXPECT_FALSE(evaluation.summary("P_5").has_value());
    const std::string text = evaluation.format_trec_eval(false);
    EXPECT_NE(text.find("ndcg_cut_10           \tall\t"), std::string::npos) << text;

    // A run compared with itself: no differences anywhere.
    cascade::CompareOptions compare_options;
    compare_options.trials = 1000;
    const cascade::Comparison comparison =
        cascade::compare_runs(qrels, reread, reread, compare_options);
    ASSERT_FALSE(comparison.measures().empty());
    for (const cascade::MeasureDifference& d : comparison.measures()) {
        EXPECT_EQ(d.wins + d.losses, 0U) << d.measure;
        EXPECT_DOUBLE_EQ(d.mean_a, d.mean_b) << d.measure;
    }
    EXPECT_FALSE(comparison.format(true).empty());
    // Split by a query subset: the parts partition the compared queries.
    const std::vector<std::string> subset = {"q1"};
    const cascade::Comparison in = comparison.restrict_to(subset);
    const cascade::Comparison out = comparison.restrict_to(subset, /*complement=*/true);
    EXPECT_EQ(in.measures().front().queries, 1U);
    EXPECT_EQ(out.measures().front().queries, comparison.measures().front().queries - 1);
    EXPECT_NE(comparison.format_split(subset, "q1 only", true).find("subset q1 only: 1 queries"),
              std::string::npos);
}

TEST_F(PublicApi, ErrorsAreThePublicTypes) {
    EXPECT_THROW((void)cascade::Index::open(m_dir / "missing"), cascade::Error);
    write(m_dir / "bad.qrels", "q1 0 d1\n");
    EXPECT_THROW((void)cascade::read_qrels((m_dir / "bad.qrels").string()), cascade::InputError);
    cascade::IndexBuildOptions options;
    options.analyzer = "klingon";
    EXPECT_THROW(
        (void)cascade::Index::build((m_dir / "corpus.jsonl").string(), m_dir / "idx2", options),
        cascade::UsageError);
    const cascade::Index index = cascade::Index::open(m_dir / "idx");
    write(m_dir / "bad.yaml", "first_stage: {type: bm25}\nstages:\n  - {type: rm3, fb: 1}\n");
    try {
        (void)cascade::Pipeline::load(m_dir / "bad.yaml", index);
        ADD_FAILURE() << "a bad pipeline file loaded";
    } catch (const cascade::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.yaml:3: unknown key 'fb'"), std::string::npos)
            << e.what();
    }
    cascade::SearchOptions search;
    search.algorithm = "quantum";
    EXPECT_THROW(cascade::check(search), cascade::UsageError);
    cascade::ModelOptions model;
    EXPECT_THROW(model.set("precision", "fp8"), cascade::UsageError);
}

/// The first number after `"key": ` on each line of a golden JSONL file, or the numbers of
/// the array there.
std::vector<std::vector<double>> golden_numbers(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::vector<std::vector<double>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        std::size_t at = line.find("\"" + key + "\": ");
        if (at == std::string::npos)
            continue;
        at += key.size() + 4;
        std::vector<double> row;
        if (line[at] == '[') {
            std::istringstream items(line.substr(at + 1, line.find(']', at) - at - 1));
            std::string item;
            while (std::getline(items, item, ','))
                row.push_back(std::stod(item));
        } else {
            row.push_back(std::stod(line.substr(at)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

TEST(PublicApiModels, CrossEncoderScoresMatchTheReference) {
    const cascade::ModelPool pool(cascade::ModelPoolOptions::for_command(2));
    cascade::ModelOptions options;
    options.dir = kGold + "/bert-micro-ce";
    const cascade::CrossEncoder model = pool.cross_encoder(options);
    std::vector<std::string> queries;
    std::vector<std::string> documents;
    for (auto& row :
         cascade::read_jsonl_strings(kGold + "/cli/pairs.jsonl", {"query", "document"})) {
        queries.push_back(row[0]);
        documents.push_back(row[1]);
    }
    const auto want = golden_numbers(kGold + "/cli/rerank.golden.jsonl", "score");
    const std::vector<float> got = model.score_pairs(queries, documents);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_LE(std::fabs(got[i] - want[i][0]), 1e-4 * std::max(1.0, std::fabs(want[i][0])))
            << "pair " << i;
    }
    // One query against several documents: the same scores as pair by pair.
    const std::vector<float> one = model.score(queries[0], std::span(documents).subspan(0, 3));
    ASSERT_EQ(one.size(), 3U);
    const std::vector<std::string> q0(3, queries[0]);
    const std::vector<float> pairs = model.score_pairs(q0, std::span(documents).subspan(0, 3));
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(one[i], pairs[i], 1e-5) << i;
    EXPECT_THROW((void)model.score_pairs(q0, std::span(documents).subspan(0, 2)),
                 cascade::UsageError);
    // Asking again for the same folder and load options shares the loaded model.
    (void)pool.cross_encoder(options);
    EXPECT_EQ(pool.loads(), 1U);
}

TEST(PublicApiModels, BiEncoderEmbeddingsMatchTheReference) {
    const cascade::ModelPool pool(cascade::ModelPoolOptions::for_command());
    cascade::ModelOptions options;
    options.set("model", kGold + "/bert-micro-bi");
    const cascade::BiEncoder model = pool.bi_encoder(options);
    std::vector<std::string> texts;
    for (auto& row : cascade::read_jsonl_strings(kGold + "/cli/texts.jsonl", {"text"}))
        texts.push_back(row[0]);
    const auto want = golden_numbers(kGold + "/cli/embed.golden.jsonl", "embedding");
    const std::vector<float> got = model.embed(texts);
    ASSERT_EQ(want.size(), texts.size());
    ASSERT_EQ(model.dimension(), want[0].size());
    ASSERT_EQ(got.size(), texts.size() * model.dimension());
    for (std::size_t t = 0; t < texts.size(); ++t) {
        for (std::size_t j = 0; j < model.dimension(); ++j) {
            const double w = want[t][j];
            EXPECT_LE(std::fabs(got[t * model.dimension() + j] - w),
                      1e-4 * std::max(1.0, std::fabs(w)))
                << "text " << t << " dim " << j;
        }
    }
}

TEST_F(PublicApi, PipelineModelStagesShareTheCallersPool) {
    const cascade::Index index = cascade::Index::open(m_dir / "idx");
    const cascade::ModelPool pool(cascade::ModelPoolOptions::for_command());
    cascade::ModelOptions options;
    options.dir = kGold + "/bert-micro-ce";
    const cascade::CrossEncoder model = pool.cross_encoder(options);
    write(m_dir / "ce.yaml",
          "first_stage: {type: bm25, k: 5}\nstages:\n  - {type: cross_encoder, k: 3, model: " +
              kGold + "/bert-micro-ce}\n");
    const cascade::Pipeline pipeline = cascade::Pipeline::load(m_dir / "ce.yaml", index, 1, pool);
    const std::vector<cascade::Query> queries{{"q1", "vitamin d and bones"}};
    cascade::PipelineRunOptions run_options;
    run_options.batch = 2;
    const cascade::PipelineResult result = pipeline.run(queries, run_options);
    EXPECT_EQ(pool.loads(), 1U);
    ASSERT_EQ(result.stages.size(), 2U);
    ASSERT_EQ(result.run.by_query.at("q1").size(), 3U);
    // The stage's top document scores what the model scores it at.
    const cascade::RunEntry& top = result.run.by_query.at("q1").front();
    const cascade::Document doc = index.document(*index.internal_id(top.docid));
    // A model stage scores "title text" (the BEIR convention).
    const std::vector<std::string> docs{doc.title + " " + doc.text};
    const std::vector<float> scores = model.score("vitamin d and bones", docs);
    EXPECT_NEAR(scores[0], top.score, 1e-4);
}

TEST(PublicApiServe, BindsAnEphemeralPortAndStops) {
    cascade::ServeOptions options;
    options.port = 0;
    cascade::Server server(options);
    EXPECT_THROW(server.add_pipeline("", "no.yaml", 1), cascade::UsageError);
    const int port = server.bind();
    EXPECT_GT(port, 0);
    server.stop();
    server.listen();  // returns at once: stop() came first
    server.drain();
}

}  // namespace
