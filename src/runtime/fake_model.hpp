#pragma once
/// Test doubles: a scoring model that scores a pair by its token count, records every forward
/// pass (sizes, thread counts, which queries it held), and can be held (blocked) to fill
/// queues; and a ragged-output model (a float per token). Used by the runtime, serve and
/// pipeline tests.

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/model.hpp"

namespace cascade::runtime::testing {

struct FakeModelState {
    std::mutex mutex;
    std::condition_variable cv;
    bool hold = false;     ///< forward() waits while true
    bool scoring = false;  ///< true while forward() is running
    std::vector<std::size_t> batch_sizes;
    std::vector<std::size_t> threads;  ///< the thread count of every forward() call, in order
    /// Per forward pass, the distinct query tags (first token id) of its pairs.
    std::vector<std::set<std::int32_t>> batch_queries;

    void release() {
        {
            std::lock_guard lock(mutex);
            hold = false;
        }
        cv.notify_all();
    }
    /// Blocks until forward() has started.
    void wait_scoring() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return scoring; });
    }
};

/// Score = number of tokens of the pair (ids.size()): one token per byte of the document plus
/// two, the first of which tags the query (1000 + a hash of its text).
class FakeModel final : public Model {
public:
    explicit FakeModel(FakeModelState& state, std::size_t max_length = 64)
        : m_state(state), m_max_length(max_length) {}

    static std::int32_t query_tag(const std::string& query) {
        return 1000 + static_cast<std::int32_t>(std::hash<std::string>{}(query) % 100000);
    }

    Task task() const override { return Task::ScorePairs; }
    std::size_t max_length() const override { return m_max_length; }
    std::size_t output_width() const override { return 1; }

    std::vector<model::Encoding> encode_pairs(
        const std::string& query, std::span<const std::string> documents, std::size_t max_length,
        std::string_view /*instruction*/ = {}) const override {
        std::vector<model::Encoding> out;
        for (const auto& d : documents) {
            model::Encoding e;
            e.ids.assign(std::min(d.size() + 2, max_length), 1);
            e.ids.front() = query_tag(query);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override {
        std::unique_lock lock(m_state.mutex);
        m_state.threads.push_back(threads);
        m_state.scoring = true;
        m_state.cv.notify_all();
        m_state.cv.wait(lock, [&] { return !m_state.hold; });
        m_state.batch_sizes.push_back(encodings.size());
        std::set<std::int32_t> queries;
        std::vector<float> out;
        for (const auto& e : encodings) {
            out.push_back(static_cast<float>(e.ids.size()));
            queries.insert(e.ids.front());
        }
        m_state.batch_queries.push_back(std::move(queries));
        return out;
    }

private:
    FakeModelState& m_state;
    std::size_t m_max_length;
};

/// A ragged-output model (like TILDEv2's TokenWeights): one token per byte of each text, and
/// per token one float, 100 × the text's token count + the token's position. Records the
/// encodings of every forward pass in `state.batch_sizes`; `state.hold` holds it as FakeModel.
class FakeTokenModel final : public Model {
public:
    explicit FakeTokenModel(FakeModelState& state) : m_state(state) {}

    Task task() const override { return Task::TokenWeights; }
    std::size_t max_length() const override { return 64; }
    std::size_t output_width() const override { return 1; }
    std::size_t output_size(const model::Encoding& encoding) const override {
        return encoding.ids.size();
    }

    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override {
        std::vector<model::Encoding> out;
        for (const auto& t : texts) {
            model::Encoding e;
            e.ids.assign(std::min(t.size(), max_length), 7);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t /*threads*/) override {
        std::unique_lock lock(m_state.mutex);
        m_state.scoring = true;
        m_state.cv.notify_all();
        m_state.cv.wait(lock, [&] { return !m_state.hold; });
        m_state.batch_sizes.push_back(encodings.size());
        std::vector<float> out;
        for (const auto& e : encodings)
            for (std::size_t i = 0; i < e.ids.size(); ++i)
                out.push_back(static_cast<float>(100 * e.ids.size() + i));
        return out;
    }

private:
    FakeModelState& m_state;
};

}  // namespace cascade::runtime::testing
