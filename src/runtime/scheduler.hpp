#pragma once
/// One scheduler per loaded model: every caller (the rerank/embed commands, pipeline stages,
/// HTTP requests) submits work items and gets futures back; worker threads, one per model
/// replica, run items from many callers and queries in one forward pass.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/model.hpp"

namespace cascade::runtime {

/// Receives what a scheduler does (the HTTP service turns it into /metrics).
class SchedulerObserver {
public:
    virtual ~SchedulerObserver() = default;
    /// One forward pass: items, requests merged into it, tokens, seconds.
    virtual void record_batch(const std::string& model, std::size_t items, std::size_t requests,
                              std::size_t tokens, double seconds) = 0;
    /// Requests waiting for or inside a forward pass now.
    virtual void set_queue_depth(const std::string& model, std::size_t depth) = 0;
};

struct SchedulerOptions {
    std::size_t max_batch_tokens = 16384;      ///< stop adding requests past this many tokens
    std::chrono::microseconds max_wait{2000};  ///< wait for company after the first request
    std::size_t max_queue = 256;               ///< queued + running requests; more -> QueueFull
    /// Forward-pass threads shared by all replicas: a pass gets fair_threads(threads, passes
    /// running), so all of them when it runs alone.
    std::size_t threads = 1;
};

/// Thrown by submit() when the queue already holds max_queue requests.
class QueueFull : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown through the future when the deadline passed before the request reached the model.
class DeadlineExceeded : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Threads for a forward pass that starts while `busy` passes run, itself included, out of a
/// budget of `budget` threads: budget / busy rounded down, at least 1 (so more busy replicas
/// than threads run one thread each). Passes already running keep the count they started with,
/// so the sum may briefly exceed the budget until they end. O(1).
[[nodiscard]] constexpr std::size_t fair_threads(std::size_t budget, std::size_t busy) {
    const std::size_t share = budget / (busy == 0 ? 1 : busy);
    return share == 0 ? 1 : share;
}

/// A model's queue and its workers, one per replica. A batch is every waiting request, oldest
/// first, until the token budget is reached (a single request over budget runs alone); a
/// worker waits up to max_wait after the first request for others to join. With several
/// replicas (data parallelism) a worker leaves a fair share of the queue to the idle ones: it
/// takes at most ceil(queued / idle workers) requests. The replicas share options.threads
/// forward-pass threads (work-conserving: no idle cores at low load, data parallelism at high
/// load). Requests whose deadline passed while queued fail with DeadlineExceeded unrun.
class Scheduler {
public:
    using Clock = std::chrono::steady_clock;

    /// One replica, one worker.
    Scheduler(std::string name, std::unique_ptr<Model> model, SchedulerOptions options,
              SchedulerObserver* observer);
    /// One worker per replica; `replicas` must not be empty. replicas[0] also tokenizes.
    Scheduler(std::string name, std::vector<std::unique_ptr<Model>> replicas,
              SchedulerOptions options, SchedulerObserver* observer);
    /// Stops accepting, finishes everything queued, joins the workers.
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Queues one request; the future yields Model::output_size() floats per encoding (
    /// output_width() for the fixed-width tasks), concatenated in order. Throws QueueFull when
    /// the queue is full.
    [[nodiscard]] std::future<std::vector<float>> submit(std::vector<model::Encoding> encodings,
                                                         Clock::time_point deadline);
    /// Queues several requests at once (e.g. the candidates of many queries), so one worker
    /// sees them together; one future per request. Throws QueueFull (queuing none of them)
    /// when they do not all fit.
    [[nodiscard]] std::vector<std::future<std::vector<float>>> submit_all(
        std::vector<std::vector<model::Encoding>> requests, Clock::time_point deadline);

    /// Replica 0, for tokenization and the model's limits (encode_*() are thread-safe).
    [[nodiscard]] const Model& model() const { return *m_replicas.front(); }
    [[nodiscard]] std::size_t replicas() const { return m_replicas.size(); }
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] const SchedulerOptions& options() const { return m_options; }
    /// Requests queued or running now.
    [[nodiscard]] std::size_t depth() const;
    /// Stops accepting work, finishes what is queued and joins the workers (idempotent).
    void drain();

private:
    struct Job {
        std::vector<model::Encoding> encodings;
        std::size_t items = 0;
        std::size_t tokens = 0;
        std::size_t outputs = 0;  ///< floats the request gets: Σ Model::output_size
        Clock::time_point deadline;
        std::promise<std::vector<float>> promise;
    };
    void work(Model& model);
    std::vector<Job> take_batch(std::unique_lock<std::mutex>& lock);
    void execute(std::vector<Job>& batch, Model& model, std::size_t threads);
    [[nodiscard]] Job make_job(std::vector<model::Encoding> encodings,
                               Clock::time_point deadline) const;

    std::string m_name;
    std::vector<std::unique_ptr<Model>> m_replicas;
    SchedulerOptions m_options;
    SchedulerObserver* m_observer;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_queue;
    std::size_t m_running = 0;  ///< requests inside a forward pass, all workers
    std::size_t m_idle = 0;     ///< workers waiting in take_batch
    std::size_t m_busy = 0;     ///< workers inside execute(), i.e. forward passes running
    bool m_stopping = false;
    std::vector<std::thread> m_workers;
};

}  // namespace cascade::runtime
