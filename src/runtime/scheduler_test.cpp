#include "runtime/scheduler.hpp"

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

#include "util/error.hpp"

#include "runtime/fake_model.hpp"

namespace cascade::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using testing::FakeModel;
using testing::FakeModelState;

std::vector<model::Encoding> pairs(const FakeModel& s, std::vector<std::string> docs) {
    return s.encode_pairs("q", docs, 64);
}

/// Records what the scheduler reports.
struct RecordingObserver final : SchedulerObserver {
    std::mutex mutex;
    std::vector<std::size_t> requests_per_batch;
    void record_batch(const std::string& /*model*/, std::size_t /*items*/, std::size_t requests,
                      std::size_t /*tokens*/, double /*seconds*/) override {
        std::lock_guard lock(mutex);
        requests_per_batch.push_back(requests);
    }
    void set_queue_depth(const std::string& /*model*/, std::size_t /*depth*/) override {}
};

TEST(Scheduler, RequestsQueuedWhileTheModelIsBusyShareOneBatch) {
    FakeModelState state;
    state.hold = true;
    RecordingObserver observer;
    auto scorer = std::make_unique<FakeModel>(state);
    FakeModel& s = *scorer;
    Scheduler batcher("fake", std::move(scorer), SchedulerOptions{}, &observer);
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
    std::lock_guard observed(observer.mutex);
    EXPECT_EQ(observer.requests_per_batch, (std::vector<std::size_t>{1, 2}));
}

TEST(Scheduler, SubmitAllQueuesRequestsTogetherInOnePass) {
    FakeModelState state;
    FakeModel tokenizer(state);
    SchedulerOptions options;
    options.max_wait = std::chrono::microseconds(0);  // no waiting for company
    Scheduler batcher("fake", std::make_unique<FakeModel>(state), options, nullptr);
    std::vector<std::vector<model::Encoding>> requests;
    requests.push_back(tokenizer.encode_pairs("q1", std::vector<std::string>{"a", "bb"}, 64));
    requests.push_back(tokenizer.encode_pairs("q2", std::vector<std::string>{"ccc"}, 64));
    requests.push_back(tokenizer.encode_pairs("q3", std::vector<std::string>{"d"}, 64));
    auto futures = batcher.submit_all(std::move(requests), Clock::time_point::max());
    ASSERT_EQ(futures.size(), 3U);
    EXPECT_EQ(futures[0].get(), (std::vector<float>{3, 4}));
    EXPECT_EQ(futures[1].get(), (std::vector<float>{5}));
    EXPECT_EQ(futures[2].get(), (std::vector<float>{3}));
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{4}));
    ASSERT_EQ(state.batch_queries.size(), 1U);
    EXPECT_EQ(state.batch_queries[0].size(), 3U);  // three queries in one forward pass
}

// Ragged outputs (Model::output_size per encoding): requests merged into one pass each get
// exactly their own encodings' floats, in order.
TEST(Scheduler, RaggedOutputsAreSplitPerRequestByOutputSize) {
    FakeModelState state;
    state.hold = true;
    auto model = std::make_unique<testing::FakeTokenModel>(state);
    testing::FakeTokenModel& tokens = *model;
    Scheduler batcher("ragged", std::move(model), SchedulerOptions{}, nullptr);
    const auto texts = [&](std::vector<std::string> t) { return tokens.encode_texts(t, 64); };
    auto deadline = Clock::now() + std::chrono::seconds(60);
    auto first = batcher.submit(texts({"ab"}), deadline);
    state.wait_scoring();
    auto second = batcher.submit(texts({"abc", "", "a"}), deadline);
    auto third = batcher.submit(texts({"abcd"}), deadline);
    state.release();
    EXPECT_EQ(first.get(), (std::vector<float>{200, 201}));
    EXPECT_EQ(second.get(), (std::vector<float>{300, 301, 302, 100}));  // "" has no output
    EXPECT_EQ(third.get(), (std::vector<float>{400, 401, 402, 403}));
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{1, 4}));  // 2nd and 3rd merged
}

TEST(Scheduler, SubmitAllRefusesWhatDoesNotFitAndQueuesNothing) {
    FakeModelState state;
    state.hold = true;
    FakeModel tokenizer(state);
    SchedulerOptions options;
    options.max_queue = 2;
    Scheduler batcher("fake", std::make_unique<FakeModel>(state), options, nullptr);
    std::vector<std::vector<model::Encoding>> three(3, pairs(tokenizer, {"a"}));
    EXPECT_THROW((void)batcher.submit_all(three, Clock::time_point::max()), QueueFull);
    EXPECT_EQ(batcher.depth(), 0U);
    state.release();
}

