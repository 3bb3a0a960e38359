#pragma once
/// The broker of `cascade broker` (docs/scale-out.md): a stateless HTTP front for N shard
/// servers (`cascade serve --index SHARD`, each shard built with global statistics), which fans
/// every /v1/search out to one replica of each shard, merges the exact top k by (score desc,
/// id asc) -- the order one index over the whole collection ranks in -- and optionally sends the
/// merged candidates to a /v1/rerank service.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <cascade/serve.hpp>

namespace httplib {
class Server;
}

namespace cascade::serve {

/// One replica of one shard and what the broker knows of it.
struct Replica {
    std::string url;
    std::atomic<bool> up{true};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> failures{0};
};

class Broker {
public:
    /// Throws UsageError for a shard without replicas or a URL that is not http://host:port.
    explicit Broker(BrokerOptions options);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// Binds the listening socket; returns the port. Throws IoError when it cannot.
    int bind();
    /// Serves until stop(), with the health-check thread running.
    void listen();
    /// Stops accepting requests; listen() returns after in-flight ones. Any thread.
    void stop();

    /// POST /v1/search: {query, k? (1..1000, default 10), partial? (default false)}. Returns the
    /// status and the JSON body.
    [[nodiscard]] std::pair<int, std::string> search(const std::string& body);
    /// The Prometheus text of GET /metrics.
    [[nodiscard]] std::string metrics() const;
    /// True when every shard has a replica marked up (GET /healthz answers 200, else 503).
    [[nodiscard]] bool healthy() const;

private:
    struct ShardAnswer;
    [[nodiscard]] ShardAnswer ask_shard(std::size_t shard, const std::string& body,
                                        std::chrono::steady_clock::time_point deadline);
    void health_loop();

    BrokerOptions m_config;
    std::vector<std::vector<std::unique_ptr<Replica>>> m_replicas;
    std::atomic<std::size_t> m_round_robin{0};
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_health;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::atomic<bool> m_stop_requested{false};
    std::atomic<bool> m_listening{false};
    std::atomic<std::uint64_t> m_requests{0};
    std::atomic<std::uint64_t> m_errors{0};
    std::atomic<std::uint64_t> m_partial{0};
};

}  // namespace cascade::serve
