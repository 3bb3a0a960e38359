#pragma once
/// A fixed pool of worker threads for data-parallel loops (attention heads, element-wise ops).

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cascade::model::kernels {

/// Runs `fn(i)` for i in [0, n) on `threads` threads (the caller is one of them). Work items
/// are handed out dynamically, so uneven items (sequences of different lengths) balance.
class ThreadPool {
public:
    explicit ThreadPool(std::size_t threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    [[nodiscard]] std::size_t size() const { return m_workers.size() + 1; }
    /// Blocks until every item ran. Not reentrant: `fn` must not call parallel_for.
    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn);

private:
    void worker_loop();
    void run_items();

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const std::function<void(std::size_t)>* m_fn = nullptr;
    std::size_t m_n = 0;
    std::size_t m_next = 0;
    std::size_t m_active = 0;
    std::size_t m_generation = 0;
    bool m_stop = false;
};

}  // namespace cascade::model::kernels
