// The report charts and page through the public API: mark counts, values on hover, sort
// order, escaping, determinism and the errors of bad input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <cascade/error.hpp>
#include <cascade/report.hpp>

namespace {

using cascade::LabeledRun;
using cascade::Qrels;

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

std::size_t marks(const std::string& svg) {
    return count(svg, "class=\"mark");
}

/// q1: d1 relevant, d2 judged non-relevant; q2: d3 relevant (grade 2); q3: d4 relevant;
/// q4: judged, retrieved by neither run.
Qrels small_qrels() {
    Qrels q;
    q.by_query["q1"] = {{"d1", 1}, {"d2", 0}};
    q.by_query["q2"] = {{"d3", 2}};
    q.by_query["q3"] = {{"d4", 1}};
    q.by_query["q4"] = {{"d9", 1}};
    return q;
}

/// Precision at 1: q1 1, q2 0, q3 1. Scores 3, 2, 1, 0.5, 2.5.
cascade::Run run_a() {
    cascade::Run r;
    r.by_query["q1"] = {{"d1", 3.0, 1}, {"d2", 2.0, 2}};
    r.by_query["q2"] = {{"d5", 1.0, 1}, {"d3", 0.5, 2}};
    r.by_query["q3"] = {{"d4", 2.5, 1}};
    return r;
}

/// Precision at 1: q1 0, q2 1, q3 1 (so against A: q2 wins, q3 ties, q1 loses); x9 is not
/// judged and is left out.
cascade::Run run_b() {
    cascade::Run r;
    r.by_query["q1"] = {{"d2", 4.0, 1}, {"d1", 3.5, 2}};
    r.by_query["q2"] = {{"d3", 1.5, 1}, {"d5", 1.0, 2}};
    r.by_query["q3"] = {{"d4", 2.0, 1}};
    r.by_query["x9"] = {{"d1", 1.0, 1}};
    return r;
}

TEST(ReportDelta, OneBarPerJudgedQuerySortedWinsThenTiesThenLosses) {
    const std::string svg =
        cascade::svg_per_query_delta(small_qrels(), run_a(), run_b(), "P.1", "A", "B");
    EXPECT_EQ(marks(svg), 3U) << svg;
    const std::size_t q2 = svg.find("<title>q2: A 0.0000 \u2192 B 1.0000 (+1.0000)</title>");
    const std::size_t q3 = svg.find("<title>q3: A 1.0000 \u2192 B 1.0000 (0.0000)</title>");
    const std::size_t q1 = svg.find("<title>q1: A 1.0000 \u2192 B 0.0000 (-1.0000)</title>");
    ASSERT_NE(q2, std::string::npos) << svg;
    ASSERT_NE(q3, std::string::npos);
    ASSERT_NE(q1, std::string::npos);
    EXPECT_LT(q2, q3);
    EXPECT_LT(q3, q1);
    EXPECT_EQ(count(svg, "class=\"mark win\""), 1U);
    EXPECT_EQ(count(svg, "class=\"mark tie\""), 1U);
    EXPECT_EQ(count(svg, "class=\"mark loss\""), 1U);
    EXPECT_EQ(svg.find("x9"), std::string::npos);
}

TEST(ReportDelta, WinBarRisesAboveTheZeroLineAndLossFallsBelow) {
    const std::string svg =
        cascade::svg_per_query_delta(small_qrels(), run_a(), run_b(), "P.1", "A", "B");
    // Bars are rects: a win's top is above (smaller y than) a loss's top.
    auto rect_y = [&](const std::string& kind) {
        const std::size_t at = svg.find("class=\"mark " + kind + "\"");
        const std::size_t y = svg.find(" y=\"", at) + 4;
        return std::stod(svg.substr(y, svg.find('"', y) - y));
    };
    EXPECT_LT(rect_y("win"), rect_y("tie"));
    EXPECT_LT(rect_y("tie"), rect_y("loss"));
}

TEST(ReportDelta, MeasureMustNameOneValue) {
    EXPECT_THROW((void)cascade::svg_per_query_delta(small_qrels(), run_a(), run_b(), "P.1,5"),
                 cascade::UsageError);
}

TEST(ReportDelta, RunWithoutJudgedQueryIsAnErrorNamingIt) {
    cascade::Run stray;
    stray.by_query["nope"] = {{"d1", 1.0, 1}};
    try {
        (void)cascade::svg_per_query_delta(small_qrels(), run_a(), stray, "P.1", "A", "stray.run");
        FAIL() << "expected InputError";
    } catch (const cascade::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("stray.run"), std::string::npos) << e.what();
    }
}

