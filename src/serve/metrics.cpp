#include "serve/metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cascade::serve {
namespace {

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,     10,   30};
const std::vector<double> kPairBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
const std::vector<double> kRequestBounds = {1, 2, 3, 4, 6, 8, 12, 16, 32, 64};

std::string join_labels(const std::string& a, const std::string& b) {
    if (a.empty())
        return b;
    if (b.empty())
        return a;
    return a + "," + b;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Histogram::observe(double value) {
    auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), value);
    ++m_counts[static_cast<std::size_t>(it - m_bounds.begin())];
    m_sum += value;
    ++m_count;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < m_bounds.size(); ++i) {
        cumulative += m_counts[i];
        out += fmt::format("{}_bucket{{{}}} {}\n", name,
                           join_labels(labels, fmt::format("le=\"{}\"", m_bounds[i])), cumulative);
    }
    out += fmt::format("{}_bucket{{{}}} {}\n", name, join_labels(labels, "le=\"+Inf\""), m_count);
    std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, m_sum, name, braces, m_count);
}

Metrics::Metrics() = default;

void Metrics::record_request(const std::string& endpoint, int status, double seconds) {
    std::lock_guard lock(m_mutex);
    ++m_requests[{endpoint, status}];
    if (status >= 400)
        ++m_errors[endpoint];
    auto it = m_latency.try_emplace(endpoint, kLatencyBounds).first;
    it->second.observe(seconds);
}

Metrics::ModelStats& Metrics::model(const std::string& name) {
    return m_models
        .try_emplace(name, ModelStats{Histogram(kPairBounds), Histogram(kRequestBounds),
                                      Histogram(kLatencyBounds)})
        .first->second;
}

void Metrics::record_batch(const std::string& name, std::size_t pairs, std::size_t requests,
                           std::size_t tokens, double seconds) {
    std::lock_guard lock(m_mutex);
    ModelStats& m = model(name);
    m.batch_pairs.observe(static_cast<double>(pairs));
    m.batch_requests.observe(static_cast<double>(requests));
    m.batch_seconds.observe(seconds);
    m.tokens += tokens;
}

void Metrics::record_rejected(const std::string& name) {
    std::lock_guard lock(m_mutex);
    ++model(name).rejected;
}

void Metrics::set_queue_depth(const std::string& name, std::size_t depth) {
    std::lock_guard lock(m_mutex);
    model(name).queue_depth = depth;
}

std::string Metrics::render() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    header(out, "cascade_http_requests_total", "counter", "HTTP requests by endpoint and status.");
    for (const auto& [key, n] : m_requests)
        out += fmt::format("cascade_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                           key.first, key.second, n);
    header(out, "cascade_http_errors_total", "counter", "HTTP responses with status >= 400.");
    for (const auto& [endpoint, n] : m_errors)
        out += fmt::format("cascade_http_errors_total{{endpoint=\"{}\"}} {}\n", endpoint, n);
    header(out, "cascade_http_request_duration_seconds", "histogram",
           "Time from request parsed to response ready.");
    for (const auto& [endpoint, h] : m_latency)
        h.render(out, "cascade_http_request_duration_seconds",
                 fmt::format("endpoint=\"{}\"", endpoint));
    header(out, "cascade_model_batch_pairs", "histogram", "(query, document) pairs per batch.");
    for (const auto& [name, m] : m_models)
        m.batch_pairs.render(out, "cascade_model_batch_pairs", fmt::format("model=\"{}\"", name));
    header(out, "cascade_model_batch_requests", "histogram", "Requests merged into one batch.");
    for (const auto& [name, m] : m_models)
        m.batch_requests.render(out, "cascade_model_batch_requests",
                                fmt::format("model=\"{}\"", name));
    header(out, "cascade_model_batch_seconds", "histogram", "Model time per batch.");
    for (const auto& [name, m] : m_models)
        m.batch_seconds.render(out, "cascade_model_batch_seconds",
                               fmt::format("model=\"{}\"", name));
    header(out, "cascade_model_tokens_total", "counter", "Tokens run through the model.");
    for (const auto& [name, m] : m_models)
        out += fmt::format("cascade_model_tokens_total{{model=\"{}\"}} {}\n", name, m.tokens);
    header(out, "cascade_model_rejected_total", "counter", "Requests refused: queue full (503).");
    for (const auto& [name, m] : m_models)
        out += fmt::format("cascade_model_rejected_total{{model=\"{}\"}} {}\n", name, m.rejected);
    header(out, "cascade_model_queue_depth", "gauge", "Requests queued or running in the model.");
    for (const auto& [name, m] : m_models)
        out += fmt::format("cascade_model_queue_depth{{model=\"{}\"}} {}\n", name, m.queue_depth);
    return out;
}

}  // namespace cascade::serve
