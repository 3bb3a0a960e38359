/// The timings file and the HTML report (include/cascade/report.hpp); the charts are in
/// report_charts.cpp.
#include <cascade/report.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include <cascade/error.hpp>
#include <cascade/eval.hpp>

#include "api/report_svg.hpp"
#include "util/atomic_file.hpp"
#include "util/line_reader.hpp"

namespace cascade {

namespace {

using report::escape;
using report::fixed;

constexpr std::string_view kTimingsHeader =
    "stage\tqueries\tp50_ms\tp95_ms\ttotal_s\tndcg_10\trecall_100\tmap";
constexpr std::array<std::string_view, 8> kTimingsColumns = {
    "stage", "queries", "p50_ms", "p95_ms", "total_s", "ndcg_10", "recall_100", "map"};

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab - start));
        if (tab == std::string_view::npos) {
            return fields;
        }
        start = tab + 1;
    }
}

/// Parses a non-negative number in column `column` (at most `max`), failing at the reader's
/// line otherwise.
double parse_number(const LineReader& reader, std::string_view text, std::size_t column,
                    double max) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        reader.fail(fmt::format("{}: '{}' is not a number", kTimingsColumns[column], text));
    }
    if (!(value >= 0.0) || value > max) {
        reader.fail(
            fmt::format("{}: {} is out of range (0 to {})", kTimingsColumns[column], text, max));
    }
    return value;
}

StageTiming parse_timing(const LineReader& reader, std::string_view line) {
    const std::vector<std::string_view> f = split_tabs(line);
    if (f.size() != kTimingsColumns.size()) {
        reader.fail(fmt::format("expected {} tab-separated fields ({}), found {}",
                                kTimingsColumns.size(), kTimingsHeader, f.size()));
    }
    StageTiming t;
    t.stage = std::string(f[0]);
    if (t.stage.empty()) {
        reader.fail("stage: empty label");
    }
    constexpr double kUnbounded = 1e300;
    const double queries = parse_number(reader, f[1], 1, kUnbounded);
    if (queries != static_cast<double>(static_cast<std::size_t>(queries)) || queries < 1) {
        reader.fail(fmt::format("queries: '{}' is not a positive whole number", f[1]));
    }
    t.queries = static_cast<std::size_t>(queries);
    t.p50_ms = parse_number(reader, f[2], 2, kUnbounded);
    t.p95_ms = parse_number(reader, f[3], 3, kUnbounded);
    t.total_seconds = parse_number(reader, f[4], 4, kUnbounded);
    const int dashes = (f[5] == "-" ? 1 : 0) + (f[6] == "-" ? 1 : 0) + (f[7] == "-" ? 1 : 0);
    if (dashes == 3) {
        return t;
    }
    if (dashes != 0) {
        reader.fail("ndcg_10, recall_100 and map are either all numbers or all '-'");
    }
    t.metrics = StageMetrics{parse_number(reader, f[5], 5, 1.0), parse_number(reader, f[6], 6, 1.0),
                             parse_number(reader, f[7], 7, 1.0)};
    return t;
}

/// "ndcg_cut_10" -> "nDCG@10", "recall_100" -> "R@100", ...; other names unchanged.
std::string display_name(const std::string& name) {
    static const std::map<std::string, std::string, std::less<>> kExact = {
        {"map", "MAP"}, {"recip_rank", "MRR"}, {"ndcg", "nDCG"}, {"Rprec", "R-prec"}};
    if (const auto it = kExact.find(name); it != kExact.end()) {
        return it->second;
    }
    for (const auto& [prefix, shown] :
         std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"ndcg_cut_", "nDCG@"}, {"recall_", "R@"}, {"P_", "P@"}, {"map_cut_", "MAP@"}}) {
        if (name.starts_with(prefix)) {
            return std::string(shown) + name.substr(prefix.size());
        }
    }
    return name;
}

/// `names` (trec_eval's order) sorted by the first `-m` argument producing each: ndcg_cut.10
/// produces ndcg_cut_10, P.5,10 produces P_5 and P_10; nicknames (official) keep their place.
std::vector<std::string> in_argument_order(std::vector<std::string> names,
                                           const std::vector<std::string>& arguments) {
    auto rank = [&](const std::string& name) {
        for (std::size_t i = 0; i < arguments.size(); ++i) {
            const std::string key = arguments[i].substr(0, arguments[i].find('.'));
            if (name == key || (name.starts_with(key) && name[key.size()] == '_')) {
                return i;
            }
        }
        return arguments.size();
    };
    std::stable_sort(names.begin(), names.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    return names;
}

constexpr std::string_view kPageStyle =
    ":root{color-scheme:light dark;--fg:#1f2328;--bg:#ffffff;--muted:#656d76;--rule:#d0d7de;"
    "--up:#1a7f37;--down:#cf222e}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#8d96a0;"
    "--rule:#30363d;--up:#3fb950;--down:#f85149}}"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif}"
    "main{max-width:800px;margin:0 auto;padding:16px 20px 48px}"
    "h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px}"
    ".meta,.note,figcaption{color:var(--muted)}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    "th,td{padding:4px 10px;border-bottom:1px solid var(--rule);text-align:right}"
    "th:first-child,td:first-child{text-align:left}"
    ".up{color:var(--up)}.down{color:var(--down)}.p{color:var(--muted);font-size:12px}"
    "figure{margin:12px 0}svg.cascade-chart{max-width:100%;height:auto}";

