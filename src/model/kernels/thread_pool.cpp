#include "model/kernels/thread_pool.hpp"

namespace cascade::model::kernels {

ThreadPool::ThreadPool(std::size_t threads) {
    for (std::size_t i = 1; i < threads; ++i)
        m_workers.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (auto& t : m_workers)
        t.join();
}

void ThreadPool::run_items() {
    for (;;) {
        std::size_t i;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_next >= m_n)
                return;
            i = m_next++;
        }
        (*m_fn)(i);
    }
}

void ThreadPool::worker_loop() {
    std::size_t seen = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
                return;
            seen = m_generation;
            ++m_active;
        }
        run_items();
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_active;
        }
        m_done.notify_all();
    }
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) {
    if (n == 0)
        return;
    if (m_workers.empty() || n == 1) {
        for (std::size_t i = 0; i < n; ++i)
            fn(i);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_fn = &fn;
        m_n = n;
        m_next = 0;
        ++m_generation;
    }
    m_wake.notify_all();
    run_items();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_done.wait(lock, [&] { return m_next >= m_n && m_active == 0; });
    m_fn = nullptr;
}

}  // namespace cascade::model::kernels
