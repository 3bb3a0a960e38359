/// The report's SVG charts (include/cascade/report.hpp) over the public evaluation API.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include <cascade/error.hpp>
#include <cascade/eval.hpp>
#include <cascade/report.hpp>

#include "api/report_svg.hpp"

namespace cascade {

namespace {

using report::escape;
using report::fixed;
using report::require_judged;

/// The one value name `measure` (a -m argument) produces, e.g. ndcg_cut.10 -> ndcg_cut_10.
std::string value_name(const Evaluation& evaluation, std::string_view measure) {
    const std::vector<std::string> names = evaluation.measures();
    if (names.size() != 1) {
        throw UsageError(fmt::format(
            "measure '{}' gives {} values; the chart needs exactly one (e.g. ndcg_cut.10)", measure,
            names.size()));
    }
    return names.front();
}

/// Per-query values of `name` in `evaluation`, keyed by query id.
std::map<std::string, double> per_query(const Evaluation& evaluation, const std::string& name) {
    std::map<std::string, double> values;
    for (const std::string& qid : evaluation.queries()) {
        if (const auto v = evaluation.value(qid, name)) {
            values.emplace(qid, *v);
        }
    }
    return values;
}

struct Delta {
    std::string qid;
    double base = 0.0;
    double other = 0.0;
    [[nodiscard]] double diff() const { return other - base; }
};

std::vector<Delta> sorted_deltas(const Qrels& qrels, const Run& base, const Run& other,
                                 std::string_view measure, std::string& name) {
    EvalOptions options;
    options.measures = {std::string(measure)};
    const Evaluation eval_base = evaluate(qrels, base, options);
    const Evaluation eval_other = evaluate(qrels, other, options);
    name = value_name(eval_base, measure);
    const std::map<std::string, double> a = per_query(eval_base, name);
    const std::map<std::string, double> b = per_query(eval_other, name);
    std::set<std::string> qids;
    for (const auto& [qid, entries] : base.by_query) {
        if (qrels.by_query.contains(qid)) {
            qids.insert(qid);
        }
    }
    for (const auto& [qid, entries] : other.by_query) {
        if (qrels.by_query.contains(qid)) {
            qids.insert(qid);
        }
    }
    std::vector<Delta> deltas;
    for (const std::string& qid : qids) {
        const auto ia = a.find(qid);
        const auto ib = b.find(qid);
        deltas.push_back({qid, ia == a.end() ? 0.0 : ia->second, ib == b.end() ? 0.0 : ib->second});
    }
    std::sort(deltas.begin(), deltas.end(), [](const Delta& x, const Delta& y) {
        if (x.diff() != y.diff()) {
            return x.diff() > y.diff();
        }
        return x.qid < y.qid;
    });
    return deltas;
}

}  // namespace

std::string svg_per_query_delta(const Qrels& qrels, const Run& base, const Run& other,
                                std::string_view measure, std::string_view base_label,
                                std::string_view other_label) {
    require_judged(qrels, base, base_label);
    require_judged(qrels, other, other_label);
    std::string name;
    const std::vector<Delta> deltas = sorted_deltas(qrels, base, other, measure, name);
    double extent = 0.0;
    std::size_t wins = 0;
    std::size_t losses = 0;
    for (const Delta& d : deltas) {
        extent = std::max(extent, std::abs(d.diff()));
        wins += d.diff() > 0 ? 1 : 0;
        losses += d.diff() < 0 ? 1 : 0;
    }
    const report::Ticks ticks =
        report::linear_ticks(-std::max(extent, 0.05), std::max(extent, 0.05));
    report::Frame frame;
    frame.top = 52;
    const report::Scale y{ticks.lo, ticks.hi, frame.y0(), frame.y1()};
    std::string out;
    report::open_svg(out, frame, "delta",
                     fmt::format("{}: {} minus {}, per query", name, other_label, base_label));
    report::y_axis(out, frame, y, ticks, fmt::format("\u0394 {}", name));
    const double band = (frame.x1() - frame.x0()) / static_cast<double>(deltas.size());
    const double width = band >= 3 ? band - 1 : band;
    const double zero = y(0.0);
    out += "<g class=\"bars\">";
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        const Delta& d = deltas[i];
        const double x = frame.x0() + (band * static_cast<double>(i));
        const double top = std::min(zero, y(d.diff()));
        const double height = std::abs(y(d.diff()) - zero);
        const char* kind = d.diff() > 0 ? "win" : (d.diff() < 0 ? "loss" : "tie");
        out += fmt::format(
            "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: {} "
            "{} \u2192 {} {} ({}{})</title></rect>",
            kind, fixed(x, 2), fixed(d.diff() == 0 ? zero - 1 : top, 2), fixed(width, 2),
            fixed(d.diff() == 0 ? 2 : height, 2), escape(d.qid), escape(base_label),
            fixed(d.base, 4), escape(other_label), fixed(d.other, 4), d.diff() > 0 ? "+" : "",
            fixed(d.diff(), 4));
    }
    out += "</g>";
    out += fmt::format("<line class=\"zero\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>",
                       fixed(frame.x0(), 2), fixed(zero, 2), fixed(frame.x1(), 2));
    out += fmt::format(
        "<text class=\"note\" x=\"{}\" y=\"38\">\u25b2 {} better: {} \u00b7 \u25bc {} better: "
        "{} \u00b7 ties: {}</text>",
        fixed(frame.x0(), 2), escape(other_label), wins, escape(base_label), losses,
        deltas.size() - wins - losses);
    out += fmt::format(
        "<g class=\"axis x-axis\"><text class=\"axis-label\" x=\"{}\" y=\"{}\" "
        "text-anchor=\"middle\">{} queries, sorted by difference</text></g>",
        fixed((frame.x0() + frame.x1()) / 2, 2), fixed(frame.y0() + 30, 2), deltas.size());
    report::close_svg(out);
    return out;
}