TEST(Scheduler, EmbeddingOutputsAreSplitByWidth) {
    /// Two floats per text: its length and its length squared.
    struct Embedder final : Model {
        Task task() const override { return Task::EmbedTexts; }
        std::size_t max_length() const override { return 16; }
        std::size_t output_width() const override { return 2; }
        std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                                   std::size_t /*threads*/) override {
            std::vector<float> out;
            for (const auto& e : encodings) {
                const auto n = static_cast<float>(e.ids.size());
                out.push_back(n);
                out.push_back(n * n);
            }
            return out;
        }
    };
    Scheduler batcher("emb", std::make_unique<Embedder>(), SchedulerOptions{}, nullptr);
    std::vector<model::Encoding> texts(2);
    texts[0].ids = {1, 2};
    texts[1].ids = {1, 2, 3};
    auto f = batcher.submit(texts, Clock::time_point::max());
    EXPECT_EQ(f.get(), (std::vector<float>{2, 4, 3, 9}));
    EXPECT_THROW((void)Embedder().encode_pairs("q", std::vector<std::string>{"d"}, 8), Error);
}

TEST(Scheduler, TokenBudgetSplitsBatches) {
    FakeModelState state;
    state.hold = true;
    auto scorer = std::make_unique<FakeModel>(state);
    FakeModel& s = *scorer;
    SchedulerOptions options;
    options.max_batch_tokens = 10;  // each request below has 6 tokens
    Scheduler batcher("fake", std::move(scorer), options, nullptr);
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

TEST(Scheduler, FullQueueThrowsAndExpiredRequestsAreNotRun) {
    FakeModelState state;
    state.hold = true;
    auto scorer = std::make_unique<FakeModel>(state);
    FakeModel& s = *scorer;
    SchedulerOptions options;
    options.max_queue = 2;
    Scheduler batcher("fake", std::move(scorer), options, nullptr);
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

/// Two fake replicas that hold inside score() until their state is released.
std::vector<std::unique_ptr<Model>> held_replicas(FakeModelState& first, FakeModelState& second) {
    first.hold = true;
    second.hold = true;
    std::vector<std::unique_ptr<Model>> replicas;
    replicas.push_back(std::make_unique<FakeModel>(first));
    replicas.push_back(std::make_unique<FakeModel>(second));
    return replicas;
}

TEST(Scheduler, ReplicasRunBatchesAtTheSameTime) {
    FakeModelState first_state;
    FakeModelState second_state;
    std::vector<std::unique_ptr<Model>> replicas = held_replicas(first_state, second_state);
    const FakeModel tokenizer(first_state);
    Scheduler batcher("fake", std::move(replicas), SchedulerOptions{}, nullptr);
    EXPECT_EQ(batcher.replicas(), 2U);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    // Polls (bounded, so a failure does not hang) until `scoring` replicas are in score().
    auto replicas_scoring = [&](int scoring) {
        for (int i = 0; i < 1000; ++i) {
            {
                std::scoped_lock lock(first_state.mutex, second_state.mutex);
                if (int(first_state.scoring) + int(second_state.scoring) == scoring)
                    return true;
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

TEST(SchedulerThreadBudget, APassAloneTakesEverythingAndBusyPassesSplit) {
    EXPECT_EQ(fair_threads(2, 1), 2U);
    EXPECT_EQ(fair_threads(2, 2), 1U);
    EXPECT_EQ(fair_threads(16, 1), 16U);
    EXPECT_EQ(fair_threads(16, 2), 8U);
    EXPECT_EQ(fair_threads(16, 4), 4U);
    EXPECT_EQ(fair_threads(7, 2), 3U);  // rounded down: never more than the budget together
}

TEST(SchedulerThreadBudget, NeverZero) {
    EXPECT_EQ(fair_threads(2, 3), 1U);  // more replicas busy than threads
    EXPECT_EQ(fair_threads(1, 64), 1U);
    EXPECT_EQ(fair_threads(0, 1), 1U);
    EXPECT_EQ(fair_threads(4, 0), 4U);  // busy 0 is read as the caller alone
}

TEST(Scheduler, ReplicasShareTheThreadBudget) {
    FakeModelState first_state;
    FakeModelState second_state;
    std::vector<std::unique_ptr<Model>> replicas = held_replicas(first_state, second_state);
    const FakeModel tokenizer(first_state);
    SchedulerOptions options;
    options.threads = 4;
    Scheduler batcher("fake", std::move(replicas), options, nullptr);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    // The thread counts both replicas were given so far, in call order per replica, or empty
    // when fewer than `calls` calls were seen within the bounded wait.
    auto threads_after = [&](std::size_t calls) -> std::vector<std::size_t> {
        for (int i = 0; i < 1000; ++i) {
            {
                std::scoped_lock lock(first_state.mutex, second_state.mutex);
                std::vector<std::size_t> all = first_state.threads;
                all.insert(all.end(), second_state.threads.begin(), second_state.threads.end());
                if (all.size() >= calls)
                    return all;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return {};
    };
    // A single request: one pass runs alone and gets all four threads.
    auto a = batcher.submit(pairs(tokenizer, {"a"}), deadline);
    EXPECT_EQ(threads_after(1), (std::vector<std::size_t>{4}));
    // A second request while the first pass is held: it starts beside it and gets half.
    auto b = batcher.submit(pairs(tokenizer, {"bb"}), deadline);
    auto both = threads_after(2);
    std::sort(both.begin(), both.end());
    EXPECT_EQ(both, (std::vector<std::size_t>{2, 4}));
    first_state.release();
    second_state.release();
    EXPECT_EQ(a.get(), (std::vector<float>{3}));
    EXPECT_EQ(b.get(), (std::vector<float>{4}));
    // Once both passes have ended (depth counts running requests until their worker is back),
    // the next request runs alone again with the whole budget.
    for (int i = 0; i < 1000 && batcher.depth() != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto c = batcher.submit(pairs(tokenizer, {"c"}), deadline);
    EXPECT_EQ(c.get(), (std::vector<float>{3}));
    auto all = threads_after(3);
    ASSERT_EQ(all.size(), 3U);
    std::size_t full = 0;
    for (auto t : all)
        full += t == 4 ? 1 : 0;
    EXPECT_EQ(full, 2U);
}

TEST(Scheduler, UnderLoadConcurrentPassesGetHalfEach) {
    FakeModelState states[2];
    std::vector<std::unique_ptr<Model>> replicas;
    for (auto& st : states) {
        st.hold = true;
        replicas.push_back(std::make_unique<FakeModel>(st));
    }
    const FakeModel tokenizer(states[0]);
    SchedulerOptions options;
    options.threads = 4;
    Scheduler batcher("fake", std::move(replicas), options, nullptr);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    // Thread counts per replica once `calls` score() calls were seen (bounded wait).
    auto counts = [&](std::size_t calls) {
        std::vector<std::vector<std::size_t>> per(2);
        for (int i = 0; i < 1000; ++i) {
            {
                std::scoped_lock lock(states[0].mutex, states[1].mutex);
                per = {states[0].threads, states[1].threads};
                if (per[0].size() + per[1].size() >= calls)
                    break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return per;
    };
    auto a = batcher.submit(pairs(tokenizer, {"a"}), deadline);  // alone: 4 threads, held
    auto per = counts(1);
    const std::size_t first = per[0].empty() ? 1 : 0;  // the replica that runs `a`
    ASSERT_EQ(per[first], (std::vector<std::size_t>{4}));
    auto b = batcher.submit(pairs(tokenizer, {"bb"}), deadline);  // beside `a`: 2, held
    EXPECT_EQ(counts(2)[1 - first], (std::vector<std::size_t>{2}));
    states[first].release();
    EXPECT_EQ(a.get(), (std::vector<float>{3}));
    // The replica that ran `a` takes `c` while `b` still runs: both running passes have half.
    auto c = batcher.submit(pairs(tokenizer, {"ccc"}), deadline);
    EXPECT_EQ(c.get(), (std::vector<float>{5}));
    per = counts(3);
    EXPECT_EQ(per[first], (std::vector<std::size_t>{4, 2}));
    EXPECT_EQ(per[1 - first], (std::vector<std::size_t>{2}));
    states[1 - first].release();
    EXPECT_EQ(b.get(), (std::vector<float>{4}));
}

}  // namespace
}  // namespace cascade::runtime
