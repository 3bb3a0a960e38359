#include "eval/compare.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade::eval {

namespace {

constexpr double kTieTolerance = 1e-12;

EvalResult evaluate_complete(const Qrels& qrels, const Run& run, const CompareOptions& options,
                             const std::string& label) {
    EvalOptions eo;
    eo.measures = options.measures.empty()
                      ? std::vector<std::string>{"map", "ndcg_cut.10", "recall.100"}
                      : options.measures;
    eo.relevance_level = options.relevance_level;
    eo.average_complete = true;  // every qrels query, in qrels order, in both results
    eo.run_label = label;
    return evaluate(qrels, run, eo);
}

void finish(MeasureComparison& c, const CompareOptions& options) {
    c.wins = c.ties = c.losses = 0;
    c.mean_a = c.mean_b = 0.0;
    const auto n = static_cast<double>(c.qids.size());
    for (size_t i = 0; i < c.qids.size(); ++i) {
        const double d = c.b[i] - c.a[i];
        if (std::abs(d) <= kTieTolerance) {
            ++c.ties;
        } else if (d > 0) {
            ++c.wins;
        } else {
            ++c.losses;
        }
        c.mean_a += c.a[i];
        c.mean_b += c.b[i];
    }
    if (n > 0) {
        c.mean_a /= n;
        c.mean_b /= n;
    }
    c.t_test = paired_t_test(c.a, c.b);
    c.p_randomization = paired_randomization_test(c.a, c.b, options.trials, options.seed);
}

}  // namespace

std::vector<MeasureComparison> compare_runs(const Qrels& qrels, const Run& a, const Run& b,
                                            const CompareOptions& options) {
    const EvalResult ra = evaluate_complete(qrels, a, options, options.label_a);
    const EvalResult rb = evaluate_complete(qrels, b, options, options.label_b);
    std::vector<MeasureComparison> out;
    for (size_t c = 0; c < ra.columns.size(); ++c) {
        const auto& col = ra.columns[c];
        if (col.kind != ValueKind::Float || !col.per_query) {
            continue;
        }
        MeasureComparison mc;
        mc.measure = col.name;
        for (size_t q = 0; q < ra.queries.size(); ++q) {
            const auto& qa = ra.queries[q];
            const auto& qb = rb.queries[q];
            if (!options.all_qrels_queries && !qa.in_run && !qb.in_run) {
                continue;
            }
            mc.qids.push_back(qa.qid);
            mc.a.push_back(qa.values[c]);
            mc.b.push_back(qb.values[c]);
        }
        finish(mc, options);
        out.push_back(std::move(mc));
    }
    return out;
}

namespace {

std::string format_p(double p) {
    return std::isnan(p) ? "n/a" : fmt::format("{:.4f}", p);
}

/// One summary line per measure, under a header line.
std::string format_summary(const std::vector<MeasureComparison>& comparisons) {
    size_t width = 7;
    for (const auto& c : comparisons) {
        width = std::max(width, c.measure.size());
    }
    std::string out = fmt::format(
        "{:<{}}  {:>7}  {:>8}  {:>8}  {:>8}  {:>5}  {:>5}  {:>5}  {:>9}  {:>9}\n", "measure", width,
        "queries", "mean A", "mean B", "B-A", "B>A", "tie", "B<A", "p(t)", "p(rand)");
    for (const auto& c : comparisons) {
        out += fmt::format(
            "{:<{}}  {:>7}  {:>8.4f}  {:>8.4f}  {:>+8.4f}  {:>5}  {:>5}  {:>5}  {:>9}  {:>9}\n",
            c.measure, width, c.qids.size(), c.mean_a, c.mean_b, c.mean_b - c.mean_a, c.wins,
            c.ties, c.losses, format_p(c.t_test.p_value), format_p(c.p_randomization));
    }
    return out;
}

/// The run labels, then the per-query tables unless `summary_only`.
std::string format_header(const std::vector<MeasureComparison>& comparisons,
                          const CompareOptions& options, bool summary_only) {
    std::string out = fmt::format("A = {}\nB = {}\n", options.label_a, options.label_b);
    if (!summary_only) {
        for (const auto& c : comparisons) {
            size_t width = 5;
            for (const auto& q : c.qids) {
                width = std::max(width, q.size());
            }
            out += fmt::format("\n{}\n{:<{}}  {:>8}  {:>8}  {:>8}\n", c.measure, "query", width,
                               "A", "B", "B-A");
            for (size_t i = 0; i < c.qids.size(); ++i) {
                out += fmt::format("{:<{}}  {:>8.4f}  {:>8.4f}  {:>+8.4f}\n", c.qids[i], width,
                                   c.a[i], c.b[i], c.b[i] - c.a[i]);
            }
        }
        out += "\n";
    }
    return out;
}

std::string format_footer(const CompareOptions& options) {
    return fmt::format(
        "p(t): paired two-sided t-test; p(rand): paired randomization test, {} trials, seed {}\n",
        options.trials, options.seed);
}

std::size_t num_queries(const std::vector<MeasureComparison>& comparisons) {
    return comparisons.empty() ? 0 : comparisons.front().qids.size();
}

}  // namespace