std::string svg_recall_depth(const Qrels& qrels, std::span<const LabeledRun> runs,
                             std::span<const int> depths) {
    if (runs.empty()) {
        throw UsageError("the recall chart needs at least one run");
    }
    if (depths.empty() || depths.front() <= 0 || !std::is_sorted(depths.begin(), depths.end()) ||
        std::adjacent_find(depths.begin(), depths.end()) != depths.end()) {
        throw UsageError("recall depths must be positive and strictly ascending");
    }
    std::string recall_arg = "recall.";
    for (std::size_t i = 0; i < depths.size(); ++i) {
        if (i > 0) {
            recall_arg += ',';
        }
        recall_arg += std::to_string(depths[i]);
    }
    report::Frame frame;
    frame.top = 56;
    const double lo = depths.size() == 1 ? depths.front() / 2.0 : depths.front();
    const double hi = depths.size() == 1 ? depths.front() * 2.0 : depths.back();
    const report::Scale x{lo, hi, frame.x0(), frame.x1(), true};
    report::Ticks x_ticks;
    x_ticks.lo = lo;
    x_ticks.hi = hi;
    x_ticks.values.assign(depths.begin(), depths.end());
    const report::Ticks y_ticks = report::linear_ticks(0.0, 1.0);
    const report::Scale y{0.0, 1.0, frame.y0(), frame.y1()};
    std::string out;
    report::open_svg(out, frame, "recall", "Recall against cut-off depth");
    report::y_axis(out, frame, y, y_ticks, "recall (mean over queries)");
    report::x_axis(out, frame, x, x_ticks, "cut-off depth (documents, log scale)");
    std::vector<std::string> labels;
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const LabeledRun& run = runs[r];
        require_judged(qrels, run.run, run.label);
        labels.push_back(run.label);
        EvalOptions options;
        options.measures = {recall_arg};
        options.run_label = run.label;
        const Evaluation evaluation = evaluate(qrels, run.run, options);
        std::string points;
        std::string marks;
        for (const int depth : depths) {
            const double recall = evaluation.summary("recall_" + std::to_string(depth)).value_or(0);
            const std::string px = fixed(x(depth), 2);
            const std::string py = fixed(y(recall), 2);
            points += fmt::format("{}{},{}", points.empty() ? "" : " ", px, py);
            marks += fmt::format(
                "<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"><title>{}: "
                "R@{} = {}</title></circle>",
                px, py, report::series_colour(r), escape(run.label), depth, fixed(recall, 4));
        }
        out += fmt::format(
            "<g class=\"run\"><polyline class=\"series\" stroke=\"{}\" points=\"{}\"/>{}</g>",
            report::series_colour(r), points, marks);
    }
    report::legend(out, frame, labels, 28);
    report::close_svg(out);
    return out;
}