/// Counts each chart's marks into data attributes, for tests and readers of the DOM.
constexpr std::string_view kCountScript =
    "(function(){var all=[];document.querySelectorAll('svg.cascade-chart').forEach("
    "function(svg){var n=svg.querySelectorAll('.mark').length;svg.setAttribute('data-marks',"
    "n);all.push(svg.getAttribute('data-chart')+'='+n);});"
    "document.body.setAttribute('data-mark-counts',all.join(' '));})();";

std::string measure_table(const ReportInput& input) {
    EvalOptions eval_options;
    eval_options.measures = input.measures;
    std::vector<Evaluation> evaluations;
    for (const LabeledRun& run : input.runs) {
        report::require_judged(input.qrels, run.run, run.label);
        eval_options.run_label = run.label;
        evaluations.push_back(evaluate(input.qrels, run.run, eval_options));
    }
    const std::vector<std::string> names =
        in_argument_order(evaluations.front().measures(), input.measures);
    std::string out = "<table><thead><tr><th>run</th>";
    for (const std::string& name : names) {
        out += fmt::format("<th title=\"{}\">{}</th>", escape(name), escape(display_name(name)));
    }
    out += "</tr></thead><tbody>";
    for (std::size_t r = 0; r < input.runs.size(); ++r) {
        std::map<std::string, MeasureDifference> differences;
        if (r > 0) {
            CompareOptions options;
            options.measures = input.measures;
            options.trials = input.trials;
            options.seed = input.seed;
            for (MeasureDifference& d :
                 compare_runs(input.qrels, input.runs.front().run, input.runs[r].run, options)
                     .measures()) {
                differences.emplace(d.measure, std::move(d));
            }
        }
        out += fmt::format("<tr><td>{}{}</td>", escape(input.runs[r].label),
                           r == 0 ? " <span class=\"p\">(baseline)</span>" : "");
        for (const std::string& name : names) {
            out += "<td>" + fixed(evaluations[r].summary(name).value_or(0.0), 4);
            if (const auto it = differences.find(name); it != differences.end()) {
                const MeasureDifference& d = it->second;
                const double diff = d.mean_b - d.mean_a;
                out += fmt::format(
                    "<br><span class=\"{}\" title=\"wins {}, ties {}, losses {} over {} queries; "
                    "t-test p = {}\">{}{}</span> <span class=\"p\">p={}{}</span>",
                    diff > 0 ? "up" : (diff < 0 ? "down" : "same"), d.wins, d.ties, d.losses,
                    d.queries, fixed(d.p_t_test, 4), diff > 0 ? "+" : "", fixed(diff, 4),
                    fixed(d.p_randomization, 4), d.p_randomization < 0.05 ? "*" : "");
            }
            out += "</td>";
        }
        out += "</tr>";
    }
    out += "</tbody></table>";
    if (input.runs.size() > 1) {
        out += fmt::format(
            "<p class=\"note\">Below each mean: the difference to {} over the queries either "
            "run retrieves for, and the two-sided p-value of a paired randomization test ({} "
            "trials; * p &lt; 0.05). Hover for wins/ties/losses and the paired t-test.</p>",
            escape(input.runs.front().label), input.trials);
    }
    return out;
}

std::string timings_table(std::span<const StageTiming> timings) {
    std::string out =
        "<table><thead><tr><th>stage</th><th>queries</th><th>p50 ms</th><th>p95 ms</th>"
        "<th>total s</th><th>nDCG@10</th><th>R@100</th><th>MAP</th></tr></thead><tbody>";
    for (const StageTiming& t : timings) {
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                           escape(t.stage), t.queries, fixed(t.p50_ms, 3), fixed(t.p95_ms, 3),
                           fixed(t.total_seconds, 3));
        if (t.metrics) {
            out += fmt::format("<td>{}</td><td>{}</td><td>{}</td></tr>",
                               fixed(t.metrics->ndcg_at_10, 4), fixed(t.metrics->recall_at_100, 4),
                               fixed(t.metrics->map, 4));
        } else {
            out += "<td>-</td><td>-</td><td>-</td></tr>";
        }
    }
    return out + "</tbody></table>";
}

