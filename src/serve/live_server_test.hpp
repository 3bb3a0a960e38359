#pragma once
/// Test helper: a Service plus an HttpServer on an ephemeral loopback port, serving from a
/// background thread, and a client for it.

#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

#include "serve/http_server.hpp"

namespace cascade::serve::testing {

/// A Service plus an HttpServer listening on an ephemeral port in a background thread.
class LiveServer {
public:
    explicit LiveServer(ServiceOptions options = {}) : m_service(options) {}
    ~LiveServer() { stop(); }
    Service& service() { return m_service; }
    void start() {
        m_http = std::make_unique<HttpServer>(m_service, ServerOptions{"127.0.0.1", 0, 8, 10});
        m_port = m_http->bind();
        m_thread = std::thread([this] { m_http->listen(); });
    }
    void stop() {
        if (!m_thread.joinable()) return;
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
