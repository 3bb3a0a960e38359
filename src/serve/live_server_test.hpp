#pragma once
/// Test helper: a Service plus an HttpServer on an ephemeral loopback port, serving from a
/// background thread, and a client for it.

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <httplib.h>

#include "serve/http_server.hpp"
#include "tests/run_cli.hpp"

namespace cascade::serve::testing {

/// The port a `cascade serve --port 0` child prints to its stderr log ("listening on
/// http://127.0.0.1:PORT"), polled for up to 30 s; 0 if it never appears.
inline int wait_for_listening_port(const std::string& log_path) {
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600; ++i) {
        std::smatch m;
        const std::string text = cascade::testing::slurp(log_path);
        if (std::regex_search(text, m, listening))
            return std::stoi(m[1]);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
}

/// A Service plus an HttpServer listening on an ephemeral port in a background thread.
class LiveServer {
public:
    explicit LiveServer(ServiceOptions options = {}, runtime::PoolOptions pool = {},
                        runtime::ModelLoader loader = runtime::load_model)
        : m_service(options, pool, std::move(loader)) {}
    ~LiveServer() { stop(); }
    Service& service() { return m_service; }
    void start() {
        m_http = std::make_unique<HttpServer>(m_service, ServerOptions{"127.0.0.1", 0, 8, 10});
        m_port = m_http->bind();
        m_thread = std::thread([this] { m_http->listen(); });
    }
    void stop() {
        if (!m_thread.joinable())
            return;
        m_http->stop();
        m_thread.join();
    }
    httplib::Result post(const std::string& path, const std::string& body) {
        return client().Post(path.c_str(), body, "application/json");
    }
    httplib::Client client() {
        httplib::Client c("127.0.0.1", m_port);
        c.set_read_timeout(30, 0);
        return c;
    }

private:
    Service m_service;
    std::unique_ptr<HttpServer> m_http;
    std::thread m_thread;
    int m_port = 0;
};

}  // namespace cascade::serve::testing
