/// The service's Metrics as the observer of a model scheduler: what a batch records on /metrics.
#include <gtest/gtest.h>

#include "runtime/fake_model.hpp"
#include "runtime/scheduler.hpp"
#include "serve/metrics.hpp"

namespace cascade::serve {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::testing::FakeModel;
using runtime::testing::FakeModelState;

TEST(ServeMetrics, RequestsQueuedWhileTheModelIsBusyShareOneBatch) {
    FakeModelState state;
    state.hold = true;
    Metrics metrics;
    auto scorer = std::make_unique<FakeModel>(state);
    FakeModel& s = *scorer;
    runtime::Scheduler batcher("fake", std::move(scorer), runtime::SchedulerOptions{}, &metrics);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    auto pairs = [&](std::vector<std::string> docs) { return s.encode_pairs("q", docs, 64); };
    auto first = batcher.submit(pairs({"a"}), deadline);
    state.wait_scoring();  // the first request is now inside the model
    auto second = batcher.submit(pairs({"bb", "ccc"}), deadline);
    auto third = batcher.submit(pairs({"dddd"}), deadline);
    EXPECT_EQ(batcher.depth(), 3U);
    state.release();
    EXPECT_EQ(first.get(), (std::vector<float>{3}));
    EXPECT_EQ(second.get(), (std::vector<float>{4, 5}));
    EXPECT_EQ(third.get(), (std::vector<float>{6}));
    std::lock_guard lock(state.mutex);
    EXPECT_EQ(state.batch_sizes, (std::vector<std::size_t>{1, 3}));
    EXPECT_NE(
        metrics.render().find("cascade_model_batch_requests_bucket{model=\"fake\",le=\"2\"} 2"),
        std::string::npos)
        << metrics.render();
}

}  // namespace
}  // namespace cascade::serve
