#include "util/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace cascade {

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit, bool enabled)
    : m_label(std::move(label)),
      m_unit(std::move(unit)),
      m_total(total),
      m_enabled(enabled && stderr_is_terminal()),
      m_start(std::chrono::steady_clock::now()),
      m_last_draw(m_start) {}

Progress::~Progress() {
    finish();
}

void Progress::set(std::uint64_t done) {
    m_done = done;
    if (!m_enabled) {
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - m_last_draw >= std::chrono::milliseconds(100)) {
        m_last_draw = now;
        draw();
    }
}

void Progress::finish() {
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (m_enabled) {
        draw();
        std::fputc('\n', stderr);
    }
}

void Progress::draw() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    std::string line = format_line(m_label, m_done, m_total, m_unit, seconds);
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
    std::fflush(stderr);
}

namespace {
std::string human_duration(double s) {
    if (s < 60) {
        return fmt::format("{:.0f}s", s);
    }
    if (s < 3600) {
        return fmt::format("{:.0f}m{:02.0f}s", s / 60 - 0.5, std::fmod(s, 60.0));
    }
    return fmt::format("{:.0f}h{:02.0f}m", s / 3600 - 0.5, std::fmod(s / 60, 60.0));
}
}  // namespace

std::string Progress::format_line(const std::string& label, std::uint64_t done, std::uint64_t total,
                                  const std::string& unit, double seconds) {
    double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    if (total == 0) {
        return fmt::format("{} {} {} {:.0f}/s {}", label, done, unit, rate,
                           human_duration(seconds));
    }
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    constexpr int kWidth = 24;
    int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '.');
    std::string eta = rate > 0 && done < total
                          ? "ETA " + human_duration(static_cast<double>(total - done) / rate)
                          : human_duration(seconds);
    return fmt::format("{} [{}] {:3.0f}% {}/{} {} {:.0f}/s {}", label, bar, frac * 100, done, total,
                       unit, rate, eta);
}

}  // namespace cascade
