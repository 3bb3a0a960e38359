// LambdaMART training on synthetic data, model directories, feature-list checks.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "rerank/ltr/lambdamart.hpp"
#include "rerank/ltr/model.hpp"
#include "rerank/ltr/train.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {
namespace {

using cascade::testing::TempDir;

/// `queries` groups of 20 rows, 3 features: column 1 is relevance plus a little noise (the
/// only informative feature), columns 0 and 2 are noise.
RankingData synthetic(std::size_t queries, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> noise(0.0F, 1.0F);
    RankingData data;
    data.num_features = 3;
    for (std::size_t q = 0; q < queries; ++q) {
        for (int r = 0; r < 20; ++r) {
            const float label = r < 2 ? 1.0F : 0.0F;
            data.features.push_back(noise(rng));
            data.features.push_back(label * 2.0F + noise(rng));
            data.features.push_back(noise(rng));
            data.labels.push_back(label);
        }
        data.groups.push_back(20);
    }
    return data;
}

LambdaMartParams small_params() {
    LambdaMartParams p;
    p.rounds = 30;
    p.early_stopping = 5;
    p.max_depth = 2;
    p.eta = 0.3;
    p.min_child_weight = 0.1;  // tiny data: hessian sums per leaf are small
    return p;
}

TEST(LambdaMart, LearnsThePredictiveFeature) {
    TrainingLog log;
    LambdaMart model = LambdaMart::train(synthetic(40, 1), synthetic(10, 2), small_params(), log);
    EXPECT_EQ(model.num_features(), 3U);
    EXPECT_GT(log.valid_ndcg, 0.99);
    EXPECT_LE(log.best_iteration + 1, log.rounds_run);
    // Scores must order rows by column 1 whatever the noise columns say.
    std::vector<float> rows = {0.9F, 0.1F, 0.9F,  //
                               0.1F, 2.5F, 0.1F,  //
                               0.5F, 0.5F, 0.5F};
    std::vector<float> scores = model.predict(rows);
    ASSERT_EQ(scores.size(), 3U);
    EXPECT_GT(scores[1], scores[0]);
    EXPECT_GT(scores[1], scores[2]);
}

TEST(LambdaMart, DeterministicForASeed) {
    TrainingLog a_log;
    TrainingLog b_log;
    LambdaMart a = LambdaMart::train(synthetic(20, 3), {}, small_params(), a_log);
    LambdaMart b = LambdaMart::train(synthetic(20, 3), {}, small_params(), b_log);
    RankingData probe = synthetic(2, 9);
    EXPECT_EQ(a.predict(probe.features), b.predict(probe.features));
    EXPECT_EQ(a_log.rounds_run, small_params().rounds);  // no validation: every round runs
}

TEST(LambdaMart, RejectsBadParameters) {
    TrainingLog log;
    LambdaMartParams p = small_params();
    p.eta = 0.0;
    EXPECT_THROW((void)LambdaMart::train(synthetic(2, 1), {}, p, log), UsageError);
    EXPECT_THROW((void)LambdaMart::train(RankingData{3, {}, {}, {}}, {}, small_params(), log),
                 UsageError);
}

TEST(LambdaMart, ParseEval) {
    const std::string line = "[3]\ttrain-ndcg@10:0.8125\tvalid-ndcg@10:0.5";
    EXPECT_DOUBLE_EQ(parse_eval(line, "train-ndcg@10"), 0.8125);
    EXPECT_DOUBLE_EQ(parse_eval(line, "valid-ndcg@10"), 0.5);
    EXPECT_TRUE(std::isnan(parse_eval(line, "valid-map")));
}

TEST(LtrModelDir, SaveLoadRoundTripAndMismatch) {
    TempDir dir;
    TrainingLog log;
    LambdaMart model = LambdaMart::train(synthetic(20, 4), {}, small_params(), log);
    LtrManifest manifest;
    manifest.features = {"noise_a", "signal", "noise_b"};
    manifest.analyzer = "english+porter+stop";
    manifest.training = {{"note", "test"}};
    save_ltr_model(dir / "m", model, manifest);
    LtrModel loaded = load_ltr_model(dir / "m");
    EXPECT_EQ(loaded.manifest.features, manifest.features);
    EXPECT_EQ(loaded.manifest.analyzer, manifest.analyzer);
    EXPECT_EQ(loaded.manifest.training["note"], "test");
    RankingData probe = synthetic(2, 5);
    EXPECT_EQ(loaded.booster.predict(probe.features), model.predict(probe.features));

    const std::vector<std::string> same = manifest.features;
    EXPECT_NO_THROW(check_features(loaded.manifest, same, dir / "m"));
    const std::vector<std::string> other = {"noise_a", "signal", "min_cover"};
    try {
        check_features(loaded.manifest, other, dir / "m");
        FAIL() << "mismatch not detected";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("column 2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("min_cover"), std::string::npos) << e.what();
    }
    const std::vector<std::string> shorter = {"noise_a", "signal"};
    EXPECT_THROW(check_features(loaded.manifest, shorter, dir / "m"), Error);
}

TEST(LtrModelDir, BrokenDirectoriesAreClearErrors) {
    TempDir dir;
    EXPECT_THROW((void)load_ltr_model(dir / "absent"), IoError);
    std::filesystem::create_directories(dir / "bad");
    cascade::testing::write_file(dir / "bad" / "manifest.json", "{\"format\": 1}");
    EXPECT_THROW((void)load_ltr_model(dir / "bad"), CorruptionError);
    cascade::testing::write_file(dir / "bad" / "manifest.json", "not json");
    EXPECT_THROW((void)load_ltr_model(dir / "bad"), CorruptionError);
    cascade::testing::write_file(
        dir / "bad" / "manifest.json",
        R"({"format":1,"features":["a"],"recorded":[],"analyzer":"x","bm25":{"k1":0.9,"b":0.4},)"
        R"("dirichlet_mu":1000})");
    cascade::testing::write_file(dir / "bad" / "model.json", "{\"truncated\": ");
    EXPECT_THROW((void)load_ltr_model(dir / "bad"), CorruptionError);
}

TEST(LtrTrain, SplitIsSeededAndComplete) {
    std::vector<std::size_t> train;
    std::vector<std::size_t> valid;
    split_queries(10, 0.2, 42, train, valid);
    EXPECT_EQ(valid.size(), 2U);
    EXPECT_EQ(train.size(), 8U);
    std::vector<std::size_t> train2;
    std::vector<std::size_t> valid2;
    split_queries(10, 0.2, 42, train2, valid2);
    EXPECT_EQ(valid, valid2);
    std::vector<std::size_t> all = train;
    all.insert(all.end(), valid.begin(), valid.end());
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(all[i], i);
    }
    EXPECT_THROW(split_queries(10, 1.0, 42, train, valid), UsageError);
}

}  // namespace
}  // namespace cascade::rerank::ltr
