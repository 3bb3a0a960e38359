// Feature values on a tiny inline index, computed by hand.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "index/builder.hpp"
#include "index/index.hpp"
#include "index/test_support.hpp"
#include "rerank/ltr/features.hpp"
#include "retrieve/bm25.hpp"
#include "tests/run_cli.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {
namespace {

using cascade::testing::TempDir;

index::Index build(const TempDir& dir, std::vector<Document> docs, bool positions,
                   std::vector<std::string> fields = {}) {
    index::testing::VectorReader reader(std::move(docs));
    text::AnalyzerOptions options;
    options.stemmer = "none";  // terms stay as written: hand computation stays simple
    auto analyzer = text::make_analyzer(options);
    index::BuildOptions build;
    build.positions = positions;
    build.progress = false;
    build.fields = std::move(fields);
    index::build_index(reader, *analyzer, dir / "index", build);
    return index::Index::open(dir / "index");
}

std::vector<Document> tiny_docs() {
    return {{"d0", "", "apple banana apple cherry"},
            {"d1", "", "banana split with cherry on top"},
            {"d2", "", "nothing here"},
            {"d3", "", "cherry apple"}};
}

std::size_t column(const FeatureExtractor& e, const std::string& name) {
    const auto& names = e.names();
    auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return static_cast<std::size_t>(it - names.begin());
}

TEST(LtrFeatures, NamesDependOnFieldsAndPositions) {
    TempDir dir;
    index::Index flat = build(dir, tiny_docs(), false);
    FeatureConfig config;
    config.recorded = {"first_stage_score"};
    FeatureExtractor e(flat, config);
    EXPECT_EQ(e.names().front(), "first_stage_score");
    EXPECT_EQ(e.names()[1], "bm25");
    EXPECT_EQ(std::count(e.names().begin(), e.names().end(), "min_cover"), 0);
    EXPECT_EQ(e.body_field(), "contents");
    TempDir dir2;
    index::Index multi = build(dir2, tiny_docs(), true, {"title", "text"});
    FeatureExtractor m(multi, config);
    EXPECT_EQ(m.names()[2], "bm25_title");
    EXPECT_EQ(m.names()[3], "bm25_text");
    EXPECT_EQ(m.names().back(), "min_cover");
    EXPECT_EQ(m.body_field(), "text");
}

TEST(LtrFeatures, HandComputedStatistics) {
    TempDir dir;
    index::Index index = build(dir, tiny_docs(), true);
    FeatureConfig config;
    config.recorded = {"first_stage_score"};
    config.dirichlet_mu = 10.0F;
    FeatureExtractor e(index, config);
    std::vector<Candidate> cands(3);
    cands[0].docid = 3;  // unsorted on purpose: cursors walk docids in order
    cands[0].set_feature(0, 7.5F);
    cands[1].docid = 0;
    cands[2].docid = 2;
    std::vector<float> out;
    const FeatureId recorded[] = {0};
    // "the" is a stop word; "apple" twice; "kiwi" absent from the collection.
    e.extract("apple the cherry apple kiwi", cands, recorded, out);
    const std::size_t w = e.num_features();
    ASSERT_EQ(out.size(), 3 * w);
    const float* d3 = out.data();
    const float* d0 = out.data() + w;
    const float* d2 = out.data() + 2 * w;
    EXPECT_EQ(d3[0], 7.5F);
    EXPECT_TRUE(std::isnan(d0[0]));
    EXPECT_EQ(d0[column(e, "query_length")], 4.0F);  // apple cherry apple kiwi
    EXPECT_EQ(d0[column(e, "query_terms")], 3.0F);
    EXPECT_EQ(d0[column(e, "doc_length")], 4.0F);
    EXPECT_EQ(d3[column(e, "doc_length")], 2.0F);
    EXPECT_EQ(d0[column(e, "matched_terms")], 2.0F);
    EXPECT_FLOAT_EQ(d0[column(e, "coverage")], 2.0F / 3.0F);
    EXPECT_EQ(d2[column(e, "coverage")], 0.0F);
    // idf: apple df 2, cherry df 3, of N = 4 (Lucene: ln(1 + (N - df + .5) / (df + .5))).
    const double idf_apple = std::log(1.0 + 2.5 / 2.5);
    const double idf_cherry = std::log(1.0 + 1.5 / 3.5);
    EXPECT_NEAR(d0[column(e, "idf_sum")], idf_apple + idf_cherry, 1e-6);
    EXPECT_NEAR(d0[column(e, "idf_max")], idf_apple, 1e-6);
    EXPECT_NEAR(d0[column(e, "idf_min")], idf_cherry, 1e-6);
    EXPECT_NEAR(d0[column(e, "idf_mean")], (idf_apple + idf_cherry) / 2, 1e-6);
    EXPECT_EQ(d0[column(e, "tf_sum")], 3.0F);  // apple 2 + cherry 1
    EXPECT_EQ(d0[column(e, "tf_max")], 2.0F);
    EXPECT_FLOAT_EQ(d0[column(e, "tf_mean")], 1.0F);
    // Dirichlet: |C| = 12 tokens ("with", "on" are stop words), cf(apple) = cf(cherry) = 3;
    // apple counted twice.
    const double mu = 10.0;
    const double lm_d0 =
        2 * std::log((2 + mu * 3 / 12) / (4 + mu)) + std::log((1 + mu * 3 / 12) / (4 + mu));
    EXPECT_NEAR(d0[column(e, "lm_dirichlet")], lm_d0, 1e-5);
    // BM25: Lucene's formula with boost 2 for apple, k1 0.9, b 0.4, avgdl 12/4.
    const float avgdl = 12.0F / 4.0F;
    retrieve::Bm25FieldScorer scorer({0.9F, 0.4F}, avgdl);
    const std::uint8_t norm0 = index.field(0).norm(0);
    const double bm25_d0 = double{scorer.score(2.0F * static_cast<float>(idf_apple), 2, norm0)} +
                           double{scorer.score(static_cast<float>(idf_cherry), 1, norm0)};
    EXPECT_FLOAT_EQ(d0[column(e, "bm25")], static_cast<float>(bm25_d0));
    EXPECT_EQ(d2[column(e, "bm25")], 0.0F);
    // Proximity in d0 "apple banana apple cherry" (positions 0 1 2 3); query pairs
    // (apple, cherry), (cherry, apple), (apple, kiwi). apple@2 -> cherry@3 within 2;
    // apple@0 -> cherry@3 within 8 as well; cherry@3 is followed by no apple.
    EXPECT_EQ(d0[column(e, "prox_ordered_w2")], 1.0F);
    EXPECT_EQ(d0[column(e, "prox_ordered_w8")], 2.0F);
    // Unordered within distance < 8: apple@0, apple@2 (cherry near), cherry@3 (apple near).
    EXPECT_EQ(d0[column(e, "prox_unordered_w8")], 3.0F);
    EXPECT_EQ(d0[column(e, "min_cover")], 2.0F);  // apple@2 cherry@3
    EXPECT_EQ(d3[column(e, "min_cover")], 2.0F);  // "cherry apple"
    EXPECT_TRUE(std::isnan(d2[column(e, "min_cover")]));
}

TEST(LtrFeatures, ProximityOracle) {
    // Positions: a {0, 10, 20}, b {3, 12}, c {30}.
    std::vector<std::vector<std::uint32_t>> pos = {{0, 10, 20}, {3, 12}, {30}};
    std::vector<std::pair<std::size_t, std::size_t>> pairs = {{0, 1}, {1, 2}};
    Proximity p = proximity(pos, pairs);
    EXPECT_EQ(p.ordered_w2, 1.0F);    // a@10 -> b@12
    EXPECT_EQ(p.ordered_w8, 2.0F);    // a@0 -> b@3, a@10 -> b@12; b -> c none within 8
    EXPECT_EQ(p.unordered_w8, 2.0F);  // a@0 (b@3), a@10 (b@3, b@12); a@20 and b -> c: none
    EXPECT_EQ(p.min_cover, 19.0F);    // b@12 a@20 c@30 = 19
}

TEST(LtrFeatures, EmptyQueryAndCandidates) {
    TempDir dir;
    index::Index index = build(dir, tiny_docs(), false);
    FeatureExtractor e(index, {});
    std::vector<float> out;
    e.extract("apple", {}, {}, out);
    EXPECT_TRUE(out.empty());
    std::vector<Candidate> cands(1);
    e.extract("the", cands, {}, out);
    ASSERT_EQ(out.size(), e.num_features());
    EXPECT_EQ(out[column(e, "query_terms")], 0.0F);
    EXPECT_EQ(out[column(e, "coverage")], 0.0F);
}

TEST(LtrFeatures, ExcludedFeaturesLeaveTheirColumnsOut) {
    TempDir dir;
    index::Index idx = build(dir, tiny_docs(), true);
    FeatureConfig config;
    config.recorded = {"first_stage_score"};
    const FeatureExtractor full(idx, config);
    EXPECT_EQ(full.names().size(), 1 + computed_feature_names(idx).size());
    EXPECT_EQ(document_features(), (std::vector<std::string>{"doc_length"}));
    config.excluded = {"doc_length", "min_cover"};
    const FeatureExtractor some(idx, config);
    ASSERT_EQ(some.names().size(), full.names().size() - 2);
    EXPECT_EQ(std::count(some.names().begin(), some.names().end(), "doc_length"), 0);
    EXPECT_EQ(std::count(some.names().begin(), some.names().end(), "min_cover"), 0);
    std::vector<Candidate> candidates;
    for (std::uint32_t d = 0; d < 4; ++d) {
        Candidate c{d, 0.0F, {}};
        c.set_feature(0, static_cast<float>(d));
        candidates.push_back(c);
    }
    const FeatureId ids[] = {0};
    std::vector<float> a;
    std::vector<float> b;
    full.extract("apple cherry", candidates, ids, a);
    some.extract("apple cherry", candidates, ids, b);
    // Every kept column holds the full extractor's value.
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        for (std::size_t j = 0; j < some.names().size(); ++j) {
            const std::size_t k = column(full, some.names()[j]);
            const float want = a[c * full.num_features() + k];
            const float have = b[c * some.num_features() + j];
            EXPECT_TRUE(want == have || (std::isnan(want) && std::isnan(have)))
                << some.names()[j] << " of candidate " << c;
        }
    }
    config.excluded = {"no_such_feature"};
    try {
        const FeatureExtractor bad(idx, config);
        FAIL() << "expected an error";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_feature"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace cascade::rerank::ltr
