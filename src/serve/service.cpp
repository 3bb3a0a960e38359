#include "serve/service.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/bm25_pipeline.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/icr.hpp"
#include "runtime/listwise.hpp"
#include "serve/pipeline_search.hpp"
#include "util/error.hpp"

namespace cascade::serve {
namespace {

/// A score as a JSON float (always written with a '.' or an exponent). JSON has no infinities,
/// and nlohmann writes them as null, which the engines' float parsers refuse: they become the
/// largest finite floats.
double json_score(float score) {
    if (std::isinf(score))
        return score > 0 ? FLT_MAX : -FLT_MAX;
    return score;
}

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// A failure on the way to a response, carried out of helpers by exception.
struct Failure {
    RequestError error;
    int retry_after_s = 0;
};

/// The order listwise or first (`method`) gives `documents`: indices, best first, as
/// ListReranker::score ranks them. runtime::rank_listwise runs all of a query's windows in one
/// call; here each of runtime::sliding_windows' windows is one call (on a list the size of the
/// window, which rank_listwise ranks in one pass), so that `check(done, windows)` can end the
/// request between windows and other requests get the language model in between.
std::vector<std::size_t> window_order(const runtime::DecoderLm& lm, RerankMethod method,
                                      std::size_t window, std::size_t stride,
                                      std::size_t passage_tokens, const std::string& query,
                                      const std::vector<std::string>& documents,
                                      const std::function<void(std::size_t, std::size_t)>& check) {
    runtime::ListwiseSettings s;
    const bool first = method == RerankMethod::First;
    s.mode = first ? runtime::ListwiseMode::First : runtime::ListwiseMode::Generate;
    s.ids = first ? runtime::Identifiers::Letters : runtime::Identifiers::Numbers;
    s.passage_tokens = passage_tokens;
    const std::vector<runtime::Window> windows =
        runtime::sliding_windows(documents.size(), window, stride);
    const std::vector<std::string> queries{query};
    const std::vector<std::string> labels{"'" + query + "'"};
    std::vector<std::size_t> order(documents.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t p = 0; p < windows.size(); ++p) {
        check(p, windows.size());
        const runtime::Window w = windows[p];
        std::vector<std::vector<std::string>> passages(1);
        for (std::size_t i = w.begin; i < w.end; ++i)
            passages[0].push_back(documents[order[i]]);
        s.window = s.stride = w.end - w.begin;
        const auto best = runtime::rank_listwise(lm, s, queries, passages, labels).front();
        std::vector<std::size_t> moved;
        moved.reserve(best.size());
        for (std::size_t j : best)
            moved.push_back(order[w.begin + j]);
        std::copy(moved.begin(), moved.end(), order.begin() + static_cast<std::ptrdiff_t>(w.begin));
    }
    check(windows.size(), windows.size());
    return order;
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Response json_response(const json& j) {
    return Response{200, j.dump(-1, ' ', false, json::error_handler_t::replace)};
}

/// Runs `fn`, turning Failure and unexpected exceptions into JSON error responses.
template <class Fn>
Response guarded(Fn&& fn) {
    try {
        return fn();
    } catch (const Failure& f) {
        Response r = error_response(f.error);
        r.retry_after_s = f.retry_after_s;
        return r;
    } catch (const std::exception& e) {
        return error_response(RequestError{500, fmt::format("internal error: {}", e.what()), ""});
    }
}

/// One entry of a search response's `stages` array.
json stage_json(const std::string& name, std::size_t in, std::size_t out, double ms) {
    return {{"name", name}, {"candidates_in", in}, {"candidates_out", out}, {"ms", ms}};
}

}  // namespace

Response error_response(const RequestError& error) {
    return Response{error.status, error_body(error)};
}

Service::Service(ServiceOptions options, runtime::PoolOptions pool, runtime::ModelLoader loader)
    : m_options(options) {
    pool.observer = &m_metrics;
    m_pool = std::make_shared<runtime::ModelPool>(pool, std::move(loader));
}

Service::~Service() {
    drain();
}

void Service::open_index(const std::filesystem::path& dir) {
    m_index = std::make_unique<index::Index>(index::Index::open(dir));
    (void)implicit_pipeline(10);  // checks the BM25 parameters now, not at the first request
}

void Service::add_pipeline(const std::string& name, pipeline::Pipeline pipeline) {
    if (m_pipelines.contains(name))
        throw UsageError(fmt::format("pipeline name '{}' given twice", name));
    m_pipelines.emplace(name, std::make_unique<pipeline::Pipeline>(std::move(pipeline)));
    m_pipeline_order.push_back(name);
}

void Service::add_model(const std::string& name, const runtime::ModelOptions& options,
                        RerankMethod method) {
    if (m_models.contains(name))
        throw UsageError(fmt::format("model '{}' given twice", name));
    auto model = m_pool->get(options, runtime::Task::ScorePairs, name);
    const bool decoder = dynamic_cast<const runtime::DecoderReranker*>(&model->model()) != nullptr;
    if (method != RerankMethod::Pointwise) {
        if (!decoder)
            throw UsageError(
                fmt::format("model '{}': rerank method {} ranks with a decoder "
                            "(LLM) model; {} is a cross-encoder",
                            name, rerank_method_name(method), options.dir.string()));
        // Loaded now, so that a folder the list methods cannot use stops the start-up.
        const auto lm = m_pool->language_model(options);
        if (method == RerankMethod::First)
            (void)runtime::ListwisePrompt(*lm, runtime::ListwiseMode::First,
                                          runtime::Identifiers::Letters, kDefaultPassageTokens)
                .identifier_tokens(kDefaultWindow);
    }
    m_models.emplace(name, model);
    m_model_order.push_back(name);
    m_instructions.emplace(name, options.instruction);
    m_methods.emplace(name, method);
    if (decoder)
        m_decoders.emplace(name, options);
    if (options.evidence_tokens > 0) {
        if (!decoder)
            throw UsageError(
                fmt::format("model '{}': evidence_tokens applies to LLM yes/no "
                            "re-rankers (decoder folders), not {}",
                            name, options.dir.string()));
        m_evidence.emplace(name,
                           Evidence{m_pool->language_model(options), options.evidence_tokens});
    }
    m_metrics.set_queue_depth(model->name(), model->scheduler().depth());
}

void Service::drain() {
    m_pool->drain();
}

runtime::LoadedModel* Service::find_model(const std::string& name,
                                          std::optional<RequestError>& error) {
    if (m_model_order.empty()) {
        error = RequestError{404,
                             "no re-ranking model is loaded (start the server with "
                             "--model NAME=DIR)",
                             "model"};
        return nullptr;
    }
    const std::string& key = name.empty() ? m_model_order.front() : name;
    auto it = m_models.find(key);
    if (it == m_models.end()) {
        std::string known;
        for (const auto& n : m_model_order)
            known += (known.empty() ? "" : ", ") + n;
        error =
            RequestError{404, fmt::format("unknown model '{}'; loaded: {}", key, known), "model"};
        return nullptr;
    }
    return it->second.get();
}

const std::string& Service::model_instruction(const std::string& name) const {
    return m_instructions.find(name.empty() ? m_model_order.front() : name)->second;
}

Service::Scored Service::score(runtime::LoadedModel& model, const std::string& query,
                               const std::vector<std::string>& documents, bool truncate,
                               Clock::time_point deadline, std::string_view instruction) {
    const std::size_t max_length = model.max_length();
    // Without truncation, encode one token past the limit to detect pairs that are too long.
    std::vector<model::Encoding> encodings;
    try {
        encodings = model.model().encode_pairs(query, documents,
                                               truncate ? max_length : max_length + 1, instruction);
    } catch (const Error& e) {  // an LLM prompt whose query alone does not fit
        throw Failure{RequestError{413, e.what(), "query"}};
    }
    Scored out;
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        if (!truncate && encodings[i].ids.size() > max_length)
            throw Failure{RequestError{413,
                                       fmt::format("query and text {} exceed the model's "
                                                   "{} tokens; send truncate: true",
                                                   i, max_length),
                                       fmt::format("texts[{}]", i)}};
        out.tokens += encodings[i].ids.size();
    }
    auto start = Clock::now();
    std::future<std::vector<float>> future;
    try {
        future = model.scheduler().submit(std::move(encodings), deadline);
    } catch (const runtime::QueueFull& e) {
        m_metrics.record_rejected(model.name());
        throw Failure{RequestError{503, fmt::format("{}; retry later", e.what()), ""}, 1};
    }
    if (future.wait_until(deadline) != std::future_status::ready)
        throw Failure{
            RequestError{504, "the request deadline passed before the model finished", ""}};
    std::vector<float> scores;
    try {
        scores = future.get();
    } catch (const runtime::DeadlineExceeded& e) {
        throw Failure{RequestError{504, e.what(), ""}};
    }
    out.model_ms = ms_since(start);
    out.ranked.reserve(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i)
        out.ranked.push_back({i, scores[i]});
    return out;
}

Service::ListPlan Service::plan_method(const RerankRequest& req, const std::string& name) const {
    ListPlan plan;
    plan.method = req.method.value_or(m_methods.find(name)->second);
    const bool windows =
        plan.method == RerankMethod::Listwise || plan.method == RerankMethod::First;
    if (!windows && (req.window > 0 || req.stride > 0)) {
        const char* field = req.window > 0 ? "window" : "stride";
        throw Failure{RequestError{400,
                                   fmt::format("\"{}\" applies to methods listwise and first; "
                                               "this request runs {}",
                                               field, rerank_method_name(plan.method)),
                                   field}};
    }
    if (plan.method == RerankMethod::Pointwise && req.passage_tokens)
        throw Failure{RequestError{400,
                                   "\"passage_tokens\" applies to methods listwise, first and icr; "
                                   "this request runs pointwise",
                                   "passage_tokens"}};
    if (plan.method != RerankMethod::Pointwise && !m_decoders.contains(name))
        throw Failure{RequestError{
            400,
            fmt::format("method {} ranks with a decoder (LLM) re-ranker; model '{}' is a "
                        "cross-encoder (pointwise only)",
                        rerank_method_name(plan.method), name),
            "method"}};
    if (req.window > 0)
        plan.window = req.window;
    plan.passage_tokens = req.passage_tokens.value_or(kDefaultPassageTokens);
    // A window under the default stride gets stride = window (adjacent windows) rather than
    // an error: the client asked for that window only.
    plan.stride = req.stride > 0 ? req.stride : std::min(kDefaultStride, plan.window);
    if (plan.method == RerankMethod::First && plan.window > 26)
        throw Failure{RequestError{
            400,
            fmt::format("method first labels passages A-Z: \"window\" {} is over 26", plan.window),
            "window"}};
    return plan;
}

Service::Scored Service::list_score(const std::string& name, const ListPlan& plan,
                                    const std::string& query,
                                    const std::vector<std::string>& documents,
                                    Clock::time_point deadline) {
    const auto lm = m_pool->language_model(m_decoders.find(name)->second);
    const std::size_t n = documents.size();
    Scored out;
    out.by_rank = true;
    out.documents = n;
    out.tokens = lm->ids(query).size();
    for (const auto& d : documents)
        out.tokens += lm->ids(d, plan.passage_tokens).size();
    const auto check_deadline = [&](std::size_t done, std::size_t passes) {
        if (Clock::now() >= deadline)
            throw Failure{
                RequestError{504,
                             fmt::format("the request deadline passed after {} of {} {} passes",
                                         done, passes, rerank_method_name(plan.method)),
                             ""}};
    };
    const auto start = Clock::now();
    std::vector<float> raw(n, 0.0F);
    try {
        if (plan.method == RerankMethod::Icr) {
            check_deadline(0, 1);
            const auto scores = runtime::icr_scores(
                *lm, runtime::build_icr_prompt(*lm, query, documents, plan.passage_tokens));
            std::transform(scores.begin(), scores.end(), raw.begin(),
                           [](double x) { return static_cast<float>(x); });
            check_deadline(1, 1);
        } else {
            const auto order = window_order(*lm, plan.method, plan.window, plan.stride,
                                            plan.passage_tokens, query, documents, check_deadline);
            for (std::size_t rank = 0; rank < n; ++rank)
                raw[order[rank]] = static_cast<float>(n - rank);
        }
    } catch (const Error& e) {  // the prompt does not fit the model's context
        throw Failure{RequestError{413, e.what(), "documents"}};
    }
    out.model_ms = ms_since(start);
    out.ranked.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.ranked.push_back({i, raw[i]});
    return out;
}

float Service::served_score(const Scored& s, std::size_t i, bool raw) {
    const float score = s.ranked[i].score;
    if (raw)
        return score;
    if (!s.by_rank)
        return sigmoid(score);
    return 1.0F - (static_cast<float>(i) / static_cast<float>(s.documents));
}

std::vector<std::string> Service::evidence_for(const RerankRequest& req,
                                               const runtime::LoadedModel& model,
                                               const std::vector<IndexedScore>& ranked) const {
    const auto it = m_evidence.find(req.model.empty() ? m_model_order.front() : req.model);
    if (it == m_evidence.end())
        return {};
    const auto& reranker = dynamic_cast<const runtime::DecoderReranker&>(model.model());
    std::vector<std::string> queries(ranked.size(), req.query);
    std::vector<std::string> documents;
    std::vector<float> scores;
    for (const auto& r : ranked) {
        documents.push_back(req.documents[r.index]);
        scores.push_back(r.score);
    }
    const std::string& instruction =
        req.instruction.empty() ? model_instruction(req.model) : req.instruction;
    return runtime::pointwise_evidence(*it->second.lm, reranker, queries, documents, scores,
                                       it->second.max_tokens, instruction);
}

Response Service::rerank(std::string_view body) {
    return guarded([&] {
        auto start = Clock::now();
        RerankRequest req;
        if (auto e = parse_rerank(body, m_options.limits, req))
            return error_response(*e);
        std::optional<RequestError> error;
        runtime::LoadedModel* model = find_model(req.model, error);
        if (!model)
            return error_response(*error);
        const std::string& name = req.model.empty() ? m_model_order.front() : req.model;
        const ListPlan plan = plan_method(req, name);
        const auto deadline = start + m_options.timeout;
        Scored s =
            plan.method == RerankMethod::Pointwise
                ? score(*model, req.query, req.documents, true, deadline,
                        req.instruction.empty() ? model_instruction(req.model) : req.instruction)
                : list_score(name, plan, req.query, req.documents, deadline);
        rank_scores(s.ranked, req.top_n);
        const std::vector<std::string> evidence =
            s.by_rank ? std::vector<std::string>{} : evidence_for(req, *model, s.ranked);
        json results = json::array();
        for (std::size_t i = 0; i < s.ranked.size(); ++i) {
            const auto& r = s.ranked[i];
            json item = {{"index", r.index},
                         {"relevance_score", json_score(served_score(s, i, false))}};
            if (req.return_documents)
                item["document"] = {{"text", req.documents[r.index]}};
            if (!evidence.empty() && r.score > 0.0F)
                item["evidence"] = evidence[i];
            results.push_back(std::move(item));
        }
        json meta = {{"api_version", {{"version", "2"}}},
                     {"billed_units", {{"search_units", 1}}},
                     {"tokens", {{"input_tokens", s.tokens}}},
                     {"timings_ms", {{"model", s.model_ms}, {"total", ms_since(start)}}}};
        return json_response({{"id", std::to_string(m_next_id++)},
                              {"model", name},
                              {"results", std::move(results)},
                              {"usage", {{"total_tokens", s.tokens}}},
                              {"meta", std::move(meta)}});
    });
}

Response Service::tei_rerank(std::string_view body) {
    return guarded([&] {
        auto start = Clock::now();
        TeiRerankRequest req;
        if (auto e = parse_tei_rerank(body, m_options.limits, req))
            return error_response(*e);
        std::optional<RequestError> error;
        runtime::LoadedModel* model = find_model("", error);
        if (!model)
            return error_response(*error);
        // TEI's shape has no method field: the default model's method, with its windows.
        const std::string& name = m_model_order.front();
        const ListPlan plan = plan_method(RerankRequest{}, name);
        const auto deadline = start + m_options.timeout;
        Scored s =
            plan.method == RerankMethod::Pointwise
                ? score(*model, req.query, req.texts, req.truncate, deadline, model_instruction(""))
                : list_score(name, plan, req.query, req.texts, deadline);
        rank_scores(s.ranked, req.top_n);
        json out = json::array();
        for (std::size_t i = 0; i < s.ranked.size(); ++i) {
            const auto& r = s.ranked[i];
            json item = {{"index", r.index},
                         {"score", json_score(served_score(s, i, req.raw_scores))}};
            if (req.return_text)
                item["text"] = req.texts[r.index];
            out.push_back(std::move(item));
        }
        return json_response(out);
    });
}

std::shared_ptr<const pipeline::Pipeline> Service::implicit_pipeline(std::size_t k) {
    std::lock_guard lock(m_implicit_mutex);
    if (auto it = m_implicit.find(k); it != m_implicit.end())
        return it->second;
    pipeline::Bm25StageSpec spec;
    spec.params = m_options.bm25;
    spec.k = k;
    auto built =
        std::make_shared<const pipeline::Pipeline>(pipeline::bm25_pipeline(*m_index, spec));
    if (m_implicit.size() < kImplicitCached)
        m_implicit.emplace(k, built);
    return built;
}

Service::Ranked Service::search_bm25(const SearchRequest& req, Clock::time_point deadline) {
    const auto implicit = implicit_pipeline(req.k);
    Query query{"q", req.query};
    PipelineHits result;
    try {
        result = serve::search_pipeline(*implicit, *m_index, query, expires_at(deadline));
    } catch (const PipelineDeadline& e) {
        throw Failure{RequestError{504, e.what(), ""}};
    }
    Ranked out;
    out.stages = json::array();
    for (const StageTiming& t : result.stages)
        out.stages.push_back(stage_json(t.label, t.candidates_in, t.candidates_out, t.ms));
    out.hits.reserve(result.hits.size());
    for (const auto& h : result.hits)
        out.hits.emplace_back(h.docid, h.score);
    return out;
}

Service::Ranked Service::search_pipeline(const SearchRequest& req, Clock::time_point deadline) {
    const std::string& key = req.pipeline.empty() ? m_pipeline_order.front() : req.pipeline;
    auto it = m_pipelines.find(key);
    if (it == m_pipelines.end()) {
        std::string known;
        for (const auto& n : m_pipeline_order)
            known += (known.empty() ? "" : ", ") + n;
        throw Failure{RequestError{
            400,
            fmt::format("unknown pipeline '{}'; loaded: {}", key, known.empty() ? "none" : known),
            "pipeline"}};
    }
    Query query{"q", req.query};
    PipelineHits result;
    try {
        result = serve::search_pipeline(*it->second, *m_index, query, expires_at(deadline));
    } catch (const PipelineDeadline& e) {
        throw Failure{RequestError{504, e.what(), ""}};
    } catch (const runtime::QueueFull& e) {
        m_metrics.record_rejected("pipeline:" + key);
        throw Failure{RequestError{503, fmt::format("{}; retry later", e.what()), ""}, 1};
    }
    Ranked out;
    out.pipeline = key;
    out.stages = json::array();
    for (const StageTiming& t : result.stages)
        out.stages.push_back(stage_json(t.label, t.candidates_in, t.candidates_out, t.ms));
    const std::size_t n = std::min(req.k, result.hits.size());
    out.hits.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.hits.emplace_back(result.hits[i].docid, result.hits[i].score);
    return out;
}

Response Service::search(std::string_view body) {
    return guarded([&] {
        auto start = Clock::now();
        SearchRequest req;
        if (auto e = parse_search(body, m_options.limits, req))
            return error_response(*e);
        if (!m_index)
            return error_response({404, "no index is loaded (start with --index DIR)", ""});
        if (!req.pipeline.empty() && m_pipelines.empty())
            return error_response({400,
                                   fmt::format("unknown pipeline '{}'; none is loaded "
                                               "(start with --pipeline FILE)",
                                               req.pipeline),
                                   "pipeline"});
        const auto deadline = start + m_options.timeout;
        Ranked ranked =
            m_pipelines.empty() ? search_bm25(req, deadline) : search_pipeline(req, deadline);
        auto docs_start = Clock::now();
        json out_hits = json::array();
        for (std::size_t i = 0; i < ranked.hits.size(); ++i) {
            Document doc = m_index->document(ranked.hits[i].first);
            out_hits.push_back({{"rank", i + 1},
                                {"id", doc.id},
                                {"score", ranked.hits[i].second},
                                {"title", doc.title},
                                {"text", snippet(doc.text, m_options.snippet_chars)}});
        }
        ranked.stages.push_back({{"name", "documents"}, {"ms", ms_since(docs_start)}});
        json out = {{"query", req.query},
                    {"hits", std::move(out_hits)},
                    {"stages", std::move(ranked.stages)},
                    {"timings_ms", {{"total", ms_since(start)}}}};
        if (!ranked.pipeline.empty())
            out["pipeline"] = ranked.pipeline;
        return json_response(out);
    });
}

Response Service::health() const {
    json models = json::array();
    for (const auto& n : m_model_order)
        models.push_back(n);
    json pipelines = json::array();
    for (const auto& n : m_pipeline_order)
        pipelines.push_back(n);
    return json_response({{"status", "ok"},
                          {"index", m_index ? json(m_index->num_docs()) : json(nullptr)},
                          {"models", models},
                          {"pipelines", pipelines}});
}

Response Service::metrics_page() const {
    std::string page = m_metrics.render();
    page += fmt::format(
        "# HELP cascade_models_loaded Model copies loaded by the pool (one per folder and load "
        "options, shared by /v1/rerank and the pipelines)\n"
        "# TYPE cascade_models_loaded gauge\ncascade_models_loaded {}\n",
        m_pool->loads());
    return Response{200, std::move(page), "text/plain; version=0.0.4"};
}

}  // namespace cascade::serve