std::string figure(const std::string& svg, std::string_view caption) {
    return fmt::format("<figure>{}<figcaption>{}</figcaption></figure>", svg, caption);
}

}  // namespace

std::vector<StageTiming> stage_timings(const PipelineResult& result) {
    std::vector<StageTiming> timings;
    for (const StageReport& stage : result.stages) {
        StageTiming t;
        t.stage = stage.label;
        t.queries = stage.latency_ms.size();
        t.p50_ms = stage.percentile_ms(50);
        t.p95_ms = stage.percentile_ms(95);
        t.total_seconds = stage.total_seconds;
        t.metrics = stage.metrics;
        timings.push_back(std::move(t));
    }
    return timings;
}

void write_timings(const std::string& path, std::span<const StageTiming> timings) {
    std::string text = std::string(kTimingsHeader) + "\n";
    for (const StageTiming& t : timings) {
        text += fmt::format("{}\t{}\t{}\t{}\t{}", t.stage, t.queries, fixed(t.p50_ms, 3),
                            fixed(t.p95_ms, 3), fixed(t.total_seconds, 6));
        if (t.metrics) {
            text += fmt::format("\t{}\t{}\t{}\n", fixed(t.metrics->ndcg_at_10, 4),
                                fixed(t.metrics->recall_at_100, 4), fixed(t.metrics->map, 4));
        } else {
            text += "\t-\t-\t-\n";
        }
    }
    AtomicFile file(path);
    file.stream() << text;
    file.commit();
}

std::vector<StageTiming> read_timings(const std::string& path) {
    LineReader reader(path);
    std::vector<StageTiming> timings;
    bool header = false;
    std::string line;
    while (reader.next(line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        if (!header) {
            if (line != kTimingsHeader) {
                reader.fail(fmt::format("expected the header line '{}'", kTimingsHeader));
            }
            header = true;
            continue;
        }
        timings.push_back(parse_timing(reader, line));
    }
    if (timings.empty()) {
        throw InputError(path, "no stage in the timings file");
    }
    return timings;
}

std::vector<LatencyPoint> latency_points(std::span<const StageTiming> timings) {
    std::vector<LatencyPoint> points;
    double cumulative_ms = 0.0;
    for (const StageTiming& t : timings) {
        if (t.queries > 0) {
            cumulative_ms += t.total_seconds * 1000.0 / static_cast<double>(t.queries);
        }
        if (t.metrics && cumulative_ms > 0) {
            points.push_back({t.stage, cumulative_ms, t.metrics->ndcg_at_10});
        }
    }
    return points;
}

std::string html_report(const ReportInput& input) {
    if (input.runs.empty()) {
        throw UsageError("a report needs at least one run");
    }
    std::string body = fmt::format(
        "<h1>{}</h1><p class=\"meta\">{} judged queries; {} run{}; "
        "baseline {}</p>",
        escape(input.title), input.qrels.by_query.size(), input.runs.size(),
        input.runs.size() == 1 ? "" : "s", escape(input.runs.front().label));
    body += "<section><h2>Measures</h2>" + measure_table(input) + "</section>";
    if (input.runs.size() > 1) {
        body += "<section><h2>Per-query differences</h2>";
        for (std::size_t r = 1; r < input.runs.size(); ++r) {
            body += figure(svg_per_query_delta(input.qrels, input.runs.front().run,
                                               input.runs[r].run, input.delta_measure,
                                               input.runs.front().label, input.runs[r].label),
                           "One bar per query, sorted: queries the run improves above the line, "
                           "those it hurts below. Hover a bar for the query and both values.");
        }
        body += "</section>";
    }
    body += "<section><h2>Recall against depth</h2>" +
            figure(svg_recall_depth(input.qrels, input.runs, input.depths),
                   "Mean recall of each run when its ranking is cut after the given number of "
                   "documents.") +
            "</section>";
    if (!input.timings.empty()) {
        body += "<section><h2>Effectiveness against latency</h2>";
        const std::vector<LatencyPoint> points = latency_points(input.timings);
        if (!points.empty()) {
            body += figure(svg_effectiveness_latency(points),
                           "Each stage's nDCG@10 against the mean time per query spent up to and "
                           "including it.");
        }
        body += timings_table(input.timings) + "</section>";
    }
    body += "<section><h2>Score distributions</h2>" +
            figure(svg_score_distribution(input.runs, input.score_bins),
                   "Every retrieved document's score, per run.") +
            "</section>";
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{}</style></head>"
        "\n<body><main>{}</main><script>{}</script></body></html>\n",
        escape(input.title), kPageStyle, body, kCountScript);
}

void write_html_report(const std::string& path, const ReportInput& input) {
    const std::string html = html_report(input);
    AtomicFile file(path);
    file.stream() << html;
    file.commit();
}

}  // namespace cascade