TEST(ReportEscaping, QueryIdsAndLabelsAreEscaped) {
    Qrels qrels;
    qrels.by_query["<q&1>"] = {{"d1", 1}};
    cascade::Run a;
    a.by_query["<q&1>"] = {{"d1", 1.0, 1}};
    cascade::Run b;
    b.by_query["<q&1>"] = {{"d2", 1.0, 1}};
    const std::string svg =
        cascade::svg_per_query_delta(qrels, a, b, "P.1", "a\"b", "<script>x</script>");
    EXPECT_EQ(svg.find("<q&1>"), std::string::npos);
    EXPECT_EQ(svg.find("<script>"), std::string::npos);
    EXPECT_NE(svg.find("&lt;q&amp;1&gt;"), std::string::npos);
    EXPECT_NE(svg.find("a&quot;b"), std::string::npos);
    EXPECT_NE(svg.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);

    cascade::ReportInput input;
    input.qrels = qrels;
    input.runs = {{"<b>base</b>", a}, {"it's", b}};
    input.title = "R&D <report>";
    input.trials = 100;
    const std::string html = cascade::html_report(input);
    EXPECT_EQ(html.find("<b>base"), std::string::npos);
    EXPECT_NE(html.find("it&#39;s"), std::string::npos);
    EXPECT_NE(html.find("<title>R&amp;D &lt;report&gt;</title>"), std::string::npos);
}

TEST(ReportRecall, OneMarkPerRunAndDepthWithTheMeanRecall) {
    const std::vector<LabeledRun> runs = {{"A", run_a()}, {"B", run_b()}};
    const std::vector<int> depths = {1, 2, 10};
    const std::string svg = cascade::svg_recall_depth(small_qrels(), runs, depths);
    EXPECT_EQ(marks(svg), 6U);
    // A retrieves q1, q2, q3: relevant at rank 1, 2, 1 -> recall@1 = 2/3, recall@2 = 1.
    EXPECT_NE(svg.find("<title>A: R@1 = 0.6667</title>"), std::string::npos) << svg;
    EXPECT_NE(svg.find("<title>A: R@2 = 1.0000</title>"), std::string::npos);
    // B: relevant at rank 2, 1, 1 -> recall@1 = 2/3 as well (x9 is not judged).
    EXPECT_NE(svg.find("<title>B: R@1 = 0.6667</title>"), std::string::npos);
    EXPECT_NE(svg.find("cut-off depth"), std::string::npos);
}

TEST(ReportRecall, DepthsMustBePositiveAndAscending) {
    const std::vector<LabeledRun> runs = {{"A", run_a()}};
    const std::vector<int> unsorted = {10, 5};
    const std::vector<int> zero = {0, 5};
    EXPECT_THROW((void)cascade::svg_recall_depth(small_qrels(), runs, unsorted),
                 cascade::UsageError);
    EXPECT_THROW((void)cascade::svg_recall_depth(small_qrels(), runs, zero), cascade::UsageError);
    EXPECT_THROW((void)cascade::svg_recall_depth(small_qrels(), {}, std::vector<int>{1}),
                 cascade::UsageError);
}

TEST(ReportScores, OneMarkPerNonEmptyBinAndCountsAddUp) {
    // A's scores 0.5, 1, 2, 2.5, 3 in five bins of 0.5 over [0.5, 3]: [2.5, 3] holds two,
    // [1.5, 2) none.
    const std::vector<LabeledRun> runs = {{"A", run_a()}};
    const std::string svg = cascade::svg_score_distribution(runs, 5);
    EXPECT_EQ(marks(svg), 4U) << svg;
    EXPECT_NE(svg.find("A: 2 scores in [2.5000, 3.0000]"), std::string::npos) << svg;
    EXPECT_NE(svg.find("A: 1 scores in [0.5000, 1.0000)"), std::string::npos);
    EXPECT_EQ(svg.find("[1.5000, 2.0000)"), std::string::npos);
}

