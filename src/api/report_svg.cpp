/// The report charts' drawing primitives: escaping, numbers, scales, ticks, axes.
#include "api/report_svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include <cascade/error.hpp>

namespace cascade::report {

namespace {

/// The style every chart carries, so a chart stands alone (a notebook cell) as well as in the
/// page. Colours follow the reader's light or dark scheme.
constexpr std::string_view kStyle =
    "<style>"
    "svg.cascade-chart{font:12px system-ui,-apple-system,'Segoe UI',sans-serif;"
    "color:#1f2328;background:#ffffff}"
    "svg.cascade-chart text{fill:currentColor}"
    "svg.cascade-chart .heading{font-size:14px;font-weight:600}"
    "svg.cascade-chart .axis line,svg.cascade-chart .axis path{stroke:currentColor;"
    "stroke-width:1;fill:none}"
    "svg.cascade-chart .axis .grid{stroke:#d0d7de;stroke-width:1}"
    "svg.cascade-chart .zero{stroke:currentColor;stroke-width:1}"
    "svg.cascade-chart .win{fill:#2f74d0}"
    "svg.cascade-chart .loss{fill:#e0782b}"
    "svg.cascade-chart .tie{fill:#8c959f}"
    "svg.cascade-chart .series{fill:none;stroke-width:2}"
    "svg.cascade-chart .note{fill:#656d76}"
    "svg.cascade-chart .mark:hover{opacity:0.6}"
    "@media (prefers-color-scheme:dark){svg.cascade-chart{color:#e6edf3;background:#0d1117}"
    "svg.cascade-chart .axis .grid{stroke:#30363d}svg.cascade-chart .note{fill:#8d96a0}"
    "svg.cascade-chart .win{fill:#539bf5}svg.cascade-chart .loss{fill:#f0883e}}"
    "</style>";

constexpr std::array<std::string_view, 8> kPalette = {"#3b7dd8", "#e8833a", "#3fa34d", "#d64550",
                                                      "#9b6bc8", "#2aa5a0", "#c9a227", "#e77fb3"};

/// A tick's text: `decimals` fixed digits, large whole numbers shortened (200000 -> 200k).
std::string tick_label(double value, int decimals) {
    if (decimals == 0 && std::abs(value) >= 1e6) {
        return fmt::format("{:g}M", value / 1e6);
    }
    if (decimals == 0 && std::abs(value) >= 1e4) {
        return fmt::format("{:g}k", value / 1e3);
    }
    return fixed(value, decimals);
}

}  // namespace

void require_judged(const Qrels& qrels, const Run& run, std::string_view label) {
    for (const auto& [qid, entries] : run.by_query) {
        if (!entries.empty() && qrels.by_query.contains(qid)) {
            return;
        }
    }
    throw InputError(label,
                     "no query of this run has judgments in the qrels (do the query ids match?)");
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string fixed(double value, int decimals) {
    std::string text = fmt::format("{:.{}f}", value, decimals);
    if (text.front() == '-' && text.find_first_not_of("0.", 1) == std::string::npos) {
        text.erase(0, 1);
    }
    return text;
}

std::string_view series_colour(std::size_t i) {
    return kPalette[i % kPalette.size()];
}

double Scale::operator()(double value) const {
    double t = 0.0;
    if (log) {
        t = (std::log10(value) - std::log10(d0)) / (std::log10(d1) - std::log10(d0));
    } else {
        t = (value - d0) / (d1 - d0);
    }
    return r0 + (t * (r1 - r0));
}

Ticks linear_ticks(double lo, double hi, int count) {
    if (hi <= lo) {
        const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    const double raw = (hi - lo) / std::max(1, count);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / power;
    double step = 10.0 * power;
    if (fraction <= 1.0) {
        step = power;
    } else if (fraction <= 2.0) {
        step = 2.0 * power;
    } else if (fraction <= 5.0) {
        step = 5.0 * power;
    }
    // Integer tick indices keep the values exact multiples of the step (no drift).
    const auto first = static_cast<long long>(std::floor((lo / step) + 1e-9));
    const auto last = static_cast<long long>(std::ceil((hi / step) - 1e-9));
    Ticks ticks;
    for (long long k = first; k <= last; ++k) {
        ticks.values.push_back(static_cast<double>(k) * step);
    }
    ticks.lo = ticks.values.front();
    ticks.hi = ticks.values.back();
    ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    return ticks;
}

Ticks log_ticks(double lo, double hi) {
    Ticks ticks;
    ticks.lo = lo;
    ticks.hi = hi;
    const auto first = static_cast<int>(std::floor(std::log10(lo)));
    const auto last = static_cast<int>(std::ceil(std::log10(hi)));
    for (int e = first; e <= last; ++e) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double v = m * std::pow(10.0, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                ticks.values.push_back(v);
                ticks.decimals = std::max(ticks.decimals, -e);
            }
        }
    }
    return ticks;
}

void open_svg(std::string& out, const Frame& frame, std::string_view chart_id,
              std::string_view title) {
    out += fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cascade-chart\" data-chart=\"{}\" "
        "viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\">",
        escape(chart_id), fixed(frame.width, 0), fixed(frame.height, 0), fixed(frame.width, 0),
        fixed(frame.height, 0));
    out += fmt::format("<title>{}</title>", escape(title));
    out += kStyle;
    out += fmt::format("<text class=\"heading\" x=\"{}\" y=\"20\">{}</text>", fixed(frame.left, 0),
                       escape(title));
}

