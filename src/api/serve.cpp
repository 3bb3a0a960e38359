/// cascade::Server: the serve layer's Service and HttpServer behind one object.
#include <cascade/serve.hpp>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "serve/broker.hpp"
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

void Server::add_model(const std::string& name, const ModelOptions& options,
                       std::string_view rerank_method) {
    const auto method = serve::parse_rerank_method(rerank_method);
    if (!method) {
        throw UsageError(
            fmt::format("model '{}': rerank method '{}': expected pointwise, "
                        "listwise, first or icr",
                        name, rerank_method));
    }
    m_impl->service.add_model(name, options, *method);
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

std::vector<std::vector<std::string>> parse_shard_urls(std::string_view spec) {
    std::vector<std::vector<std::string>> shards;
    std::size_t start = 0;
    while (start <= spec.size()) {
        const std::size_t comma = std::min(spec.find(',', start), spec.size());
        const std::string_view shard = spec.substr(start, comma - start);
        auto& replicas = shards.emplace_back();
        std::size_t r = 0;
        while (r <= shard.size()) {
            const std::size_t bar = std::min(shard.find('|', r), shard.size());
            const std::string_view url = shard.substr(r, bar - r);
            if (url.empty()) {
                throw UsageError(fmt::format("--shards '{}': shard {} has an empty replica URL",
                                             spec, shards.size() - 1));
            }
            replicas.emplace_back(url);
            r = bar + 1;
        }
        start = comma + 1;
    }
    return shards;
}

struct Broker::Impl {
    explicit Impl(const BrokerOptions& options) : broker(options) {}
    serve::Broker broker;
};

Broker::Broker(const BrokerOptions& options) : m_impl(std::make_unique<Impl>(options)) {}

Broker::~Broker() = default;

int Broker::bind() {
    return m_impl->broker.bind();
}

void Broker::listen() {
    m_impl->broker.listen();
}

void Broker::stop() {
    m_impl->broker.stop();
}

}  // namespace cascade
