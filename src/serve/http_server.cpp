#include "serve/http_server.hpp"

#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "util/error.hpp"

namespace cascade::serve {
namespace {

void send(httplib::Response& res, const Response& r) {
    res.status = r.status;
    if (r.retry_after_s > 0)
        res.set_header("Retry-After", std::to_string(r.retry_after_s));
    res.set_content(r.body, r.content_type);
}

}  // namespace

HttpServer::HttpServer(Service& service, ServerOptions options)
    : m_service(service),
      m_options(std::move(options)),
      m_server(std::make_unique<httplib::Server>()) {
    std::size_t threads = m_options.threads == 0 ? 1 : m_options.threads;
    m_server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    m_server->set_payload_max_length(m_service.options().limits.max_body_bytes);
    m_server->set_read_timeout(m_options.read_timeout_s, 0);
    m_server->set_keep_alive_max_count(1000);
    // Responses go out as header and body writes; without TCP_NODELAY, Nagle plus the
    // client's delayed ACK adds ~40 ms to every keep-alive request. Accepted sockets inherit
    // the option from the listener on Linux.
    m_server->set_socket_options([this](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
        m_listen_socket = sock;  // the listener is the last socket httplib configures
    });
    install_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::install_routes() {
    // Each route is timed and counted under a fixed endpoint name.
    auto route = [this](const char* endpoint, auto handler) {
        return [this, endpoint, handler](const httplib::Request& req, httplib::Response& res) {
            auto start = std::chrono::steady_clock::now();
            Response r = handler(req);
            send(res, r);
            m_service.metrics().record_request(
                endpoint, r.status,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        };
    };
    m_server->Post("/v1/rerank", route("/v1/rerank", [this](const httplib::Request& req) {
                       return m_service.rerank(req.body);
                   }));
    // Cohere's v2 path (what Weaviate's reranker-cohere posts to under its baseURL): the same
    // request and response shape as v1 for text documents.
    m_server->Post("/v2/rerank", route("/v2/rerank", [this](const httplib::Request& req) {
                       return m_service.rerank(req.body);
                   }));
    m_server->Post("/rerank", route("/rerank", [this](const httplib::Request& req) {
                       return m_service.tei_rerank(req.body);
                   }));
    m_server->Post("/v1/search", route("/v1/search", [this](const httplib::Request& req) {
                       return m_service.search(req.body);
                   }));
    m_server->Get("/healthz", route("/healthz", [this](const httplib::Request&) {
                      return m_service.health();
                  }));
    m_server->Get("/metrics", route("/metrics", [this](const httplib::Request&) {
                      return m_service.metrics_page();
                  }));
    // Statuses httplib sets itself (404, 405, 413 for an oversized body, 400 for a bad
    // request line) get a JSON body too; routed responses already have one.
    m_server->set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty())
                return httplib::Server::HandlerResponse::Unhandled;
            // httplib parses form-encoded bodies and refuses them past 8 KiB (a compile-time
            // limit of the Debian library), which is what `curl -d` without a JSON header sends.
            const bool form = req.get_header_value("Content-Type")
                                  .starts_with("application/x-www-form-urlencoded");
            std::string message = res.status == 413 && form
                                      ? "a body sent as application/x-www-form-urlencoded is "
                                        "limited to 8192 bytes; send Content-Type: application/json"
                                  : res.status == 413 ? "request body too large"
                                  : res.status == 404
                                      ? fmt::format("no endpoint {} {}", req.method, req.path)
                                      : fmt::format("HTTP {}", res.status);
            Response r =
                error_response(RequestError{res.status, message, res.status == 413 ? "body" : ""});
            send(res, r);
            m_service.metrics().record_request("other", res.status, 0.0);
            return httplib::Server::HandlerResponse::Handled;
        }));
    m_server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
            send(res, error_response(RequestError{500, "internal error", ""}));
        });
}

int HttpServer::bind() {
    int port = m_options.port == 0
                   ? m_server->bind_to_any_port(m_options.host)
                   : (m_server->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1);
    if (port < 0)
        throw IoError(fmt::format("cannot listen on {}:{} (in use, or not a local address?)",
                                  m_options.host, m_options.port));
    widen_backlog(port);
    return port;
}

void HttpServer::widen_backlog(int port) const {
    // Debian's cpp-httplib is a compiled library that listens with a backlog of 5
    // (CPPHTTPLIB_LISTEN_BACKLOG is fixed when the library is built). 64 clients connecting
    // at once overflow it, and the dropped handshakes come back only after SYN-ACK
    // retransmission (1, 3, 7 s...): multi-second p99s at the start of a load run. Calling
    // listen() again on the listening socket sets the new backlog (capped by somaxconn).
    int listening = 0;
    socklen_t len = sizeof(listening);
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof(addr);
    if (m_listen_socket < 0 ||
        ::getsockopt(m_listen_socket, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        listening == 0 ||
        ::getsockname(m_listen_socket, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
        return;
    }
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    const int bound = addr.ss_family == AF_INET6 ? ntohs(in6->sin6_port) : ntohs(in->sin_port);
    if (bound == port)
        ::listen(m_listen_socket, kListenBacklog);
}

void HttpServer::listen() {
    m_listen_entered = true;
    if (!m_stop_requested)
        m_server->listen_after_bind();
    m_listen_done = true;
}

void HttpServer::stop() {
    // httplib's stop() does nothing until its accept loop runs, so wait for that loop (or
    // for listen() to see the request) instead of losing the stop.
    m_stop_requested = true;
    while (!m_server->is_running()) {
        if (!m_listen_entered || m_listen_done)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    m_server->stop();
}

}  // namespace cascade::serve
