#pragma once
/// The HTTP service behind `cascade serve` (docs/serve.md): /v1/search (BM25 or pipelines),
/// /v1/rerank (Cohere/Jina shape), /rerank (TEI shape), /healthz and /metrics.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/model.hpp>
#include <cascade/search.hpp>

namespace cascade {

/// Everything a server is built from (`cascade serve`'s options).
struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  ///< 0: an ephemeral port (see Server::bind)
    /// Connection threads. A keep-alive connection holds one while it is open, so this bounds
    /// the clients served at once; others wait for a free thread.
    std::size_t connection_threads = 64;
    /// The model pool shared by --model re-rankers and the pipelines' model stages: threads,
    /// replicas, batching across requests and the queue limit past which requests get 503.
    ModelPoolOptions models;
    /// Per-request deadline for model work and search; 504 past it.
    std::chrono::milliseconds timeout{30'000};
    std::size_t max_body_bytes = 8U << 20U;    ///< largest request body
    std::size_t max_documents = 1000;          ///< documents / texts per re-ranking request
    std::size_t max_document_chars = 100'000;  ///< code points per document
    /// BM25 of plain /v1/search (no pipeline loaded), the implicit pipeline
    /// `first_stage: {type: bm25}`; checked by Server::open_index.
    Bm25Params bm25 = bm25_defaults();
};

/// A server: an index, re-ranking models and pipelines, and the HTTP listener. Add what it
/// serves, then bind(), listen() (blocks), stop() from another thread, and drain().
class Server {
public:
    explicit Server(const ServeOptions& options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Opens the index for /v1/search (throws what Index::open throws).
    void open_index(const std::filesystem::path& dir);
    /// Adds the cross-encoder `options` names for /v1/rerank and /rerank under `name` (a
    /// metrics label); the first one added is the default. A pipeline stage on the same folder
    /// and load options shares its one copy. `rerank_method` is how the model answers requests
    /// that name no `method`: "pointwise", or for a decoder (LLM) folder "listwise", "first" or
    /// "icr" (docs/serve.md). Throws UsageError when `name` is taken or the method is unknown
    /// or needs a decoder.
    void add_model(const std::string& name, const ModelOptions& options,
                   std::string_view rerank_method = "pointwise");
    /// Loads the pipeline `file` over the open index for /v1/search, its model stages on the
    /// server's pool with `threads` threads; the first one added is the default (without any,
    /// /v1/search is plain BM25). `name` empty: the pipeline's `name:`, or the file's stem when
    /// it has none. Returns the name it was added under; throws UsageError when it is taken.
    std::string add_pipeline(const std::string& name, const std::filesystem::path& file,
                             unsigned threads);

    /// Binds the listening socket; returns the port. Throws IoError when it cannot bind.
    int bind();
    /// Serves until stop(); returns after in-flight requests have finished.
    void listen();
    /// Stops accepting connections; listen() returns once in-flight requests are answered.
    /// Safe to call from any thread, also before listen() runs.
    void stop();
    /// Finishes queued model work and stops the model workers; call after listen() returned.
    void drain();

    struct Impl;  ///< opaque outside the library

private:
    std::unique_ptr<Impl> m_impl;
};

/// How a broker fronts shard servers (`cascade broker`'s options, docs/scale-out.md).
struct BrokerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  ///< 0: an ephemeral port
    /// Per shard (in shard order), the base URLs of its replicas, `http://host:port` each: every
    /// replica a `cascade serve --index` over that shard.
    std::vector<std::vector<std::string>> shards;
    /// Deadline of one request (fan-out and re-ranking); a shard or re-rank service that has not
    /// answered by then is cut off with 504.
    std::chrono::milliseconds timeout{30'000};
    /// How often replicas marked down are asked /healthz to bring them back.
    std::chrono::milliseconds health_interval{1'000};
    /// A /v1/rerank service (`cascade serve --model`, Cohere shape) re-ordering the merged
    /// candidates; empty: none.
    std::string rerank_url;
    std::string rerank_model;        ///< the re-rank request's `model`; empty: its default
    std::size_t rerank_depth = 100;  ///< merged candidates sent to it (at least k)
    std::size_t connection_threads = 64;
};

/// Reads `--shards`: shards separated by ',', each shard's replicas by '|'
/// (`http://a:8081|http://b:8081,http://c:8082`). Throws UsageError for an empty shard or URL.
[[nodiscard]] std::vector<std::vector<std::string>> parse_shard_urls(std::string_view spec);

/// The stateless front of a sharded index: /v1/search fans out to one replica of every shard
/// (another replica when one does not answer; replicas that failed are marked down and brought
/// back by health checks), merges the exact top k by (score desc, id asc), as one index over the
/// whole collection ranks, and optionally re-ranks through a /v1/rerank service. `partial: true`
/// in a request accepts an answer without the shards that failed, flagged in the response.
class Broker {
public:
    /// Throws UsageError for a shard without replicas or a URL that is not http://host:port.
    explicit Broker(const BrokerOptions& options);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// Binds the listening socket; returns the port. Throws IoError when it cannot bind.
    int bind();
    /// Serves until stop().
    void listen();
    /// Stops accepting requests; listen() returns after in-flight ones. Any thread.
    void stop();

    struct Impl;  ///< opaque outside the library

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace cascade