TEST(ReportScores, EqualScoresFillOneBinAndEmptyRunIsAnError) {
    cascade::Run flat;
    flat.by_query["q1"] = {{"d1", 1.0, 1}, {"d2", 1.0, 2}};
    const std::vector<LabeledRun> runs = {{"flat", flat}};
    EXPECT_EQ(marks(cascade::svg_score_distribution(runs)), 1U);
    const std::vector<LabeledRun> empty = {{"empty.run", cascade::Run{}}};
    EXPECT_THROW((void)cascade::svg_score_distribution(empty), cascade::InputError);
}

TEST(ReportLatency, OneMarkPerPointAndLatencyMustBePositive) {
    const std::vector<cascade::LatencyPoint> points = {
        {"bm25", 2.0, 0.6}, {"rm3", 9.5, 0.65}, {"ce", 400.0, 0.7}};
    const std::string svg = cascade::svg_effectiveness_latency(points);
    EXPECT_EQ(marks(svg), 3U) << svg;
    EXPECT_NE(svg.find("<title>rm3: 9.500 ms, nDCG@10 0.6500</title>"), std::string::npos) << svg;
    const std::vector<cascade::LatencyPoint> zero = {{"x", 0.0, 0.5}};
    EXPECT_THROW((void)cascade::svg_effectiveness_latency(zero), cascade::UsageError);
}

TEST(ReportTimings, LatencyPointsAreCumulativeMeansOfEvaluatedStages) {
    std::vector<cascade::StageTiming> timings(3);
    timings[0] = {"bm25", 10, 1.0, 2.0, 0.1, cascade::StageMetrics{0.5, 0.8, 0.4}};
    timings[1] = {"cut", 10, 0.1, 0.1, 0.05, std::nullopt};
    timings[2] = {"rm3", 10, 3.0, 4.0, 0.2, cascade::StageMetrics{0.6, 0.9, 0.5}};
    const std::vector<cascade::LatencyPoint> points = cascade::latency_points(timings);
    ASSERT_EQ(points.size(), 2U);
    EXPECT_DOUBLE_EQ(points[0].latency_ms, 10.0);
    EXPECT_DOUBLE_EQ(points[1].latency_ms, 35.0);
    EXPECT_DOUBLE_EQ(points[1].effectiveness, 0.6);
}

TEST(ReportTimings, StageTimingsTakePercentilesOfThePipelineResult) {
    cascade::PipelineResult result;
    cascade::StageReport stage;
    stage.label = "bm25";
    stage.latency_ms = {4.0, 1.0, 3.0, 2.0};
    stage.total_seconds = 0.01;
    result.stages.push_back(stage);
    const std::vector<cascade::StageTiming> timings = cascade::stage_timings(result);
    ASSERT_EQ(timings.size(), 1U);
    EXPECT_EQ(timings[0].queries, 4U);
    EXPECT_DOUBLE_EQ(timings[0].p50_ms, 2.0);  // nearest rank: 2nd of 4
    EXPECT_DOUBLE_EQ(timings[0].p95_ms, 4.0);  // 4th of 4
    EXPECT_FALSE(timings[0].metrics.has_value());
}

class ReportTimingsFile : public ::testing::Test {
protected:
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("cascade_report_timings_" + std::to_string(::getpid()) + ".tsv");
    void TearDown() override { std::filesystem::remove(path); }
    void write(const std::string& text) const { std::ofstream(path) << text; }
    [[nodiscard]] std::string error() const {
        try {
            (void)cascade::read_timings(path.string());
        } catch (const cascade::InputError& e) {
            return e.what();
        }
        return "no error";
    }
};

TEST_F(ReportTimingsFile, RoundTrips) {
    std::vector<cascade::StageTiming> timings(2);
    timings[0] = {"bm25", 300, 1.25, 2.5, 0.4, cascade::StageMetrics{0.6646, 0.9076, 0.6178}};
    timings[1] = {"rm3/rm3", 300, 4.5, 9.0, 1.5, std::nullopt};
    cascade::write_timings(path.string(), timings);
    const std::vector<cascade::StageTiming> back = cascade::read_timings(path.string());
    ASSERT_EQ(back.size(), 2U);
    EXPECT_EQ(back[1].stage, "rm3/rm3");
    EXPECT_EQ(back[0].queries, 300U);
    EXPECT_DOUBLE_EQ(back[0].p50_ms, 1.25);
    EXPECT_DOUBLE_EQ(back[1].total_seconds, 1.5);
    ASSERT_TRUE(back[0].metrics.has_value());
    EXPECT_DOUBLE_EQ(back[0].metrics->recall_at_100, 0.9076);
    EXPECT_FALSE(back[1].metrics.has_value());
}

