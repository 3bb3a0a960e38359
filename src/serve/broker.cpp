#include "serve/broker.hpp"

#include <algorithm>
#include <future>
#include <utility>

#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "util/error.hpp"

namespace cascade::serve {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// The error body every cascade endpoint answers with.
std::string error_body(const std::string& message, const std::string& field = {}) {
    json error = {{"message", message}};
    if (!field.empty()) {
        error["field"] = field;
    }
    return json{{"error", error}}.dump();
}

/// Checks `url` is http://host:port (a replica's base URL) and returns it without a trailing '/'.
std::string check_url(std::string url, std::string_view what) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    constexpr std::string_view kScheme = "http://";
    const std::size_t colon = url.rfind(':');
    const bool ok = url.starts_with(kScheme) && colon != std::string::npos &&
                    colon > kScheme.size() && colon + 1 < url.size() &&
                    std::all_of(url.begin() + static_cast<std::ptrdiff_t>(colon) + 1, url.end(),
                                [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) {
        throw UsageError(
            fmt::format("{} '{}' is not a URL of the form http://host:port", what, url));
    }
    return url;
}

/// How early httplib may give up on a read before the timeout it was given (it waits in whole
/// milliseconds; the rest is scheduling).
constexpr std::chrono::milliseconds kTimeoutSlack{10};

template <class Duration>
void set_timeouts(httplib::Client& client, Duration remaining) {
    const auto us = std::max<std::int64_t>(
        1000, std::chrono::duration_cast<std::chrono::microseconds>(remaining).count());
    const time_t sec = static_cast<time_t>(us / 1'000'000);
    const time_t usec = static_cast<time_t>(us % 1'000'000);
    client.set_connection_timeout(sec, usec);
    client.set_read_timeout(sec, usec);
    client.set_write_timeout(sec, usec);
}

/// A hit as the shards send it; ordered as one index over the whole collection ranks.
struct MergedHit {
    double score = 0.0;
    std::string id;
    std::size_t hit = 0;  ///< the shard's hit object, in the request's pool of hits
};

bool ranks_before(const MergedHit& a, const MergedHit& b) {
    if (a.score != b.score) {
        return a.score > b.score;
    }
    return a.id < b.id;
}

}  // namespace

struct Broker::ShardAnswer {
    bool ok = false;
    int status = 0;  ///< on failure: the status to answer with (4xx passed through, 502, 504)
    std::string error;
    std::string replica;
    double ms = 0.0;
    json hits = json::array();
};

Broker::Broker(BrokerOptions options)
    : m_config(std::move(options)), m_server(std::make_unique<httplib::Server>()) {
    if (m_config.shards.empty()) {
        throw UsageError("the broker needs at least one shard (--shards URL,URL,...)");
    }
    for (std::size_t s = 0; s < m_config.shards.size(); ++s) {
        if (m_config.shards[s].empty()) {
            throw UsageError(fmt::format("shard {} has no replica URL", s));
        }
        auto& replicas = m_replicas.emplace_back();
        for (const std::string& url : m_config.shards[s]) {
            auto replica = std::make_unique<Replica>();
            replica->url = check_url(url, fmt::format("shard {} replica", s));
            replicas.push_back(std::move(replica));
        }
    }
    if (!m_config.rerank_url.empty()) {
        m_config.rerank_url = check_url(m_config.rerank_url, "--rerank-url");
    }
    const std::size_t threads = std::max<std::size_t>(1, m_config.connection_threads);
    m_server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    m_server->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    });
    m_server->Post("/v1/search", [this](const httplib::Request& req, httplib::Response& res) {
        auto [status, body] = search(req.body);
        res.status = status;
        res.set_content(body, "application/json");
    });
    m_server->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        const bool ok = healthy();
        res.status = ok ? 200 : 503;
        res.set_content(ok ? R"({"status":"ok"})" : R"({"status":"a shard has no replica up"})",
                        "application/json");
    });
    m_server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics(), "text/plain; version=0.0.4");
    });
}

Broker::~Broker() {
    stop();
}

int Broker::bind() {
    const int port = m_config.port == 0 ? m_server->bind_to_any_port(m_config.host)
                     : m_server->bind_to_port(m_config.host, m_config.port) ? m_config.port
                                                                            : -1;
    if (port < 0) {
        throw IoError(fmt::format("cannot listen on {}:{} (in use, or not a local address?)",
                                  m_config.host, m_config.port));
    }
    return port;
}

