/// The model pool: one load per key, shared handles, option parsing, and the BERT family behind
/// the seam giving the scores of the model layer's own CrossEncoder / BiEncoder.
#include "runtime/model_pool.hpp"

#include <gtest/gtest.h>

#include "model/text_encoders.hpp"
#include "runtime/fake_model.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

const std::string kModels = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/";

struct CountingLoader {
    testing::FakeModelState state;
    std::size_t calls = 0;
    ModelLoader loader() {
        return [this](const ModelOptions&, Task, std::size_t) {
            ++calls;
            return std::make_unique<testing::FakeModel>(state);
        };
    }
};

ModelOptions folder(const std::string& dir) {
    ModelOptions o;
    o.dir = dir;
    return o;
}

TEST(ModelPool, SameKeyLoadsOnceAndSharesTheScheduler) {
    CountingLoader counting;
    ModelPool pool({}, counting.loader());
    auto a = pool.get(folder("/tmp/some-model"), Task::ScorePairs, "ce");
    auto b = pool.get(folder("/tmp/some-model/"), Task::ScorePairs, "other-name");
    auto c = pool.get(folder("/tmp/../tmp/some-model"), Task::ScorePairs);
    EXPECT_EQ(pool.loads(), 1U);
    EXPECT_EQ(counting.calls, 1U);
    EXPECT_EQ(a.get(), b.get());
    EXPECT_EQ(a.get(), c.get());
    EXPECT_EQ(a->name(), "ce");  // the first caller names it
    // Another precision, maximum length or folder is another model.
    ModelOptions int8 = folder("/tmp/some-model");
    int8.set("int8", "true");
    ModelOptions shorter = folder("/tmp/some-model");
    shorter.set("max_length", "128");
    (void)pool.get(int8, Task::ScorePairs);
    (void)pool.get(shorter, Task::ScorePairs);
    (void)pool.get(folder("/tmp/another"), Task::ScorePairs);
    EXPECT_EQ(pool.loads(), 4U);
    // batch_size and threads tune a copy; they do not make a new one.
    ModelOptions tuned = folder("/tmp/some-model");
    tuned.set("batch_size", "8");
    tuned.set("threads", "3");
    EXPECT_EQ(pool.get(tuned, Task::ScorePairs).get(), a.get());
    EXPECT_EQ(pool.loads(), 4U);
}

TEST(ModelPool, ReplicasAreLoadedPerModelAndTheNameDefaultsToTheFolder) {
    CountingLoader counting;
    PoolOptions options;
    options.replicas = 3;
    ModelPool pool(options, counting.loader());
    auto m = pool.get(folder("/tmp/models/minilm/"), Task::ScorePairs);
    EXPECT_EQ(counting.calls, 3U);
    EXPECT_EQ(pool.loads(), 1U);
    EXPECT_EQ(m->scheduler().replicas(), 3U);
    EXPECT_EQ(m->name(), "minilm");
}

TEST(ModelPool, ScorePairsManyKeepsEachQueryItsOwnScores) {
    CountingLoader counting;
    PoolOptions options;
    options.scheduling.max_wait = std::chrono::microseconds(0);
    ModelPool pool(options, counting.loader());
    auto m = pool.get(folder("/tmp/m"), Task::ScorePairs);
    std::vector<std::string> queries{"q1", "q2"};
    std::vector<std::vector<std::string>> docs{{"a", "bbb"}, {"cc"}};
    auto futures = m->score_pairs_many(queries, docs);
    EXPECT_EQ(futures[0].get(), (std::vector<float>{3, 5}));
    EXPECT_EQ(futures[1].get(), (std::vector<float>{4}));
    std::lock_guard lock(counting.state.mutex);
    ASSERT_EQ(counting.state.batch_queries.size(), 1U);
    EXPECT_EQ(counting.state.batch_queries[0].size(), 2U);
}

TEST(ModelPool, AModelLoadedForOneTaskIsNotHandedOutForAnother) {
    CountingLoader counting;
    ModelPool pool({}, counting.loader());
    (void)pool.get(folder("/tmp/m"), Task::ScorePairs);
    EXPECT_THROW((void)pool.get(folder("/tmp/m"), Task::EmbedTexts), UsageError);
}

