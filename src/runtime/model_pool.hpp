#pragma once
/// The model pool: every model a process uses is loaded here once, keyed by folder and load
/// options (ModelOptions::key), and shared by every caller through its one Scheduler.
///
///     pool --get(options, task)--> LoadedModel --score_pairs/embed_texts--> Scheduler
///          --batches--> Model (family: BERT, ...) --forward--> backend (CPU kernels, ...)

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/decoder_lm.hpp"
#include "runtime/model.hpp"
#include "runtime/model_options.hpp"
#include "runtime/scheduler.hpp"

namespace cascade::runtime {

/// A model in the pool: its options, its scheduler, and the calls callers make.
class LoadedModel {
public:
    using Clock = Scheduler::Clock;

    LoadedModel(ModelOptions options, Task task, std::unique_ptr<Scheduler> scheduler);

    [[nodiscard]] const ModelOptions& options() const { return m_options; }
    [[nodiscard]] Task task() const { return m_task; }
    /// The name in metrics and logs (the first caller's, e.g. serve's NAME).
    [[nodiscard]] const std::string& name() const { return m_scheduler->name(); }
    [[nodiscard]] Scheduler& scheduler() { return *m_scheduler; }
    [[nodiscard]] const Model& model() const { return m_scheduler->model(); }
    [[nodiscard]] std::size_t max_length() const { return model().max_length(); }

    /// Scores `documents` against `query` (one score per document, in order): tokenizes on
    /// the calling thread, then queues the pairs. `instruction`: see Model::encode_pairs.
    /// Throws QueueFull.
    [[nodiscard]] std::future<std::vector<float>> score_pairs(
        const std::string& query, std::span<const std::string> documents,
        Clock::time_point deadline = Clock::time_point::max(), std::string_view instruction = {});
    /// Embeds `texts`: model().output_width() floats per text, concatenated. Throws QueueFull.
    [[nodiscard]] std::future<std::vector<float>> embed_texts(
        std::span<const std::string> texts, Clock::time_point deadline = Clock::time_point::max());

    /// Many queries' pairs queued together (so one forward pass can hold several queries):
    /// `queries[i]` against `documents[i]`; one future per query.
    [[nodiscard]] std::vector<std::future<std::vector<float>>> score_pairs_many(
        std::span<const std::string> queries, std::span<const std::vector<std::string>> documents,
        Clock::time_point deadline = Clock::time_point::max(), std::string_view instruction = {});
    /// Many groups of texts queued together; one future per group.
    [[nodiscard]] std::vector<std::future<std::vector<float>>> embed_texts_many(
        std::span<const std::vector<std::string>> groups,
        Clock::time_point deadline = Clock::time_point::max());

private:
    ModelOptions m_options;
    Task m_task;
    std::unique_ptr<Scheduler> m_scheduler;
};

/// Builds one replica of a model (a family on a device) for `task` with `threads`
/// forward-pass threads. The default is load_model(); tests pass fakes.
using ModelLoader = std::function<std::unique_ptr<Model>(const ModelOptions& options, Task task,
                                                         std::size_t threads)>;

/// The family for the folder (read from its config.json) on the device the options resolve
/// to. Throws cascade::Error naming the folder and field when it is not usable for `task`.
[[nodiscard]] std::unique_ptr<Model> load_model(const ModelOptions& options, Task task,
                                                std::size_t threads);

struct PoolOptions {
    /// Batching, queue limit and the default forward-pass thread budget of every model.
    SchedulerOptions scheduling;
    std::size_t replicas = 1;  ///< copies of each model, each with its own worker
    SchedulerObserver* observer = nullptr;
};

/// Loads each model once per key and hands out shared handles. Thread-safe.
class ModelPool {
public:
    explicit ModelPool(PoolOptions options = {}, ModelLoader loader = load_model);
    ~ModelPool();
    ModelPool(const ModelPool&) = delete;
    ModelPool& operator=(const ModelPool&) = delete;

    /// The model for `options` and `task`, loaded on first use. `name` labels it in metrics
    /// (default: the folder's name) and is kept from the first call. Throws what loading
    /// throws, and UsageError when a loaded model of this key does another task.
    [[nodiscard]] std::shared_ptr<LoadedModel> get(const ModelOptions& options, Task task,
                                                   std::string_view name = {});
    /// The decoder language model of `options` for the list-level LLM re-rankers (listwise,
    /// FIRST, ICR) and evidence generation, loaded on first use (its weights shared with any
    /// decoder re-ranker of the same folder and precision) and counted in loads(). Its calls
    /// run one at a time on `options.threads` (else the pool's thread budget).
    [[nodiscard]] std::shared_ptr<const DecoderLm> language_model(const ModelOptions& options);
    /// Models loaded so far (a model with N replicas counts once).
    [[nodiscard]] std::size_t loads() const;
    [[nodiscard]] const PoolOptions& options() const { return m_options; }
    /// Finishes queued work and stops every scheduler.
    void drain();

private:
    PoolOptions m_options;
    ModelLoader m_loader;
    mutable std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<LoadedModel>, std::less<>> m_models;
    std::map<std::string, std::shared_ptr<const DecoderLm>, std::less<>> m_language_models;
    std::size_t m_loads = 0;
};

}  // namespace cascade::runtime