void Broker::listen() {
    m_listening = true;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = false;
    }
    m_health = std::thread([this] { health_loop(); });
    if (!m_stop_requested) {
        m_server->listen_after_bind();
    }
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_health.join();
    m_listening = false;
}

void Broker::stop() {
    m_stop_requested = true;
    // httplib ignores stop() until its accept loop runs: wait for it while listen() is inside.
    while (m_listening && !m_server->is_running()) {
        {
            const std::lock_guard lock(m_mutex);
            if (m_stopping) {
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    m_server->stop();
}

void Broker::health_loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, m_config.health_interval, [this] { return m_stopping; });
        if (m_stopping) {
            break;
        }
        lock.unlock();
        for (auto& shard : m_replicas) {
            for (auto& replica : shard) {
                if (replica->up) {
                    continue;
                }
                httplib::Client client(replica->url);
                set_timeouts(client, std::min<std::chrono::milliseconds>(m_config.health_interval,
                                                                         std::chrono::seconds(1)));
                const auto res = client.Get("/healthz");
                if (res && res->status == 200) {
                    replica->up = true;
                }
            }
        }
        lock.lock();
    }
}

bool Broker::healthy() const {
    return std::all_of(m_replicas.begin(), m_replicas.end(), [](const auto& shard) {
        return std::any_of(shard.begin(), shard.end(), [](const auto& r) { return r->up.load(); });
    });
}

Broker::ShardAnswer Broker::ask_shard(std::size_t shard, const std::string& body,
                                      Clock::time_point deadline) {
    auto& replicas = m_replicas[shard];
    const std::size_t n = replicas.size();
    const std::size_t first = m_round_robin.fetch_add(1) % n;
    // Replicas marked up first (from a rotating start, spreading load), then the ones marked
    // down: a request is only lost when no replica answers.
    std::vector<Replica*> order;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < n; ++i) {
            Replica* r = replicas[(first + i) % n].get();
            if (r->up.load() == (pass == 0)) {
                order.push_back(r);
            }
        }
    }
    ShardAnswer answer;
    std::vector<std::string> failures;
    const auto start = Clock::now();
    bool timed_out = false;
    for (Replica* replica : order) {
        const auto remaining = deadline - Clock::now();
        if (remaining <= Clock::duration::zero()) {
            break;
        }
        replica->requests.fetch_add(1);
        httplib::Client client(replica->url);
        set_timeouts(client, remaining);
        const auto asked = Clock::now();
        const auto res = client.Post("/v1/search", body, "application/json");
        answer.replica = replica->url;
        if (!res) {
            // No answer: refused, reset, or cut off at the deadline. Either way the next
            // request should not wait on it; the health check brings it back. httplib's
            // timeouts wait in whole milliseconds and may return just before the deadline:
            // a failure after (nearly) all the time it was given is the deadline's.
            if (Clock::now() - asked + kTimeoutSlack >= remaining) {
                timed_out = true;
            }
            replica->failures.fetch_add(1);
            replica->up = false;
            failures.push_back(
                fmt::format("{}: {}", replica->url, httplib::to_string(res.error())));
            continue;
        }
        if (res->status == 200) {
            try {
                json parsed = json::parse(res->body);
                answer.hits = std::move(parsed.at("hits"));
                answer.ok = true;
                answer.ms = ms_since(start);
                return answer;
            } catch (const json::exception& e) {
                failures.push_back(
                    fmt::format("{}: unreadable /v1/search answer ({})", replica->url, e.what()));
                continue;
            }
        }
        if (res->status >= 400 && res->status < 500) {
            // The request itself is at fault: every replica would say the same.
            answer.status = res->status;
            try {
                answer.error = json::parse(res->body).at("error").at("message").get<std::string>();
            } catch (const json::exception&) {
                answer.error = res->body;
            }
            answer.ms = ms_since(start);
            return answer;
        }
        replica->failures.fetch_add(1);
        failures.push_back(fmt::format("{}: HTTP {}", replica->url, res->status));
    }
    answer.ms = ms_since(start);
    const bool late = timed_out || Clock::now() >= deadline;
    answer.status = late ? 504 : 502;
    std::string tried;
    for (const std::string& f : failures) {
        tried += (tried.empty() ? "" : "; ") + f;
    }
    answer.error =
        late ? fmt::format("shard {} did not answer within the {} ms deadline ({})", shard,
                           m_config.timeout.count(), tried.empty() ? "no replica tried" : tried)
             : fmt::format("shard {}: no replica answered ({})", shard, tried);
    return answer;
}

