// Unit tests of the evaluator: trec_eval's ranking rules, hand-computed measure values
// (tests/golden/eval/README.md shows the arithmetic) and measure selection.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "eval/evaluator.hpp"
#include "eval/judged_ranking.hpp"
#include "util/error.hpp"

namespace cascade::eval {
namespace {

Qrels golden_qrels() {
    Qrels q;
    q.by_query["q1"] = {{"d1", 2}, {"d2", 1}, {"d3", 0}, {"d4", 1}, {"d5", -1}, {"d9", 0}};
    q.by_query["q2"] = {{"e1", 0}, {"e2", 0}};
    q.by_query["q3"] = {{"f1", 1}, {"f2", 3}};
    return q;
}

Run golden_run() {
    Run r;
    r.tag = "golden";
    r.by_query["q1"] = {{"d3", 5.0, 1}, {"d1", 4.0, 2}, {"d7", 4.0, 3}, {"d5", 3.0, 4},
                        {"d2", 2.0, 5}, {"d9", 2.0, 6}, {"d4", 1.0, 7}};
    r.by_query["q2"] = {{"e1", 3.0, 1}, {"x1", 2.0, 2}};
    r.by_query["q4"] = {{"z1", 1.0, 1}};
    return r;
}

double value(const EvalResult& r, const std::string& qid, const std::string& name) {
    const auto c = r.column(name);
    EXPECT_TRUE(c.has_value()) << name;
    for (const auto& q : r.queries) {
        if (q.qid == qid) {
            return q.values[*c];
        }
    }
    ADD_FAILURE() << "no query " << qid;
    return NAN;
}

TEST(JudgedRanking, SortsByScoreThenDocidDescendingIgnoringRankColumn) {
    const auto q = golden_qrels();
    const auto ranking = build_judged_ranking("q1", golden_run().by_query.at("q1"),
                                              q.by_query.at("q1"), 1, -1, "run");
    // d3(0) d7(not judged) d1(2) d5(-1 -> unjudged) d9(0) d2(1) d4(1)
    const std::vector<int> expected = {0, kRelNotInPool, 2, kRelUnjudged, 0, 1, 1};
    EXPECT_EQ(ranking.rels, expected);
    EXPECT_EQ(ranking.num_ret, 7);
    EXPECT_EQ(ranking.num_rel, 3);
    EXPECT_EQ(ranking.num_rel_ret, 3);
    EXPECT_EQ(ranking.num_nonpool, 1);
    EXPECT_EQ(ranking.num_unjudged_in_pool, 1);
    EXPECT_EQ(ranking.rel_levels, (std::vector<std::int64_t>{2, 2, 1}));
}

TEST(JudgedRanking, MaxDocsCutsAfterSorting) {
    const auto q = golden_qrels();
    const auto ranking = build_judged_ranking("q1", golden_run().by_query.at("q1"),
                                              q.by_query.at("q1"), 1, 3, "run");
    EXPECT_EQ(ranking.rels, (std::vector<int>{0, kRelNotInPool, 2}));
    EXPECT_EQ(ranking.num_rel_ret, 1);
}

TEST(JudgedRanking, DuplicateDocumentThrows) {
    std::vector<RunEntry> entries = {{"a", 1.0, 1}, {"b", 0.5, 2}, {"a", 0.2, 3}};
    EXPECT_THROW((void)build_judged_ranking("q", entries, {{"a", 1}}, 1, -1, "r"), Error);
}

TEST(Evaluate, HandComputedValuesOfQueryQ1) {
    EvalOptions o;
    o.measures = {"map", "Rprec", "bpref", "recip_rank", "P.5,10", "ndcg_cut.10", "ndcg"};
    const auto r = evaluate(golden_qrels(), golden_run(), o);
    // Relevant at ranks 3, 6, 7: (1/3 + 2/6 + 3/7) / 3.
    EXPECT_NEAR(value(r, "q1", "map"), (1.0 / 3 + 2.0 / 6 + 3.0 / 7) / 3, 1e-12);
    EXPECT_NEAR(value(r, "q1", "Rprec"), 1.0 / 3, 1e-12);
    // Judged non-relevant N = 2, R = 3: d1 sees 1 -> 1 - 1/2; d2, d4 see 2 -> 0.
    EXPECT_NEAR(value(r, "q1", "bpref"), 0.5 / 3, 1e-12);
    EXPECT_NEAR(value(r, "q1", "recip_rank"), 1.0 / 3, 1e-12);
    EXPECT_NEAR(value(r, "q1", "P_5"), 0.2, 1e-12);
    const double dcg = 2 / std::log2(4.0) + 1 / std::log2(7.0) + 1 / std::log2(8.0);
    const double idcg = 2 / std::log2(2.0) + 1 / std::log2(3.0) + 1 / std::log2(4.0);
    EXPECT_NEAR(value(r, "q1", "ndcg_cut_10"), dcg / idcg, 1e-12);
    EXPECT_NEAR(value(r, "q1", "ndcg"), dcg / idcg, 1e-12);
    // q2 has no relevant documents: every measure is 0; q3 (not in run), q4 (not judged) absent.
    EXPECT_EQ(value(r, "q2", "map"), 0.0);
    EXPECT_EQ(value(r, "q2", "ndcg"), 0.0);
    EXPECT_EQ(r.queries.size(), 2U);
    EXPECT_NEAR(*r.summary_value("map"), (1.0 / 3 + 2.0 / 6 + 3.0 / 7) / 6, 1e-12);
}

TEST(Evaluate, CompleteAveragesOverAllQrelsQueries) {
    EvalOptions o;
    o.measures = {"map", "num_q", "num_ret", "num_rel"};
    o.average_complete = true;
    const auto r10 = evaluate(golden_qrels(), golden_run(), o);
    EXPECT_EQ(r10.queries.size(), 3U);  // q3 scored as an empty ranking
    EXPECT_EQ(*r10.summary_value("num_q"), 3.0);
    EXPECT_EQ(*r10.summary_value("num_ret"), 9.0);
    EXPECT_EQ(*r10.summary_value("num_rel"), 5.0);
    EXPECT_NEAR(*r10.summary_value("map"), (1.0 / 3 + 2.0 / 6 + 3.0 / 7) / 9, 1e-12);
    o.trec_eval_version = 9;
    const auto r9 = evaluate(golden_qrels(), golden_run(), o);
    EXPECT_EQ(r9.queries.size(), 2U);  // 9.x leaves q3 out but still divides by 3
    EXPECT_EQ(*r9.summary_value("num_q"), 3.0);
    EXPECT_EQ(*r9.summary_value("num_rel"), 3.0);
    EXPECT_NEAR(*r9.summary_value("map"), *r10.summary_value("map"), 1e-15);
}

TEST(Evaluate, RelevanceLevelChangesBinaryMeasuresNotNdcg) {
    EvalOptions o;
    o.measures = {"map", "ndcg_cut.10"};
    const auto r1 = evaluate(golden_qrels(), golden_run(), o);
    o.relevance_level = 2;
    const auto r2 = evaluate(golden_qrels(), golden_run(), o);
    EXPECT_NEAR(value(r2, "q1", "map"), 1.0 / 3, 1e-12);  // only d1, at rank 3
    EXPECT_EQ(value(r2, "q1", "ndcg_cut_10"), value(r1, "q1", "ndcg_cut_10"));
}

TEST(Evaluate, NdcgCutMatchesNaiveFormulaOnRandomRankings) {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
        Qrels q;
        cascade::Run run;
        auto& judged = q.by_query["q"];
        auto& entries = run.by_query["q"];
        const int n = 1 + static_cast<int>(rng() % 40);
        for (int d = 0; d < n; ++d) {
            const std::string id = "d" + std::to_string(d);
            if (rng() % 3 != 0) {
                judged[id] = static_cast<int>(rng() % 4);
            }
            entries.push_back({id, static_cast<double>(rng() % 7), 0});
        }
        judged["extra"] = 3;  // judged but never retrieved
        EvalOptions o;
        o.measures = {"ndcg_cut.5,10"};
        const auto r = evaluate(q, run, o);
        // Naive: sort a copy the trec_eval way, then sum gains.
        auto sorted = entries;
        std::sort(sorted.begin(), sorted.end(), [](const RunEntry& a, const RunEntry& b) {
            return a.score != b.score ? a.score > b.score : a.docid > b.docid;
        });
        std::vector<int> grades;
        for (const auto& [id, g] : judged) {
            grades.push_back(g);
        }
        std::sort(grades.rbegin(), grades.rend());
        for (int k : {5, 10}) {
            double dcg = 0;
            double idcg = 0;
            for (int i = 0; i < k && i < static_cast<int>(sorted.size()); ++i) {
                auto it = judged.find(sorted[i].docid);
                dcg += it == judged.end() ? 0.0 : it->second / std::log2(i + 2.0);
            }
            for (int i = 0; i < k && i < static_cast<int>(grades.size()); ++i) {
                idcg += grades[i] / std::log2(i + 2.0);
            }
            EXPECT_NEAR(value(r, "q", "ndcg_cut_" + std::to_string(k)), dcg / idcg, 1e-12);
        }
    }
}

TEST(SelectMeasures, TableOrderNamesAndFirstParametersWin) {
    const auto sel =
        select_measures({"ndcg_cut.10", "P.10,5", "map", "P.20", "iprec_at_recall.0.5"});
    ASSERT_EQ(sel.size(), 4U);
    EXPECT_EQ(sel[0].def->name, "map");
    EXPECT_EQ(sel[1].value_names, (std::vector<std::string>{"iprec_at_recall_0.50"}));
    EXPECT_EQ(sel[2].value_names, (std::vector<std::string>{"P_5", "P_10"}));
    EXPECT_EQ(sel[3].value_names, (std::vector<std::string>{"ndcg_cut_10"}));
    EXPECT_EQ(select_measures({}).size(), 12U);  // official: runid ... P
    EXPECT_THROW((void)select_measures({"bogus"}), UsageError);
    EXPECT_THROW((void)select_measures({"P.3,x"}), UsageError);
    EXPECT_THROW((void)select_measures({"ndcg.1"}), UsageError);
}

TEST(Format, TrecEvalLineLayout) {
    EvalOptions o;
    o.measures = {"num_ret", "map"};
    const auto text = format_trec_eval(evaluate(golden_qrels(), golden_run(), o), false);
    EXPECT_EQ(text, "num_ret               \tall\t9\nmap                   \tall\t0.1825\n");
}

TEST(Format, LongQueryIdsAreNotTruncated) {
    const std::string qid(3000, 'q');
    Qrels q;
    q.by_query[qid] = {{"d", 1}};
    cascade::Run run;
    run.by_query[qid] = {{"d", 1.0, 1}};
    EvalOptions o;
    o.measures = {"map"};
    const auto text = format_trec_eval(evaluate(q, run, o), true);
    EXPECT_EQ(text, "map                   \t" + qid + "\t1.0000\n" +
                        "map                   \tall\t1.0000\n");
}

}  // namespace
}  // namespace cascade::eval
