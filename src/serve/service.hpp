#pragma once
/// The HTTP service's endpoints as functions from a request body to a response, with no
/// sockets: HttpServer routes to them, tests and the fuzzer can call them directly.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "retrieve/bm25.hpp"
#include "runtime/model_pool.hpp"
#include "serve/metrics.hpp"
#include "serve/request.hpp"

namespace cascade::serve {

struct ServiceOptions {
    Limits limits;
    /// Per-request deadline for model work and for search (checked before every pipeline
    /// stage); past it the request gets 504.
    std::chrono::milliseconds timeout{30'000};
    /// Code points of document text returned per search hit.
    std::size_t snippet_chars = 240;
    /// BM25 parameters of plain search (no pipeline loaded); checked by open_index().
    retrieve::Bm25Params bm25;
};

/// An HTTP response: status, JSON (or Prometheus text) body, Retry-After seconds (0 = none).
struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    int retry_after_s = 0;
};

/// Holds the index, the BM25 retriever, the model pool (one scheduler per model, shared by the
/// re-ranking endpoints and the pipelines' model stages) and the metrics. Every endpoint method
/// is safe to call from many threads at once.
class Service {
public:
    /// `pool` sets the models' batching, queue limit, thread budget and replicas; `loader`
    /// builds model replicas (tests pass fakes).
    explicit Service(ServiceOptions options, runtime::PoolOptions pool = {},
                     runtime::ModelLoader loader = runtime::load_model);
    ~Service();

    /// Opens the index at `dir` for /v1/search (throws what Index::open throws).
    void open_index(const std::filesystem::path& dir);
    /// Adds a pipeline for /v1/search under `name`; the first one added is the default, and
    /// with none /v1/search runs plain BM25. Throws UsageError when `name` is taken.
    void add_pipeline(const std::string& name, pipeline::Pipeline pipeline);
    /// The open index (null before open_index), for building pipelines against it.
    [[nodiscard]] const index::Index* index() const { return m_index.get(); }
    /// Adds the re-ranking model `options` names under `name`, through the service's pool (a
    /// pipeline stage using the same folder and options shares the copy); the first one added
    /// is the default. `method` is how the model answers /v1/rerank and /rerank when a request
    /// names none; the list methods need a decoder folder. Throws UsageError when `name` is
    /// taken or the method does not fit the model, and what loading throws.
    void add_model(const std::string& name, const runtime::ModelOptions& options,
                   RerankMethod method = RerankMethod::Pointwise);
    /// The pool every model of this service comes from; pass it to pipeline::Pipeline::load.
    [[nodiscard]] const std::shared_ptr<runtime::ModelPool>& models() const { return m_pool; }

    Response rerank(std::string_view body);      ///< POST /v1/rerank (Cohere / Jina)
    Response tei_rerank(std::string_view body);  ///< POST /rerank (TEI)
    Response search(std::string_view body);      ///< POST /v1/search
    Response health() const;                     ///< GET /healthz
    Response metrics_page() const;               ///< GET /metrics