std::pair<int, std::string> Broker::search(const std::string& body) {
    const auto start = Clock::now();
    const auto deadline = start + m_config.timeout;
    m_requests.fetch_add(1);
    auto fail = [this](int status, const std::string& message, const std::string& field = {}) {
        m_errors.fetch_add(1);
        return std::pair<int, std::string>{status, error_body(message, field)};
    };

    json request;
    try {
        request = json::parse(body);
    } catch (const json::exception& e) {
        return fail(400, fmt::format("the body is not JSON: {}", e.what()));
    }
    if (!request.is_object()) {
        return fail(400, "the body must be a JSON object");
    }
    if (!request.contains("query") || !request["query"].is_string() ||
        request["query"].get<std::string>().empty()) {
        return fail(400, "query: a non-empty string is required", "query");
    }
    std::int64_t k = 10;
    if (request.contains("k")) {
        if (!request["k"].is_number_integer() || request["k"].get<std::int64_t>() < 1 ||
            request["k"].get<std::int64_t>() > 1000) {
            return fail(400, "k: a whole number from 1 to 1000", "k");
        }
        k = request["k"].get<std::int64_t>();
    }
    bool partial = false;
    if (request.contains("partial")) {
        if (!request["partial"].is_boolean()) {
            return fail(400, "partial: true or false", "partial");
        }
        partial = request["partial"].get<bool>();
    }
    const std::string query = request["query"].get<std::string>();
    const bool rerank = !m_config.rerank_url.empty();
    const std::int64_t depth =
        rerank
            ? std::min<std::int64_t>(
                  1000, std::max<std::int64_t>(k, static_cast<std::int64_t>(m_config.rerank_depth)))
            : k;
    const std::string shard_body = json{{"query", query}, {"k", depth}}.dump();

    // Fan out: every shard but the last on its own thread, the last on this one.
    const std::size_t n = m_replicas.size();
    std::vector<std::future<ShardAnswer>> pending;
    pending.reserve(n);
    for (std::size_t s = 0; s + 1 < n; ++s) {
        pending.push_back(std::async(std::launch::async, [this, s, &shard_body, deadline] {
            return ask_shard(s, shard_body, deadline);
        }));
    }
    std::vector<ShardAnswer> answers;
    answers.reserve(n);
    ShardAnswer last = ask_shard(n - 1, shard_body, deadline);
    for (auto& f : pending) {
        answers.push_back(f.get());
    }
    answers.push_back(std::move(last));

    std::vector<MergedHit> merged;
    std::vector<json> pool;  // every shard's hit objects, as received
    json shards = json::array();
    json failed = json::array();
    const ShardAnswer* first_failure = nullptr;
    for (std::size_t s = 0; s < n; ++s) {
        const ShardAnswer& a = answers[s];
        json info = {{"shard", s}, {"replica", a.replica}, {"ms", a.ms}};
        if (!a.ok) {
            info["error"] = a.error;
            failed.push_back(s);
            if (first_failure == nullptr || (a.status >= 400 && a.status < 500)) {
                first_failure = &a;
            }
        } else {
            info["hits"] = a.hits.size();
            for (const json& hit : a.hits) {
                merged.push_back(
                    {hit.at("score").get<double>(), hit.at("id").get<std::string>(), pool.size()});
                pool.push_back(hit);
            }
        }
        shards.push_back(std::move(info));
    }
    if (first_failure != nullptr) {
        const bool client_error = first_failure->status >= 400 && first_failure->status < 500;
        if (!partial || client_error || failed.size() == n) {
            return fail(first_failure->status, first_failure->error);
        }
        m_partial.fetch_add(1);
    }

    const std::size_t keep = std::min<std::size_t>(merged.size(), static_cast<std::size_t>(depth));
    std::partial_sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(keep),
                      merged.end(), ranks_before);
    merged.resize(keep);

    if (rerank && !merged.empty()) {
        json documents = json::array();
        for (const MergedHit& h : merged) {
            std::string document = pool[h.hit].value("title", "");
            const std::string text = pool[h.hit].value("text", "");
            if (!document.empty()) {
                document += ' ';
            }
            document += text;
            documents.push_back(std::move(document));
        }
        json rr = {{"query", query},
                   {"documents", documents},
                   {"top_n", std::min<std::int64_t>(k, static_cast<std::int64_t>(merged.size()))},
                   {"return_documents", false}};
        if (!m_config.rerank_model.empty()) {
            rr["model"] = m_config.rerank_model;
        }
        const auto remaining = deadline - Clock::now();
        if (remaining <= Clock::duration::zero()) {
            return fail(504, fmt::format("the {} ms deadline passed before re-ranking",
                                         m_config.timeout.count()));
        }
        httplib::Client client(m_config.rerank_url);
        set_timeouts(client, remaining);
        const auto res = client.Post("/v1/rerank", rr.dump(), "application/json");
        if (!res) {
            return fail(Clock::now() >= deadline ? 504 : 502,
                        fmt::format("re-rank service {}: {}", m_config.rerank_url,
                                    httplib::to_string(res.error())));
        }
        if (res->status != 200) {
            return fail(502, fmt::format("re-rank service {}: HTTP {}: {}", m_config.rerank_url,
                                         res->status, res->body));
        }
        std::vector<MergedHit> reranked;
        try {
            const json answer = json::parse(res->body);
            for (const json& r : answer.at("results")) {
                MergedHit h = merged.at(r.at("index").get<std::size_t>());
                h.score = r.at("relevance_score").get<double>();
                pool[h.hit]["score"] = h.score;
                reranked.push_back(std::move(h));
            }
        } catch (const std::exception& e) {
            return fail(502, fmt::format("re-rank service {}: unreadable answer ({})",
                                         m_config.rerank_url, e.what()));
        }
        merged = std::move(reranked);
    }
    if (merged.size() > static_cast<std::size_t>(k)) {
        merged.resize(static_cast<std::size_t>(k));
    }

    json hits = json::array();
    int rank = 1;
    for (MergedHit& h : merged) {
        pool[h.hit]["rank"] = rank++;
        hits.push_back(std::move(pool[h.hit]));
    }
    json out = {{"query", query}, {"hits", std::move(hits)}, {"shards", std::move(shards)}};
    if (rerank) {
        out["reranked_by"] = m_config.rerank_url;
    }
    if (!failed.empty()) {
        out["partial"] = true;
        out["failed_shards"] = failed;
    }
    out["timings_ms"] = {{"total", ms_since(start)}};
    return {200, out.dump()};
}

