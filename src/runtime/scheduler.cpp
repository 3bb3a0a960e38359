#include "runtime/scheduler.hpp"

#include <algorithm>
#include <exception>

#include "util/error.hpp"

namespace cascade::runtime {

namespace {
std::vector<std::unique_ptr<Model>> one(std::unique_ptr<Model> model) {
    std::vector<std::unique_ptr<Model>> v;
    v.push_back(std::move(model));
    return v;
}
}  // namespace

Scheduler::Scheduler(std::string name, std::unique_ptr<Model> model, SchedulerOptions options,
                     SchedulerObserver* observer)
    : Scheduler(std::move(name), one(std::move(model)), options, observer) {}

Scheduler::Scheduler(std::string name, std::vector<std::unique_ptr<Model>> replicas,
                     SchedulerOptions options, SchedulerObserver* observer)
    : m_name(std::move(name)),
      m_replicas(std::move(replicas)),
      m_options(options),
      m_observer(observer) {
    CASCADE_ASSERT(!m_replicas.empty());
    m_options.threads = std::max<std::size_t>(1, m_options.threads);
    for (auto& replica : m_replicas)
        m_workers.emplace_back([this, r = replica.get()] { work(*r); });
}

Scheduler::~Scheduler() {
    drain();
}

void Scheduler::drain() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    for (auto& w : m_workers) {
        if (w.joinable())
            w.join();
    }
}

std::size_t Scheduler::depth() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size() + m_running;
}

Scheduler::Job Scheduler::make_job(std::vector<model::Encoding> encodings,
                                   Clock::time_point deadline) const {
    Job job;
    for (const auto& e : encodings) {
        job.tokens += e.ids.size();
        job.outputs += model().output_size(e);
    }
    job.items = encodings.size();
    job.encodings = std::move(encodings);
    job.deadline = deadline;
    return job;
}

std::future<std::vector<float>> Scheduler::submit(std::vector<model::Encoding> encodings,
                                                  Clock::time_point deadline) {
    std::vector<std::vector<model::Encoding>> one;
    one.push_back(std::move(encodings));
    return std::move(submit_all(std::move(one), deadline).front());
}

std::vector<std::future<std::vector<float>>> Scheduler::submit_all(
    std::vector<std::vector<model::Encoding>> requests, Clock::time_point deadline) {
    std::vector<Job> jobs;
    std::vector<std::future<std::vector<float>>> futures;
    jobs.reserve(requests.size());
    futures.reserve(requests.size());
    for (auto& r : requests) {
        jobs.push_back(make_job(std::move(r), deadline));
        futures.push_back(jobs.back().promise.get_future());
    }
    std::size_t depth = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            throw QueueFull("the model is shutting down");
        if (m_queue.size() + m_running + jobs.size() > m_options.max_queue)
            throw QueueFull("model queue is full");
        for (Job& job : jobs)
            m_queue.push_back(std::move(job));
        depth = m_queue.size() + m_running;
    }
    m_cv.notify_one();
    if (m_observer)
        m_observer->set_queue_depth(m_name, depth);
    return futures;
}

std::vector<Scheduler::Job> Scheduler::take_batch(std::unique_lock<std::mutex>& lock) {
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

void Scheduler::execute(std::vector<Job>& batch, Model& model, std::size_t threads) {
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
    std::size_t expected = 0;
    for (Job* job : live)
        expected += job->outputs;
    std::vector<float> out;
    try {
        out = model.forward(merged, threads);
        if (out.size() != expected)
            throw Error("the model returned the wrong number of outputs");
    } catch (...) {
        for (Job* job : live)
            job->promise.set_exception(std::current_exception());
        return;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - now).count();
    std::size_t tokens = 0;
    for (Job* job : live)
        tokens += job->tokens;
    if (m_observer)
        m_observer->record_batch(m_name, merged.size(), live.size(), tokens, seconds);
    std::size_t offset = 0;
    for (Job* job : live) {
        const std::size_t n = job->outputs;
        job->promise.set_value(
            std::vector<float>(out.begin() + static_cast<std::ptrdiff_t>(offset),
                               out.begin() + static_cast<std::ptrdiff_t>(offset + n)));
        offset += n;
    }
}

void Scheduler::work(Model& model) {
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
        execute(batch, model, threads);
        lock.lock();
        --m_busy;
        m_running -= taken;
        if (m_observer)
            m_observer->set_queue_depth(m_name, m_queue.size() + m_running);
    }
}

}  // namespace cascade::runtime
