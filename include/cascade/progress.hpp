#pragma once
/// Progress reporting for long work: a one-line bar with rate and ETA on stderr.

#include <chrono>
#include <cstdint>
#include <string>

namespace cascade {

/// Draws `label [#####.....] 42% 1234/5000 docs 812/s ETA 4s` on stderr, at most ten
/// times a second. Silent when stderr is not a terminal (logs and CI stay clean) or when
/// disabled. `total` 0 means unknown: the bar shows count and rate only.
class Progress {
public:
    Progress(std::string label, std::uint64_t total, std::string unit, bool enabled = true);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void add(std::uint64_t n = 1) { set(m_done + n); }
    void set(std::uint64_t done);
    void set_total(std::uint64_t total) { m_total = total; }
    /// Draws the final state and ends the line.
    void finish();

    /// Formats one status line; exposed for tests.
    [[nodiscard]] static std::string format_line(const std::string& label, std::uint64_t done,
                                                 std::uint64_t total, const std::string& unit,
                                                 double seconds);

private:
    void draw();

    std::string m_label;
    std::string m_unit;
    std::uint64_t m_total;
    std::uint64_t m_done = 0;
    bool m_enabled;
    bool m_finished = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last_draw;
};

/// True when stderr is an interactive terminal.
[[nodiscard]] bool stderr_is_terminal();

}  // namespace cascade
