/// cascade::Server: the serve layer's Service and HttpServer behind one object.
#include <cascade/serve.hpp>

#include <utility>

#include "api/impl.hpp"
#include "serve/http_server.hpp"
#include "serve/service.hpp"
#include "util/error.hpp"

namespace cascade {

namespace {

serve::ServiceOptions service_options(const ServeOptions& options) {
    serve::ServiceOptions service;
    service.timeout = options.timeout;
    service.limits.max_body_bytes = options.max_body_bytes;
    service.limits.max_documents = options.max_documents;
    service.limits.max_document_chars = options.max_document_chars;
    service.bm25.k1 = options.bm25.k1;
    service.bm25.b = options.bm25.b;
    return service;
}

serve::ServerOptions server_options(const ServeOptions& options) {
    serve::ServerOptions server;
    server.host = options.host;
    server.port = options.port;
    server.threads = options.connection_threads;
    return server;
}

}  // namespace

struct Server::Impl {
    explicit Impl(const ServeOptions& options)
        : service(service_options(options), api::pool_options(options.models)),
          server(server_options(options)) {}

    serve::Service service;
    serve::ServerOptions server;
    std::unique_ptr<serve::HttpServer> http;  ///< made by bind(), once models and pipelines are in
};

Server::Server(const ServeOptions& options) : m_impl(std::make_unique<Impl>(options)) {}

Server::~Server() = default;

void Server::open_index(const std::filesystem::path& dir) {
    m_impl->service.open_index(dir);
}

void Server::add_model(const std::string& name, const ModelOptions& options) {
    m_impl->service.add_model(name, options);
}

std::string Server::add_pipeline(const std::string& name, const std::filesystem::path& file,
                                 unsigned threads) {
    serve::Service& service = m_impl->service;
    if (service.index() == nullptr) {
        throw UsageError("open the index before adding pipelines");
    }
    pipeline::Pipeline p =
        pipeline::Pipeline::load(file, *service.index(), threads, service.models());
    std::string added = name;
    if (added.empty()) {
        added = p.name() != "cascade" ? p.name() : file.stem().string();
    }
    service.add_pipeline(added, std::move(p));
    return added;
}

int Server::bind() {
    m_impl->http = std::make_unique<serve::HttpServer>(m_impl->service, m_impl->server);
    return m_impl->http->bind();
}

void Server::listen() {
    if (!m_impl->http) {
        throw UsageError("bind the server before listening");
    }
    m_impl->http->listen();
}

void Server::stop() {
    if (m_impl->http) {
        m_impl->http->stop();
    }
}

void Server::drain() {
    m_impl->service.drain();
}

}  // namespace cascade