    [[nodiscard]] Metrics& metrics() { return m_metrics; }
    [[nodiscard]] const ServiceOptions& options() const { return m_options; }
    /// Finishes queued model work and stops the model workers. Call only once no request is
    /// in flight (after HttpServer::listen() has returned).
    void drain();

private:
    /// A ranked list for /v1/search with the stages that made it, as JSON.
    // The implicit noexcept move of its json member only moves pointers; clang-tidy reads
    // json's assertion path as a throw.
    struct Ranked {                                         // NOLINT(bugprone-exception-escape)
        std::vector<std::pair<std::uint32_t, float>> hits;  ///< internal docid, score
        nlohmann::json stages;
        std::string pipeline;  ///< empty for plain BM25
    };
    /// Plain BM25 (no pipeline loaded): the implicit pipeline `first_stage: {type: bm25}`
    /// with the request's k, through the same walk as loaded pipelines.
    Ranked search_bm25(const SearchRequest& req, std::chrono::steady_clock::time_point deadline);
    /// Through the named (or default) pipeline; unknown names and deadlines throw.
    Ranked search_pipeline(const SearchRequest& req,
                           std::chrono::steady_clock::time_point deadline);
    struct Scored {
        std::vector<IndexedScore> ranked;
        std::size_t tokens = 0;
        double model_ms = 0;
        /// Ranked by a list method: the score served is 1 − rank / documents, not the sigmoid.
        bool by_rank = false;
        std::size_t documents = 0;
    };
    /// The method and window a request runs with, checked against its model.
    struct ListPlan {
        RerankMethod method = RerankMethod::Pointwise;
        std::size_t window = kDefaultWindow;
        std::size_t stride = kDefaultStride;
        std::size_t passage_tokens = kDefaultPassageTokens;  ///< 0: whole documents
    };
    /// The method of `req` (else the model's) with its window and stride, or a Failure (400)
    /// naming the field that does not fit.
    [[nodiscard]] ListPlan plan_method(const RerankRequest& req, const std::string& name) const;
    /// Ranks `documents` together with the list method of `plan` on the language model of the
    /// decoder model `name`: raw scores as ListReranker::score gives them (n − rank for
    /// listwise and first, the calibrated attention for icr). The deadline is checked before
    /// every window and after the last (504).
    Scored list_score(const std::string& name, const ListPlan& plan, const std::string& query,
                      const std::vector<std::string>& documents,
                      std::chrono::steady_clock::time_point deadline);
    /// The score served for `ranked[i]` of `s` (sorted): 1 − i / n for list methods, else
    /// the sigmoid of the logit (or the logit itself when `raw`); raw list scores are kept.
    [[nodiscard]] static float served_score(const Scored& s, std::size_t i, bool raw);
    /// Finds the model (empty name: the default) or fills `error`.
    runtime::LoadedModel* find_model(const std::string& name, std::optional<RequestError>& error);
    /// Encodes, queues and waits for the scores of `documents` against `query`; throws
    /// RequestError-carrying exceptions mapped by the callers.
    /// `instruction`: the task text of LLM re-rankers (runtime::Model::encode_pairs).
    Scored score(runtime::LoadedModel& model, const std::string& query,
                 const std::vector<std::string>& documents, bool truncate,
                 std::chrono::steady_clock::time_point deadline, std::string_view instruction);
    /// The instruction `name` was added with (its --instruction), for requests without one.
    [[nodiscard]] const std::string& model_instruction(const std::string& name) const;
    /// Evidence texts of `ranked` (in its order) when the request's model was added with
    /// evidence_tokens > 0; empty otherwise.
    [[nodiscard]] std::vector<std::string> evidence_for(
        const RerankRequest& req, const runtime::LoadedModel& model,
        const std::vector<IndexedScore>& ranked) const;

    ServiceOptions m_options;
    Metrics m_metrics;
    std::unique_ptr<index::Index> m_index;
    /// The implicit BM25 pipeline for a request's k (built on first use; at most
    /// kImplicitCached values of k are kept).
    std::shared_ptr<const pipeline::Pipeline> implicit_pipeline(std::size_t k);
    static constexpr std::size_t kImplicitCached = 64;
    std::mutex m_implicit_mutex;
    std::map<std::size_t, std::shared_ptr<const pipeline::Pipeline>> m_implicit;
    std::vector<std::string> m_pipeline_order;
    std::map<std::string, std::unique_ptr<pipeline::Pipeline>, std::less<>> m_pipelines;
    std::vector<std::string> m_model_order;
    std::map<std::string, std::string, std::less<>> m_instructions;  ///< by model name
    std::map<std::string, RerankMethod, std::less<>> m_methods;      ///< --rerank-method, by name
    /// Load options of the models that are decoder (LLM) re-rankers, by name: their language
    /// model (same weights) runs the list methods.
    std::map<std::string, runtime::ModelOptions, std::less<>> m_decoders;
    /// Models added with evidence_tokens > 0 (LLM yes/no re-rankers): their language model
    /// and the token limit, by model name.
    struct Evidence {
        std::shared_ptr<const runtime::DecoderLm> lm;
        std::size_t max_tokens = 0;
    };
    std::map<std::string, Evidence, std::less<>> m_evidence;
    std::shared_ptr<runtime::ModelPool> m_pool;
    std::map<std::string, std::shared_ptr<runtime::LoadedModel>, std::less<>> m_models;
    std::atomic<std::uint64_t> m_next_id{1};
};

/// The JSON error response for `error`.
[[nodiscard]] Response error_response(const RequestError& error);

}  // namespace cascade::serve