std::string Broker::metrics() const {
    std::string out;
    out += "# HELP cascade_broker_requests_total /v1/search requests received.\n";
    out += "# TYPE cascade_broker_requests_total counter\n";
    out += fmt::format("cascade_broker_requests_total {}\n", m_requests.load());
    out += "# HELP cascade_broker_errors_total /v1/search requests answered with an error.\n";
    out += "# TYPE cascade_broker_errors_total counter\n";
    out += fmt::format("cascade_broker_errors_total {}\n", m_errors.load());
    out +=
        "# HELP cascade_broker_partial_total Requests answered without some shard (asked "
        "for with partial: true).\n";
    out += "# TYPE cascade_broker_partial_total counter\n";
    out += fmt::format("cascade_broker_partial_total {}\n", m_partial.load());
    out += "# HELP cascade_broker_replica_up 1 while the replica is in rotation.\n";
    out += "# TYPE cascade_broker_replica_up gauge\n";
    for (std::size_t s = 0; s < m_replicas.size(); ++s) {
        for (const auto& r : m_replicas[s]) {
            out += fmt::format("cascade_broker_replica_up{{shard=\"{}\",replica=\"{}\"}} {}\n", s,
                               r->url, r->up.load() ? 1 : 0);
        }
    }
    out += "# HELP cascade_broker_replica_requests_total Searches sent to the replica.\n";
    out += "# TYPE cascade_broker_replica_requests_total counter\n";
    for (std::size_t s = 0; s < m_replicas.size(); ++s) {
        for (const auto& r : m_replicas[s]) {
            out += fmt::format(
                "cascade_broker_replica_requests_total{{shard=\"{}\",replica=\"{}\"}} {}\n", s,
                r->url, r->requests.load());
        }
    }
    out += "# HELP cascade_broker_replica_failures_total Searches the replica did not answer.\n";
    out += "# TYPE cascade_broker_replica_failures_total counter\n";
    for (std::size_t s = 0; s < m_replicas.size(); ++s) {
        for (const auto& r : m_replicas[s]) {
            out += fmt::format(
                "cascade_broker_replica_failures_total{{shard=\"{}\",replica=\"{}\"}} {}\n", s,
                r->url, r->failures.load());
        }
    }
    return out;
}

}  // namespace cascade::serve
