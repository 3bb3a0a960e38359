#include "serve/batcher.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "serve/fake_scorer.hpp"
#include "serve/metrics.hpp"

namespace cascade::serve {
namespace {

using Clock = std::chrono::steady_clock;
using testing::FakeScorer;
using testing::FakeScorerState;

std::vector<model::Encoding> pairs(const FakeScorer& s, std::vector<std::string> docs) {
    return s.encode("q", docs, 64);
}

TEST(ServeBatcher, RequestsQueuedWhileTheModelIsBusyShareOneBatch) {
    FakeScorerState state;
    state.hold = true;
    Metrics metrics;
    auto scorer = std::make_unique<FakeScorer>(state);
    FakeScorer& s = *scorer;
    Batcher batcher("fake", std::move(scorer), BatcherOptions{}, &metrics);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    auto first = batcher.submit(pairs(s, {"a"}), deadline);
    state.wait_scoring();  // the first request is now inside the model
    auto second = batcher.submit(pairs(s, {"bb", "ccc"}), deadline);
    auto third = batcher.submit(pairs(s, {"dddd"}), deadline);
    EXPECT_EQ(batcher.depth(), 3U);
    state.release();
    EXPECT_EQ(first.get(), (std::vector<float>{3}));
    EXPECT_EQ(second.get(), (std::vector<float>{4, 5}));
    EXPECT_EQ(third.get(), (std::vector<float>{6}));
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{1, 3}));
    EXPECT_NE(metrics.render().find("cascade_model_batch_requests_bucket{model=\"fake\",le=\"2\"} 2"),
              std::string::npos)
        << metrics.render();
}

TEST(ServeBatcher, TokenBudgetSplitsBatches) {
    FakeScorerState state;
    state.hold = true;
    auto scorer = std::make_unique<FakeScorer>(state);
    FakeScorer& s = *scorer;
    BatcherOptions options;
    options.max_batch_tokens = 10;  // each request below has 6 tokens
    Batcher batcher("fake", std::move(scorer), options, nullptr);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    auto a = batcher.submit(pairs(s, {"x", "y"}), deadline);
    state.wait_scoring();
    auto b = batcher.submit(pairs(s, {"x", "y"}), deadline);
    auto c = batcher.submit(pairs(s, {"x", "y"}), deadline);
    state.release();
    a.get();
    b.get();
    c.get();
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{2, 2, 2}));
}

TEST(ServeBatcher, FullQueueThrowsAndExpiredRequestsAreNotRun) {
    FakeScorerState state;
    state.hold = true;
    auto scorer = std::make_unique<FakeScorer>(state);
    FakeScorer& s = *scorer;
    BatcherOptions options;
    options.max_queue = 2;
    Batcher batcher("fake", std::move(scorer), options, nullptr);
    auto far = Clock::now() + std::chrono::seconds(60);
    auto running = batcher.submit(pairs(s, {"a"}), far);
    state.wait_scoring();
    auto expired = batcher.submit(pairs(s, {"b"}), Clock::now());
    EXPECT_THROW((void)batcher.submit(pairs(s, {"c"}), far), QueueFull);
    state.release();
    EXPECT_EQ(running.get().size(), 1U);
    EXPECT_THROW(expired.get(), DeadlineExceeded);
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{1}));
}

TEST(ServeBatcher, ReplicasRunBatchesAtTheSameTime) {
    FakeScorerState first_state;
    FakeScorerState second_state;
    first_state.hold = true;
    second_state.hold = true;
    std::vector<std::unique_ptr<PairScorer>> replicas;
    replicas.push_back(std::make_unique<FakeScorer>(first_state));
    replicas.push_back(std::make_unique<FakeScorer>(second_state));
    const FakeScorer tokenizer(first_state);
    Batcher batcher("fake", std::move(replicas), BatcherOptions{}, nullptr);
    EXPECT_EQ(batcher.replicas(), 2U);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    // Polls (bounded, so a failure does not hang) until `scoring` replicas are in score().
    auto replicas_scoring = [&](int scoring) {
        for (int i = 0; i < 1000; ++i) {
            {
                std::scoped_lock lock(first_state.mutex, second_state.mutex);
                if (int(first_state.scoring) + int(second_state.scoring) == scoring) return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    };
    auto a = batcher.submit(pairs(tokenizer, {"a"}), deadline);
    EXPECT_TRUE(replicas_scoring(1));
    // One replica is held inside score(); the other must take the next request at once.
    // With one worker the second batch would wait for the first.
    auto b = batcher.submit(pairs(tokenizer, {"bb"}), deadline);
    EXPECT_TRUE(replicas_scoring(2));
    first_state.release();
    second_state.release();
    EXPECT_EQ(a.get(), (std::vector<float>{3}));
    EXPECT_EQ(b.get(), (std::vector<float>{4}));
    EXPECT_EQ(first_state.batch_sizes, (std::vector<std::size_t>{1}));
    EXPECT_EQ(second_state.batch_sizes, (std::vector<std::size_t>{1}));
}

}  // namespace
}  // namespace cascade::serve
