#pragma once
/// Service metrics in the Prometheus text exposition format (version 0.0.4).

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/scheduler.hpp"

namespace cascade::serve {

/// A cumulative histogram with fixed upper bounds (Prometheus `_bucket{le=...}`, `_sum`,
/// `_count`). Not synchronised: Metrics guards it.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds)
        : m_bounds(std::move(bounds)), m_counts(m_bounds.size() + 1, 0) {}
    void observe(double value);
    /// Appends the sample lines of `name` with the extra `labels` ("" or `a="b"`).
    void render(std::string& out, const std::string& name, const std::string& labels) const;

private:
    std::vector<double> m_bounds;
    std::vector<std::uint64_t> m_counts;  ///< per bucket, not cumulative; last = +Inf
    double m_sum = 0;
    std::uint64_t m_count = 0;
};

/// Everything /metrics reports. Thread-safe; each call takes one short lock. It observes the
/// schedulers of the models the service loads (model batches and queue depths).
class Metrics final : public runtime::SchedulerObserver {
public:
    Metrics();
    /// One finished HTTP request: endpoint label (a fixed route name), status, seconds.
    void record_request(const std::string& endpoint, int status, double seconds);
    /// One model batch: pairs, requests merged into it, tokens, forward-pass seconds.
    void record_batch(const std::string& name, std::size_t pairs, std::size_t requests,
                      std::size_t tokens, double seconds) override;
    /// Requests refused because a model queue was full.
    void record_rejected(const std::string& name);
    /// Current number of requests waiting for or in a model's worker.
    void set_queue_depth(const std::string& name, std::size_t depth) override;

    /// The Prometheus text page.
    [[nodiscard]] std::string render() const;

private:
    struct ModelStats {
        Histogram batch_pairs;
        Histogram batch_requests;
        Histogram batch_seconds;
        std::uint64_t tokens = 0;
        std::uint64_t rejected = 0;
        std::size_t queue_depth = 0;
    };
    ModelStats& model(const std::string& name);

    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, int>, std::uint64_t> m_requests;
    std::map<std::string, std::uint64_t> m_errors;
    std::map<std::string, Histogram> m_latency;
    std::map<std::string, ModelStats> m_models;
};

}  // namespace cascade::serve