void close_svg(std::string& out) {
    out += "</svg>\n";
}

void x_axis(std::string& out, const Frame& frame, const Scale& scale, const Ticks& ticks,
            std::string_view label) {
    const double y = frame.y0();
    out += "<g class=\"axis x-axis\">";
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", fixed(frame.x0(), 2),
                       fixed(y, 2), fixed(frame.x1(), 2), fixed(y, 2));
    for (const double v : ticks.values) {
        const std::string x = fixed(scale(v), 2);
        out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", x, fixed(y, 2),
                           fixed(y + 5, 2));
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x,
                           fixed(y + 18, 2), tick_label(v, ticks.decimals));
    }
    out +=
        fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    fixed((frame.x0() + frame.x1()) / 2, 2), fixed(y + 38, 2), escape(label));
    out += "</g>";
}

void y_axis(std::string& out, const Frame& frame, const Scale& scale, const Ticks& ticks,
            std::string_view label) {
    const double x = frame.x0();
    out += "<g class=\"axis y-axis\">";
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", fixed(x, 2),
                       fixed(frame.y1(), 2), fixed(frame.y0(), 2));
    for (const double v : ticks.values) {
        const std::string y = fixed(scale(v), 2);
        out += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>",
                           fixed(x, 2), y, fixed(frame.x1(), 2));
        out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>", fixed(x - 5, 2),
                           y, fixed(x, 2));
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", fixed(x - 8, 2),
                           fixed(scale(v) + 4, 2), tick_label(v, ticks.decimals));
    }
    const double mid = (frame.y0() + frame.y1()) / 2;
    out += fmt::format(
        "<text class=\"axis-label\" x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" "
        "transform=\"rotate(-90 {0} {1})\">{2}</text>",
        fixed(x - 48, 2), fixed(mid, 2), escape(label));
    out += "</g>";
}

void legend(std::string& out, const Frame& frame, const std::vector<std::string>& labels,
            double y) {
    // Right-aligned row; widths estimated from the label length (7 px a character).
    double x = frame.x1();
    std::string items;
    for (std::size_t i = labels.size(); i-- > 0;) {
        const double width = 18 + (7.0 * static_cast<double>(labels[i].size())) + 12;
        x -= width;
        items.insert(0, fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" "
                                    "fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                                    fixed(x, 2), fixed(y, 2), series_colour(i), fixed(x + 16, 2),
                                    fixed(y + 10, 2), escape(labels[i])));
    }
    out += "<g class=\"legend\">" + items + "</g>";
}

}  // namespace cascade::report
