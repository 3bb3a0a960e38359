// The `ltr` stage through the registry: built from YAML, re-ranks like LtrRanker, refuses a
// pipeline whose earlier stages do not record the features the model reads, reads any
// feature an earlier stage records (NaN where a candidate lacks it) and exactly the columns
// the model was trained with (excluded features stay out).
#include <cmath>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "index/builder.hpp"
#include "index/index.hpp"
#include "index/test_support.hpp"
#include "rerank/ltr/model.hpp"
#include "rerank/ltr/train.hpp"
#include "rerank/registry.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "tests/run_cli.hpp"
#include "text/analyzer.hpp"

namespace cascade::rerank::ltr {
namespace {

using cascade::testing::TempDir;

class LtrStageTest : public ::testing::Test {
protected:
    void SetUp() override {
        // Topic t: "tK" relevant docs hold it once among fillers, others three times.
        std::vector<Document> docs;
        for (int t = 0; t < 12; ++t) {
            const std::string w = std::string("topic") + static_cast<char>('a' + t);
            for (int d = 0; d < 4; ++d) {
                const std::string text =
                    d < 1 ? w + " alpha beta gamma delta epsilon" : w + " " + w + " " + w;
                docs.push_back({w + "-" + std::to_string(d), "", text});
                if (d < 1) {
                    m_qrels.by_query[w][w + "-" + std::to_string(d)] = 1;
                }
            }
            m_queries.push_back({w, w});
        }
        index::testing::VectorReader reader(docs);
        auto analyzer = text::make_analyzer(text::AnalyzerOptions{});
        index::BuildOptions options;
        options.progress = false;
        index::build_index(reader, *analyzer, m_dir / "index", options);
        m_index = std::make_unique<index::Index>(index::Index::open(m_dir / "index"));
        m_bm25 = std::make_unique<retrieve::Bm25Retriever>(*m_index, retrieve::Bm25Options{});
        TrainOptions train;
        train.depth = 10;
        train.validation = 0.0;
        train.model.rounds = 20;
        train.model.eta = 0.3;
        train.model.max_depth = 2;
        train.model.min_child_weight = 0.1;
        train.cv.folds = 0;  // fixed settings: 12 one-document topics are no sample to tune on
        (void)train_ltr(*m_index, *m_bm25, m_queries, m_qrels, train, m_dir / "model");
        register_ltr_stage(m_registry);
    }

    std::unique_ptr<Stage> make(FeatureSchema& schema, const std::string& model = "model") {
        YAML::Node node = YAML::Load("{type: ltr, model: " + (m_dir / model).string() + "}");
        StageParams params(node, "test.yaml");
        StageEnv env{m_index.get(), &schema, 1};
        return m_registry.create(params, env);
    }

