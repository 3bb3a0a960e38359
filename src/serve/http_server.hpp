#pragma once
/// The socket side of the service: cpp-httplib routes onto a Service.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "serve/service.hpp"

namespace httplib {
class Server;
}

namespace cascade::serve {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  ///< 0: an ephemeral port (see HttpServer::bind)
    /// Connection threads. A keep-alive connection holds one while it is open, so this bounds
    /// the clients served at once; others wait for a free thread.
    std::size_t threads = 64;
    int read_timeout_s = 10;
};

/// Serves /v1/rerank, /rerank, /v1/search, /healthz and /metrics. Errors are JSON
/// `{"error": {"message", "field", "status"}}`; every response is counted in the metrics.
class HttpServer {
public:
    HttpServer(Service& service, ServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds the listening socket; returns the port. Throws IoError when it cannot bind.
    int bind();
    /// Serves until stop(); returns after in-flight requests have finished.
    void listen();
    /// Stops accepting connections; listen() returns once in-flight requests are answered.
    /// Safe to call from any thread (also before listen() runs).
    void stop();

    /// Pending connections the kernel queues before listen() accepts them (the listen(2)
    /// backlog; Linux caps it at net.core.somaxconn).
    static constexpr int kListenBacklog = 1024;

private:
    void install_routes();
    /// Re-listens on the bound socket with kListenBacklog (see the definition for why).
    void widen_backlog(int port) const;

    Service& m_service;
    ServerOptions m_options;
    std::unique_ptr<httplib::Server> m_server;
    int m_listen_socket = -1;  ///< the last socket httplib configured: the listener after bind()
    std::atomic<bool> m_stop_requested{false};
    std::atomic<bool> m_listen_entered{false};
    std::atomic<bool> m_listen_done{false};
};

}  // namespace cascade::serve