TEST(ModelOptions, SetParsesEveryOptionAndNamesTheKeyOnError) {
    ModelOptions o;
    o.set("precision", "int8");
    EXPECT_EQ(o.precision, Precision::Int8);
    o.set("int8", "false");
    EXPECT_EQ(o.precision, Precision::Fp32);
    o.set("precision", "bf16");
    EXPECT_EQ(o.precision, Precision::Bf16);
    EXPECT_EQ(to_string(o.precision), "bf16");
    EXPECT_NE(o.key().find("|bf16|"), std::string::npos) << o.key();
    o.set("device", "auto");
    EXPECT_EQ(o.device, Device::Auto);
    o.set("max_length", "256");
    EXPECT_EQ(o.max_length, 256U);
    o.set("batch_size", "4");
    EXPECT_EQ(o.batch_size, 4U);
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, std::string>>{{"precision", "fp16"},
                                                          {"device", "tpu"},
                                                          {"int8", "yes"},
                                                          {"batch_size", "0"},
                                                          {"max_length", "12x"},
                                                          {"threads", "-1"},
                                                          {"colour", "red"}}) {
        try {
            o.set(key, value);
            ADD_FAILURE() << key << "=" << value << " was accepted";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    }
    for (const auto& info : model_option_infos())
        EXPECT_TRUE(ModelOptions::is_option(info.key)) << info.key;
    EXPECT_FALSE(ModelOptions::is_option("k"));
}

TEST(ModelOptions, CudaIsAClearErrorWithoutAGpuBackendAndAutoFallsBackToCpu) {
    if (has_gpu_backend())
        GTEST_SKIP() << "built with a GPU backend";
    EXPECT_EQ(resolve_device(Device::Auto), Device::Cpu);
    try {
        (void)resolve_device(Device::Cuda);
        ADD_FAILURE() << "cuda accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("CASCADE_CUDA"), std::string::npos) << e.what();
    }
    ModelOptions o = folder(kModels + "bert-micro-ce");
    o.set("device", "cuda");
    ModelPool pool;
    EXPECT_THROW((void)pool.get(o, Task::ScorePairs), UsageError);
    EXPECT_EQ(pool.loads(), 0U);
}

TEST(BertFamily, PoolScoresEqualTheModelLayersCrossEncoder) {
    ModelPool pool;
    auto m = pool.get(folder(kModels + "bert-micro-ce"), Task::ScorePairs);
    std::vector<std::string> docs{"apple banana", "cherry elder fig", "grape"};
    const auto got = m->score_pairs("apple pie", docs).get();
    model::CrossEncoder oracle(kModels + "bert-micro-ce", model::EncoderOptions{1, 1, false});
    ASSERT_EQ(got.size(), docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i)
        EXPECT_EQ(got[i], oracle.score({{"apple pie", docs[i]}})[0]) << i;
}

TEST(BertFamily, Bf16PrecisionReachesTheEncoderAndStaysCloseToFp32) {
    ModelPool pool;
    ModelOptions o = folder(kModels + "bert-micro-ce");
    o.set("precision", "bf16");
    auto m = pool.get(o, Task::ScorePairs);
    std::vector<std::string> docs{"apple banana", "cherry elder fig", "grape", "apple pie"};
    const auto got = m->score_pairs("apple pie", docs).get();
    model::EncoderOptions bf16;
    bf16.bf16 = true;
    model::CrossEncoder oracle(kModels + "bert-micro-ce", bf16);
    model::CrossEncoder fp32(kModels + "bert-micro-ce", model::EncoderOptions{});
    ASSERT_EQ(got.size(), docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i) {
        EXPECT_EQ(got[i], oracle.score({{"apple pie", docs[i]}})[0]) << i;
        EXPECT_NEAR(got[i], fp32.score({{"apple pie", docs[i]}})[0], 0.05) << i;
    }
    model::EncoderOptions both;
    both.int8 = both.bf16 = true;
    EXPECT_THROW(model::CrossEncoder(kModels + "bert-micro-ce", both), UsageError);
}

TEST(BertFamily, PoolEmbeddingsEqualTheModelLayersBiEncoder) {
    ModelPool pool;
    auto m = pool.get(folder(kModels + "bert-micro-bi"), Task::EmbedTexts);
    std::vector<std::string> texts{"apple banana", "cherry"};
    const auto got = m->embed_texts(texts).get();
    model::BiEncoder oracle(kModels + "bert-micro-bi", model::EncoderOptions{1, 1, false});
    const auto want = oracle.embed(texts);
    ASSERT_EQ(got.size(), want.size() * want[0].size());
    EXPECT_EQ(m->model().output_width(), want[0].size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        for (std::size_t j = 0; j < want[i].size(); ++j)
            EXPECT_EQ(got[i * want[i].size() + j], want[i][j]);
    }
}

TEST(BertFamily, TheWrongKindOfFolderNamesTheFolder) {
    ModelPool pool;
    try {
        (void)pool.get(folder(kModels + "bert-micro-bi"), Task::ScorePairs);
        ADD_FAILURE() << "an embedding model was loaded to score pairs";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bert-micro-bi"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace cascade::runtime