std::string format_comparison(const std::vector<MeasureComparison>& comparisons,
                              const CompareOptions& options, bool summary_only) {
    return format_header(comparisons, options, summary_only) + format_summary(comparisons) +
           format_footer(options);
}

std::vector<std::string> read_query_subset(const std::string& path) {
    LineReader reader(path);
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    std::string line;
    while (reader.next(line)) {
        const std::size_t begin = line.find_first_not_of(" \t\r");
        if (begin == std::string::npos || line[begin] == '#') {
            continue;
        }
        const std::size_t end = line.find_first_of(" \t\r", begin);
        std::string id = line.substr(begin, end == std::string::npos ? end : end - begin);
        if (id == "query-id" && ids.empty()) {
            continue;  // BEIR qrels header
        }
        if (seen.insert(id).second) {
            ids.push_back(std::move(id));
        }
    }
    if (ids.empty()) {
        throw InputError(path, "no query id in the subset file (one id per line, or a qrels file)");
    }
    return ids;
}

std::vector<MeasureComparison> restrict_comparison(
    const std::vector<MeasureComparison>& comparisons, std::span<const std::string> subset,
    bool complement, const CompareOptions& options) {
    const std::unordered_set<std::string> in(subset.begin(), subset.end());
    std::vector<MeasureComparison> out;
    for (const MeasureComparison& c : comparisons) {
        MeasureComparison r;
        r.measure = c.measure;
        for (std::size_t i = 0; i < c.qids.size(); ++i) {
            if (in.contains(c.qids[i]) != complement) {
                r.qids.push_back(c.qids[i]);
                r.a.push_back(c.a[i]);
                r.b.push_back(c.b[i]);
            }
        }
        finish(r, options);
        out.push_back(std::move(r));
    }
    return out;
}

std::string format_split_comparison(const std::vector<MeasureComparison>& comparisons,
                                    std::span<const std::string> subset, std::string_view label,
                                    const CompareOptions& options, bool summary_only) {
    const auto inside = restrict_comparison(comparisons, subset, false, options);
    const auto outside = restrict_comparison(comparisons, subset, true, options);
    std::string out = format_header(comparisons, options, summary_only);
    out += fmt::format("all: {} compared queries\n", num_queries(comparisons));
    out += format_summary(comparisons);
    out += fmt::format("\nsubset {}: {} queries ({} ids in the file)\n", label, num_queries(inside),
                       subset.size());
    out += format_summary(inside);
    out += fmt::format("\ncomplement of {}: {} queries\n", label, num_queries(outside));
    out += format_summary(outside);
    return out + format_footer(options);
}

}  // namespace cascade::eval