    TempDir m_dir;
    std::vector<Query> m_queries;
    Qrels m_qrels;
    std::unique_ptr<index::Index> m_index;
    std::unique_ptr<retrieve::Bm25Retriever> m_bm25;
    StageRegistry m_registry;
};

TEST_F(LtrStageTest, ReranksRelevantFirstAndRecordsItsScore) {
    FeatureSchema schema;
    // A bm25 stage registers these two; ids deliberately not 0 and 1.
    (void)schema.id("something_else");
    const FeatureId score_id = schema.id("first_stage_score");
    const FeatureId rank_id = schema.id("first_stage_rank");
    std::unique_ptr<Stage> stage = make(schema);
    EXPECT_EQ(stage->type(), "ltr");
    std::vector<CandidateList> lists(m_queries.size());
    auto hits = m_bm25->search(m_queries, 10);
    for (std::size_t q = 0; q < m_queries.size(); ++q) {
        for (std::size_t r = 0; r < hits[q].size(); ++r) {
            Candidate c{hits[q][r].docid, hits[q][r].score, {}};
            c.set_feature(score_id, c.score);
            c.set_feature(rank_id, static_cast<float>(r + 1));
            lists[q].push_back(c);
        }
        // BM25 ranks the relevant document (tf 1, long) last.
        ASSERT_EQ(m_index->external_id(lists[q].back().docid), m_queries[q].id + "-0");
    }
    stage->run(m_queries, lists, StageContext{m_index.get(), nullptr, nullptr, &schema, {}});
    FeatureId ltr_id = 0;
    ASSERT_TRUE(schema.find("ltr_score", ltr_id));
    for (std::size_t q = 0; q < m_queries.size(); ++q) {
        ASSERT_EQ(lists[q].size(), 4U);
        EXPECT_EQ(m_index->external_id(lists[q][0].docid), m_queries[q].id + "-0");
        EXPECT_EQ(lists[q][0].feature(ltr_id), lists[q][0].score);
        EXPECT_GE(lists[q][0].score, lists[q][1].score);
    }
}

TEST_F(LtrStageTest, RefusesAPipelineWithoutTheRecordedFeatures) {
    FeatureSchema schema;  // no first stage registered anything
    try {
        (void)make(schema);
        FAIL() << "expected an error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("first_stage_score"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("test.yaml"), std::string::npos) << e.what();
    }
}

TEST_F(LtrStageTest, ReadsAnyRecordedStageFeatureAndOnlyTheTrainedColumns) {
    // Documents -1, -2 and -3 of a topic have the same text, so no index feature tells them
    // apart; an earlier stage's "hint" (1 on -2) does. Judge -2 relevant and train on the hint
    // and bm25 alone: every other computed feature is excluded.
    Qrels qrels;
    for (const Query& q : m_queries) {
        qrels.by_query[q.id][q.id + "-2"] = 1;
    }
    FeatureSchema schema;
    const FeatureId hint = schema.id("hint");
    auto candidates = [&](bool with_hint) {
        std::vector<CandidateList> lists(m_queries.size());
        auto hits = m_bm25->search(m_queries, 10);
        for (std::size_t q = 0; q < m_queries.size(); ++q) {
            for (const retrieve::Hit& h : hits[q]) {
                Candidate c{h.docid, h.score, {}};
                if (with_hint) {
                    const bool marked = m_index->external_id(h.docid) == m_queries[q].id + "-2";
                    c.set_feature(hint, marked ? 1.0F : 0.0F);
                }
                lists[q].push_back(c);
            }
        }
        return lists;
    };
    TrainingCandidates training;
    training.lists = candidates(true);
    training.recorded = {"hint"};
    training.recorded_ids = {hint};
    training.first_stage = "test";
    TrainOptions train;
    train.depth = 10;
    train.validation = 0.0;
    train.model.rounds = 10;
    train.model.eta = 0.3;
    train.model.max_depth = 2;
    train.model.min_child_weight = 0.1;
    train.cv.folds = 0;
    for (const std::string& name : computed_feature_names(*m_index)) {
        if (name != "bm25") {
            train.features.excluded.push_back(name);
        }
    }
    const TrainReport report =
        train_ltr(*m_index, m_queries, training, qrels, train, m_dir / "hinted");
    EXPECT_EQ(report.features, (std::vector<std::string>{"hint", "bm25"}));
    const LtrModel saved = load_ltr_model(m_dir / "hinted");
    EXPECT_EQ(saved.manifest.recorded, (std::vector<std::string>{"hint"}));
    EXPECT_EQ(saved.manifest.excluded, train.features.excluded);

    std::unique_ptr<Stage> stage = make(schema, "hinted");
    EXPECT_NE(stage->describe().find("features=2"), std::string::npos) << stage->describe();
    std::vector<CandidateList> lists = candidates(true);
    const StageContext context{m_index.get(), nullptr, nullptr, &schema, {}};
    stage->run(m_queries, lists, context);
    for (std::size_t q = 0; q < m_queries.size(); ++q) {
        EXPECT_EQ(m_index->external_id(lists[q][0].docid), m_queries[q].id + "-2");
    }
    // Candidates without the hint (NaN: XGBoost's missing value) are still scored.
    lists = candidates(false);
    stage->run(m_queries, lists, context);
    for (const CandidateList& list : lists) {
        EXPECT_EQ(list.size(), 4U);
        for (const Candidate& c : list) {
            EXPECT_FALSE(std::isnan(c.score));
        }
    }
    // A pipeline recording no "hint" is refused, naming it.
    FeatureSchema without;
    try {
        (void)make(without, "hinted");
        FAIL() << "expected an error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("'hint'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace cascade::rerank::ltr
