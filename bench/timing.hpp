#pragma once
/// Timing helpers shared by the first-stage drivers, so that cascade and Xapian are measured
/// by the same code: wall time, process CPU time and per-query latency percentiles.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <vector>

namespace cascade::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// CPU seconds (user + system, all threads) this process has used; on a shared machine this
/// is steadier than wall time.
inline double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// The p-quantile (0..1) of `values`, nearest rank; 0 when empty.
inline double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[index];
}

/// Prints the `key=value` search summary line both drivers share (`prefix` names the engine
/// and configuration, e.g. "engine=xapian mode=search k=10 threads=1").
inline void print_search_summary(std::string_view prefix, const std::vector<double>& latency,
                                 double wall, double cpu) {
    double total = 0.0;
    for (const double l : latency)
        total += l;
    const auto n = static_cast<double>(latency.size());
    std::printf(
        "%.*s queries=%zu seconds=%.3f qps=%.1f cpu_seconds=%.3f qps_cpu=%.1f "
        "mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f\n",
        static_cast<int>(prefix.size()), prefix.data(), latency.size(), wall, n / wall, cpu,
        n / cpu, n > 0 ? 1e3 * total / n : 0.0, 1e3 * percentile(latency, 0.50),
        1e3 * percentile(latency, 0.99));
}

}  // namespace cascade::bench