std::string svg_score_distribution(std::span<const LabeledRun> runs, std::size_t bins) {
    if (runs.empty() || bins == 0) {
        throw UsageError("the score distribution needs at least one run and one bin");
    }
    constexpr double kPanel = 150;
    constexpr double kHead = 28;
    report::Frame outer;
    outer.height = kHead + (kPanel * static_cast<double>(runs.size()));
    std::string out;
    report::open_svg(out, outer, "scores", "Distribution of retrieval scores");
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const LabeledRun& run = runs[r];
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        std::size_t n = 0;
        for (const auto& [qid, entries] : run.run.by_query) {
            for (const RunEntry& e : entries) {
                lo = std::min(lo, e.score);
                hi = std::max(hi, e.score);
                ++n;
            }
        }
        if (n == 0) {
            throw InputError(run.label, "the run has no entries");
        }
        const double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 1.0;
        std::vector<std::size_t> counts(bins, 0);
        for (const auto& [qid, entries] : run.run.by_query) {
            for (const RunEntry& e : entries) {
                const auto bin = static_cast<std::size_t>(std::floor((e.score - lo) / width));
                ++counts[std::min(bin, bins - 1)];
            }
        }
        report::Frame panel;
        panel.height = kPanel;
        panel.top = 26;
        panel.bottom = 44;
        const report::Ticks x_ticks = report::linear_ticks(lo, hi > lo ? hi : lo + 1.0);
        const report::Scale x{x_ticks.lo, x_ticks.hi, panel.x0(), panel.x1()};
        const auto max_count = static_cast<double>(*std::max_element(counts.begin(), counts.end()));
        const report::Ticks y_ticks = report::linear_ticks(0.0, max_count, 3);
        const report::Scale y{y_ticks.lo, y_ticks.hi, panel.y0(), panel.y1()};
        out += fmt::format("<g class=\"panel\" transform=\"translate(0 {})\">",
                           fixed(kHead + (kPanel * static_cast<double>(r)), 2));
        out += fmt::format("<text x=\"{}\" y=\"14\" fill=\"{}\">{}: {} scores from {} to {}</text>",
                           fixed(panel.x0(), 2), report::series_colour(r), escape(run.label), n,
                           fixed(lo, 4), fixed(hi, 4));
        report::y_axis(out, panel, y, y_ticks, "entries");
        report::x_axis(out, panel, x, x_ticks, "score");
        for (std::size_t b = 0; b < bins; ++b) {
            if (counts[b] == 0) {
                continue;
            }
            const double from = lo + (width * static_cast<double>(b));
            const double to = from + width;
            const double left = x(from);
            const double right = x(to);
            const double bar = std::max(1.0, right - left - 1);
            out += fmt::format(
                "<rect class=\"mark\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">"
                "<title>{}: {} scores in [{}, {}{}</title></rect>",
                fixed(left, 2), fixed(y(static_cast<double>(counts[b])), 2), fixed(bar, 2),
                fixed(y(0.0) - y(static_cast<double>(counts[b])), 2), report::series_colour(r),
                escape(run.label), counts[b], fixed(from, 4), fixed(to, 4),
                b + 1 == bins ? "]" : ")");
        }
        out += "</g>";
    }
    report::close_svg(out);
    return out;
}

std::string svg_effectiveness_latency(std::span<const LatencyPoint> points,
                                      std::string_view y_label) {
    if (points.empty()) {
        throw UsageError("the effectiveness-latency chart needs at least one point");
    }
    double x_lo = std::numeric_limits<double>::infinity();
    double x_hi = 0.0;
    double y_lo = x_lo;
    double y_hi = -x_lo;
    for (const LatencyPoint& p : points) {
        if (!(p.latency_ms > 0)) {
            throw UsageError(fmt::format("latency of '{}' must be positive", p.label));
        }
        x_lo = std::min(x_lo, p.latency_ms);
        x_hi = std::max(x_hi, p.latency_ms);
        y_lo = std::min(y_lo, p.effectiveness);
        y_hi = std::max(y_hi, p.effectiveness);
    }
    report::Frame frame;
    frame.right = 120;  // room for the last point's label
    const report::Scale x{x_lo / 1.6, x_hi * 1.6, frame.x0(), frame.x1(), true};
    const report::Ticks x_ticks = report::log_ticks(x.d0, x.d1);
    const report::Ticks y_ticks = report::linear_ticks(std::max(0.0, y_lo - 0.05), y_hi + 0.05);
    const report::Scale y{y_ticks.lo, y_ticks.hi, frame.y0(), frame.y1()};
    std::string out;
    report::open_svg(out, frame, "latency", fmt::format("{} against latency", y_label));
    report::y_axis(out, frame, y, y_ticks, y_label);
    report::x_axis(out, frame, x, x_ticks, "latency per query (ms, cumulative mean, log scale)");
    std::string line;
    std::string marks;
    for (const LatencyPoint& p : points) {
        const std::string px = fixed(x(p.latency_ms), 2);
        const std::string py = fixed(y(p.effectiveness), 2);
        line += fmt::format("{}{},{}", line.empty() ? "" : " ", px, py);
        marks += fmt::format(
            "<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"><title>{}: {} ms, "
            "{} {}</title></circle><text x=\"{}\" y=\"{}\">{}</text>",
            px, py, report::series_colour(0), escape(p.label), fixed(p.latency_ms, 3),
            escape(y_label), fixed(p.effectiveness, 4), fixed(x(p.latency_ms) + 8, 2),
            fixed(y(p.effectiveness) - 8, 2), escape(p.label));
    }
    out += fmt::format("<polyline class=\"series\" stroke=\"{}\" points=\"{}\"/>",
                       report::series_colour(0), line);
    out += marks;
    report::close_svg(out);
    return out;
}

}  // namespace cascade
