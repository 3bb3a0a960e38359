#pragma once
/// Test double for PairScorer: scores a pair by its document's length, records batch sizes and
/// thread counts, and can be held (blocked) to fill queues.

#include <condition_variable>
#include <mutex>
#include <vector>

#include "serve/batcher.hpp"

namespace cascade::serve::testing {

struct FakeScorerState {
    std::mutex mutex;
    std::condition_variable cv;
    bool hold = false;     ///< score() waits while true
    bool scoring = false;  ///< true while score() is running
    std::vector<std::size_t> batch_sizes;
    std::vector<std::size_t> threads;  ///< the thread count of every score() call, in order

    void release() {
        {
            std::lock_guard lock(mutex);
            hold = false;
        }
        cv.notify_all();
    }
    /// Blocks until score() has started.
    void wait_scoring() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return scoring; });
    }
};

/// Score = number of tokens of the pair (ids.size()); one token per byte of the document.
class FakeScorer final : public PairScorer {
public:
    explicit FakeScorer(FakeScorerState& state, std::size_t max_length = 64)
        : m_state(state), m_max_length(max_length) {}

    std::vector<model::Encoding> encode(const std::string& query,
                                        std::span<const std::string> documents,
                                        std::size_t max_length) const override {
        std::vector<model::Encoding> out;
        for (const auto& d : documents) {
            model::Encoding e;
            e.ids.assign(std::min(d.size() + 2, max_length), 1);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::vector<float> score(const std::vector<model::Encoding>& encodings,
                             std::size_t threads) override {
        std::unique_lock lock(m_state.mutex);
        m_state.threads.push_back(threads);
        m_state.scoring = true;
        m_state.cv.notify_all();
        m_state.cv.wait(lock, [&] { return !m_state.hold; });
        m_state.batch_sizes.push_back(encodings.size());
        std::vector<float> out;
        for (const auto& e : encodings)
            out.push_back(static_cast<float>(e.ids.size()));
        return out;
    }

    std::size_t max_length() const override { return m_max_length; }

private:
    FakeScorerState& m_state;
    std::size_t m_max_length;
};

}  // namespace cascade::serve::testing
