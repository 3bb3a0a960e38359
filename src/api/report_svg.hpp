#pragma once
/// The drawing primitives of the report charts (include/cascade/report.hpp): escaping, fixed
/// number formatting, scales with their ticks, and the frame every chart shares (root element
/// with its style, axes, grid, legend).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/types.hpp>

namespace cascade::report {

/// Throws InputError naming `label` when no query of `run` with results is judged in
/// `qrels` (evaluate() would fail with a message that does not say which run).
void require_judged(const Qrels& qrels, const Run& run, std::string_view label);

/// `text` with & < > " ' replaced by entities: safe in HTML and XML text and attributes.
[[nodiscard]] std::string escape(std::string_view text);

/// `value` with `decimals` digits after the point; never "-0.00".
[[nodiscard]] std::string fixed(double value, int decimals);

/// The categorical colour of series `i` (cycles), readable on light and dark backgrounds.
[[nodiscard]] std::string_view series_colour(std::size_t i);

/// Maps a domain [d0, d1] linearly (or logarithmically, both ends > 0) onto [r0, r1].
struct Scale {
    double d0 = 0.0;
    double d1 = 1.0;
    double r0 = 0.0;
    double r1 = 1.0;
    bool log = false;

    [[nodiscard]] double operator()(double value) const;
};

/// Round tick values over a domain and the domain widened to the outer ticks.
struct Ticks {
    double lo = 0.0;
    double hi = 1.0;
    std::vector<double> values;
    int decimals = 0;  ///< enough to tell the ticks apart
};

/// About `count` ticks at 1, 2 or 5 times a power of ten, covering [lo, hi].
[[nodiscard]] Ticks linear_ticks(double lo, double hi, int count = 5);

/// Ticks at 1, 2 and 5 times powers of ten inside [lo, hi] (both > 0), domain unchanged.
[[nodiscard]] Ticks log_ticks(double lo, double hi);

/// A chart's outer size and plot area (pixels).
struct Frame {
    double width = 760;
    double height = 300;
    double left = 64;
    double right = 24;
    double top = 40;
    double bottom = 52;

    [[nodiscard]] double x0() const { return left; }
    [[nodiscard]] double x1() const { return width - right; }
    [[nodiscard]] double y0() const { return height - bottom; }  ///< plot bottom
    [[nodiscard]] double y1() const { return top; }              ///< plot top
};

/// Opens the `<svg>` root: namespace, view box, the shared style, `data-chart` = `chart_id`,
/// an accessible `<title>` and the visible heading `title` (both escaped here).
void open_svg(std::string& out, const Frame& frame, std::string_view chart_id,
              std::string_view title);
void close_svg(std::string& out);

/// A horizontal axis along the plot's bottom with tick labels and the axis label centred
/// below it.
void x_axis(std::string& out, const Frame& frame, const Scale& scale, const Ticks& ticks,
            std::string_view label);
/// A vertical axis at the left with tick labels, grid lines across the plot and the axis
/// label rotated along it.
void y_axis(std::string& out, const Frame& frame, const Scale& scale, const Ticks& ticks,
            std::string_view label);

/// A legend row ending at the plot's right edge, swatches from pixel row `y` down: one swatch
/// (series_colour(i)) and label per series.
void legend(std::string& out, const Frame& frame, const std::vector<std::string>& labels, double y);

}  // namespace cascade::report