TEST_F(ReportTimingsFile, MalformedLinesNameLineAndColumn) {
    const std::string header =
        "stage\tqueries\tp50_ms\tp95_ms\ttotal_s\tndcg_10\trecall_100\tmap\n";
    write("stage queries p50\n");
    EXPECT_NE(error().find(":1:"), std::string::npos) << error();
    write(header + "bm25\t10\tfast\t2\t0.1\t-\t-\t-\n");
    EXPECT_NE(error().find(":2: p50_ms"), std::string::npos) << error();
    write(header + "bm25\t10\t1\t2\t0.1\t0.5\t-\t-\n");
    EXPECT_NE(error().find("all numbers or all '-'"), std::string::npos) << error();
    write(header + "bm25\t10\t1\t2\t0.1\t1.5\t0.5\t0.5\n");
    EXPECT_NE(error().find("ndcg_10"), std::string::npos) << error();
    write(header + "bm25\t10\t1\t2\n");
    EXPECT_NE(error().find("expected 8 tab-separated fields"), std::string::npos) << error();
    write(header + "bm25\t0\t1\t2\t0.1\t-\t-\t-\n");
    EXPECT_NE(error().find("queries"), std::string::npos) << error();
    write(header);
    EXPECT_NE(error().find("no stage"), std::string::npos) << error();
}

cascade::ReportInput small_input() {
    cascade::ReportInput input;
    input.qrels = small_qrels();
    input.runs = {{"A", run_a()}, {"B", run_b()}};
    input.depths = {1, 2, 10};
    input.score_bins = 5;
    input.trials = 1000;
    input.timings = {{"bm25", 3, 1.0, 2.0, 0.003, cascade::StageMetrics{0.5, 0.8, 0.4}},
                     {"rerank", 3, 10.0, 20.0, 0.03, cascade::StageMetrics{0.6, 0.9, 0.5}}};
    return input;
}

TEST(ReportPage, SelfContainedWithEveryChartAndTheMeasureTable) {
    const std::string html = cascade::html_report(small_input());
    EXPECT_EQ(count(html, "<svg "), 4U);  // delta, recall, latency, scores
    EXPECT_EQ(count(html, "data-chart=\"delta\""), 1U);
    EXPECT_EQ(count(html, "data-chart=\"latency\""), 1U);
    // 3 delta bars + 2 runs x 3 depths + 2 latency points + A's 4 and B's bins.
    const std::vector<LabeledRun> runs = {{"A", run_a()}, {"B", run_b()}};
    EXPECT_EQ(marks(html), 3U + 6U + 2U + marks(cascade::svg_score_distribution(runs, 5)));
    EXPECT_NE(html.find("prefers-color-scheme:dark"), std::string::npos);
    EXPECT_EQ(html.find("<script src"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_NE(html.find(">nDCG@10</th>"), std::string::npos);
    EXPECT_NE(html.find(">P@10</th>"), std::string::npos);
    // Columns follow the -m arguments, not trec_eval's order (map first).
    EXPECT_LT(html.find(">nDCG@10</th>"), html.find(">MAP</th>"));
    EXPECT_LT(html.find(">R@100</th>"), html.find(">P@10</th>"));
    EXPECT_NE(html.find("(baseline)"), std::string::npos);
}

TEST(ReportPage, SameInputSameBytes) {
    EXPECT_EQ(cascade::html_report(small_input()), cascade::html_report(small_input()));
    const std::vector<LabeledRun> runs = {{"A", run_a()}, {"B", run_b()}};
    EXPECT_EQ(cascade::svg_score_distribution(runs), cascade::svg_score_distribution(runs));
}

TEST(ReportPage, RunWithoutJudgedQueryIsAnErrorNamingIt) {
    cascade::ReportInput input = small_input();
    cascade::Run stray;
    stray.by_query["nope"] = {{"d1", 1.0, 1}};
    input.runs.push_back({"stray.run", stray});
    try {
        (void)cascade::html_report(input);
        FAIL() << "expected InputError";
    } catch (const cascade::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("stray.run"), std::string::npos) << e.what();
    }
}

}  // namespace
