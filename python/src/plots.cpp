/// cascade.plots: the report's SVG charts and HTML page (include/cascade/report.hpp).

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cascade/pipeline.hpp>
#include <cascade/report.hpp>
#include <cascade/types.hpp>

#include "convert.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace cascade::python {

namespace {

std::vector<LabeledRun> labeled(const std::vector<std::pair<std::string, Run>>& runs) {
    std::vector<LabeledRun> out;
    out.reserve(runs.size());
    for (const auto& [label, run] : runs) {
        out.push_back(LabeledRun{label, run});
    }
    return out;
}

}  // namespace

void bind_plots(py::module_& m) {
    m.def(
        "_svg_per_query_delta",
        [](const Qrels& qrels, const Run& base, const Run& other, const std::string& measure,
           const std::string& base_label, const std::string& other_label) {
            py::gil_scoped_release unlocked;
            return svg_per_query_delta(qrels, base, other, measure, base_label, other_label);
        },
        "qrels"_a, "base"_a, "other"_a, "measure"_a, "base_label"_a, "other_label"_a);
    m.def(
        "_svg_recall_depth",
        [](const Qrels& qrels, const std::vector<std::pair<std::string, Run>>& runs,
           const std::vector<int>& depths) {
            const std::vector<LabeledRun> all = labeled(runs);
            py::gil_scoped_release unlocked;
            return svg_recall_depth(qrels, all, depths);
        },
        "qrels"_a, "runs"_a, "depths"_a);
    m.def(
        "_svg_score_distribution",
        [](const std::vector<std::pair<std::string, Run>>& runs, std::size_t bins) {
            const std::vector<LabeledRun> all = labeled(runs);
            py::gil_scoped_release unlocked;
            return svg_score_distribution(all, bins);
        },
        "runs"_a, "bins"_a);
    m.def(
        "_svg_effectiveness_latency",
        [](const std::vector<std::tuple<std::string, double, double>>& points,
           const std::string& y_label) {
            std::vector<LatencyPoint> all;
            for (const auto& [label, x, y] : points) {
                all.push_back(LatencyPoint{label, x, y});
            }
            return svg_effectiveness_latency(all, y_label);
        },
        "points"_a, "y_label"_a);
    m.def(
        "_latency_points",
        [](const PipelineResult& result) {
            std::vector<std::tuple<std::string, double, double>> out;
            for (const LatencyPoint& p : latency_points(stage_timings(result))) {
                out.emplace_back(p.label, p.latency_ms, p.effectiveness);
            }
            return out;
        },
        "result"_a);
    m.def(
        "_html_report",
        [](const std::string& title, const Qrels& qrels,
           const std::vector<std::pair<std::string, Run>>& runs, const PipelineResult* result,
           const std::vector<std::string>& measures, const std::string& delta_measure,
           const std::vector<int>& depths, std::size_t bins, std::uint64_t trials,
           std::uint64_t seed) {
            ReportInput input;
            input.title = title;
            input.qrels = qrels;
            input.runs = labeled(runs);
            if (result != nullptr) {
                input.timings = stage_timings(*result);
            }
            if (!measures.empty()) {
                input.measures = measures;
            }
            input.delta_measure = delta_measure;
            if (!depths.empty()) {
                input.depths = depths;
            }
            input.score_bins = bins;
            input.trials = trials;
            input.seed = seed;
            py::gil_scoped_release unlocked;
            return html_report(input);
        },
        "title"_a, "qrels"_a, "runs"_a, "result"_a, "measures"_a, "delta_measure"_a, "depths"_a,
        "bins"_a, "trials"_a, "seed"_a);
}

}  // namespace cascade::python
