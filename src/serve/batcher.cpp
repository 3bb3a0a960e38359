#include "serve/batcher.hpp"

#include <exception>

#include "serve/metrics.hpp"
#include "serve/thread_budget.hpp"
#include "util/error.hpp"

namespace cascade::serve {

using Clock = std::chrono::steady_clock;

namespace {
std::vector<std::unique_ptr<PairScorer>> one(std::unique_ptr<PairScorer> scorer) {
    std::vector<std::unique_ptr<PairScorer>> v;
    v.push_back(std::move(scorer));
    return v;
}
}  // namespace

Batcher::Batcher(std::string name, std::unique_ptr<PairScorer> scorer, BatcherOptions options,
                 Metrics* metrics)
    : Batcher(std::move(name), one(std::move(scorer)), options, metrics) {}

Batcher::Batcher(std::string name, std::vector<std::unique_ptr<PairScorer>> replicas,
                 BatcherOptions options, Metrics* metrics)
    : m_name(std::move(name)),
      m_scorers(std::move(replicas)),
      m_options(options),
      m_metrics(metrics) {
    CASCADE_ASSERT(!m_scorers.empty());
    m_options.threads = std::max<std::size_t>(1, m_options.threads);
    for (auto& scorer : m_scorers)
        m_workers.emplace_back([this, s = scorer.get()] { run(*s); });
}

Batcher::~Batcher() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    for (auto& w : m_workers)
        w.join();
}

std::size_t Batcher::depth() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size() + m_running;
}

std::future<std::vector<float>> Batcher::submit(std::vector<model::Encoding> encodings,
                                                Clock::time_point deadline) {
    Job job;
    for (const auto& e : encodings)
        job.tokens += e.ids.size();
    job.pairs = encodings.size();
    job.encodings = std::move(encodings);
    job.deadline = deadline;
    auto future = job.promise.get_future();
    std::size_t depth = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            throw QueueFull("the server is shutting down");
        if (m_queue.size() + m_running >= m_options.max_queue)
            throw QueueFull("model queue is full");
        m_queue.push_back(std::move(job));
        depth = m_queue.size() + m_running;
    }
    m_cv.notify_one();
    if (m_metrics)
        m_metrics->set_queue_depth(m_name, depth);
    return future;
}

std::vector<Batcher::Job> Batcher::take_batch(std::unique_lock<std::mutex>& lock) {
    ++m_idle;
    m_cv.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
    if (m_queue.empty()) {
        --m_idle;
        return {};
    }
    // Give concurrent requests max_wait to join unless the budget is already full.
    auto queued_tokens = [&] {
        std::size_t t = 0;
        for (const auto& j : m_queue)
            t += j.tokens;
        return t;
    };
    auto until = Clock::now() + m_options.max_wait;
    while (!m_stopping && queued_tokens() < m_options.max_batch_tokens &&
           m_cv.wait_until(lock, until) != std::cv_status::timeout) {
    }
    // Leave a fair share to the other idle workers (this one counts among m_idle).
    const std::size_t share = (m_queue.size() + m_idle - 1) / std::max<std::size_t>(1, m_idle);
    --m_idle;
    std::vector<Job> batch;
    std::size_t tokens = 0;
    while (!m_queue.empty() && batch.size() < share) {
        Job& next = m_queue.front();
        if (!batch.empty() && tokens + next.tokens > m_options.max_batch_tokens)
            break;
        tokens += next.tokens;
        batch.push_back(std::move(next));
        m_queue.pop_front();
    }
    m_running += batch.size();
    if (!m_queue.empty())
        m_cv.notify_one();  // an idle worker may take the rest
    return batch;
}

void Batcher::execute(std::vector<Job>& batch, PairScorer& scorer, std::size_t threads) {
    auto now = Clock::now();
    std::vector<model::Encoding> merged;
    std::vector<Job*> live;
    for (auto& job : batch) {
        if (job.deadline < now) {
            job.promise.set_exception(std::make_exception_ptr(
                DeadlineExceeded("the request deadline passed while it waited for the model")));
            continue;
        }
        live.push_back(&job);
        for (auto& e : job.encodings)
            merged.push_back(std::move(e));
    }
    if (live.empty())
        return;
    std::vector<float> scores;
    try {
        scores = scorer.score(merged, threads);
        if (scores.size() != merged.size())
            throw std::runtime_error("the model returned the wrong number of scores");
    } catch (...) {
        for (Job* job : live)
            job->promise.set_exception(std::current_exception());
        return;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - now).count();
    std::size_t tokens = 0;
    for (Job* job : live)
        tokens += job->tokens;
    if (m_metrics)
        m_metrics->record_batch(m_name, merged.size(), live.size(), tokens, seconds);
    std::size_t offset = 0;
    for (Job* job : live) {
        auto n = job->pairs;
        job->promise.set_value(
            std::vector<float>(scores.begin() + static_cast<std::ptrdiff_t>(offset),
                               scores.begin() + static_cast<std::ptrdiff_t>(offset + n)));
        offset += n;
    }
}

void Batcher::run(PairScorer& scorer) {
    std::unique_lock lock(m_mutex);
    for (;;) {
        auto batch = take_batch(lock);
        if (batch.empty()) {
            if (m_stopping)
                return;
            continue;
        }
        const std::size_t taken = batch.size();
        const std::size_t threads = fair_threads(m_options.threads, ++m_busy);
        lock.unlock();
        execute(batch, scorer, threads);
        lock.lock();
        --m_busy;
        m_running -= taken;
        if (m_metrics)
            m_metrics->set_queue_depth(m_name, m_queue.size() + m_running);
    }
}

}  // namespace cascade::serve
