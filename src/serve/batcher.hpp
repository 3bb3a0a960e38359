#pragma once
/// Cross-request batching for a re-ranking model: requests tokenize on their own threads,
/// queue their pairs, and one worker per model runs pairs from many requests in one call.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace cascade::serve {

class Metrics;

/// What the batcher needs from a model. encode() runs on request threads concurrently;
/// score() runs on the worker thread that owns this scorer (one worker per replica).
class PairScorer {
public:
    virtual ~PairScorer() = default;
    /// Token ids of each (query, document) pair, truncated to `max_length` tokens.
    [[nodiscard]] virtual std::vector<model::Encoding> encode(
        const std::string& query, std::span<const std::string> documents,
        std::size_t max_length) const = 0;
    /// One raw score (logit) per encoding, in order, computed on `threads` threads (at least
    /// 1, at most BatcherOptions::threads).
    [[nodiscard]] virtual std::vector<float> score(const std::vector<model::Encoding>& encodings,
                                                   std::size_t threads) = 0;
    /// The longest pair, special tokens included, the model accepts.
    [[nodiscard]] virtual std::size_t max_length() const = 0;
};

struct BatcherOptions {
    std::size_t max_batch_tokens = 16384;      ///< stop adding requests past this many tokens
    std::chrono::microseconds max_wait{2000};  ///< wait for company after the first request
    std::size_t max_queue = 256;               ///< queued + running requests; more -> QueueFull
    /// Forward-pass threads shared by all replicas: a pass gets fair_threads(threads, passes
    /// running), so all of them when it runs alone (thread_budget.hpp).
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

/// One model's queue and its worker threads, one per replica of the model. A batch is every
/// waiting request, oldest first, until the token budget is reached (a single request over
/// budget runs alone); a worker waits up to max_wait after the first request for others to
/// join. With several replicas (data parallelism: e.g. two 1-thread forward passes at once
/// instead of one 2-thread pass) a worker leaves a fair share of the queue to the idle ones:
/// it takes at most ceil(queued / idle workers) requests. The replicas share options.threads
/// forward-pass threads: a batch that starts while no other replica runs gets them all, one that
/// starts while k others run gets threads / (k + 1) (work-conserving: no idle cores at low load,
/// data parallelism at high load). Requests whose deadline passed while queued are failed with
/// DeadlineExceeded instead of being run.
class Batcher {
public:
    Batcher(std::string name, std::unique_ptr<PairScorer> scorer, BatcherOptions options,
            Metrics* metrics);
    /// One worker per scorer; `replicas` must not be empty. replicas[0] also tokenizes.
    Batcher(std::string name, std::vector<std::unique_ptr<PairScorer>> replicas,
            BatcherOptions options, Metrics* metrics);
    /// Stops accepting, finishes everything queued, joins the worker.
    ~Batcher();
    Batcher(const Batcher&) = delete;
    Batcher& operator=(const Batcher&) = delete;

    /// Queues `encodings` for scoring; the future yields one score per encoding.
    /// Throws QueueFull when the queue is full.
    [[nodiscard]] std::future<std::vector<float>> submit(
        std::vector<model::Encoding> encodings, std::chrono::steady_clock::time_point deadline);

    [[nodiscard]] const PairScorer& scorer() const { return *m_scorers.front(); }
    /// Model replicas, each with its own worker thread.
    [[nodiscard]] std::size_t replicas() const { return m_scorers.size(); }
    [[nodiscard]] const std::string& name() const { return m_name; }
    /// Requests queued or running now.
    [[nodiscard]] std::size_t depth() const;

private:
    struct Job {
        std::vector<model::Encoding> encodings;
        std::size_t pairs = 0;
        std::size_t tokens = 0;
        std::chrono::steady_clock::time_point deadline;
        std::promise<std::vector<float>> promise;
    };
    void run(PairScorer& scorer);
    std::vector<Job> take_batch(std::unique_lock<std::mutex>& lock);
    void execute(std::vector<Job>& batch, PairScorer& scorer, std::size_t threads);

    std::string m_name;
    std::vector<std::unique_ptr<PairScorer>> m_scorers;
    BatcherOptions m_options;
    Metrics* m_metrics;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_queue;
    std::size_t m_running = 0;  ///< requests inside a forward pass, all workers
    std::size_t m_idle = 0;     ///< workers waiting in take_batch
    std::size_t m_busy = 0;     ///< workers inside execute(), i.e. forward passes running
    bool m_stopping = false;
    std::vector<std::thread> m_workers;
};

}  // namespace cascade::serve
