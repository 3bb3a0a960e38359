#include "eval/evaluator.hpp"

#include <cmath>
#include <cstdio>

#include "util/error.hpp"

namespace cascade::eval {

std::optional<size_t> EvalResult::column(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<double> EvalResult::summary_value(std::string_view name) const {
    auto i = column(name);
    return i ? std::optional<double>(summary[*i]) : std::nullopt;
}

namespace {

struct Plan {
    std::vector<SelectedMeasure> measures;  // without runid
    std::vector<size_t> first_column;       // per measure, index of its first value
    size_t num_columns = 0;
};

Plan make_plan(const EvalOptions& options, EvalResult& result) {
    Plan plan;
    for (auto& sel : select_measures(options.measures)) {
        if (sel.def->name == "runid") {
            result.report_runid = true;
            continue;
        }
        plan.first_column.push_back(plan.num_columns);
        for (const auto& name : sel.value_names) {
            result.columns.push_back({name, sel.def->kind, sel.def->aggregate, sel.def->per_query});
            ++plan.num_columns;
        }
        plan.measures.push_back(std::move(sel));
    }
    return plan;
}

void evaluate_query(const Plan& plan, const JudgedRanking& ranking, const MeasureContext& ctx,
                    QueryResult& q) {
    q.values.assign(plan.num_columns, 0.0);
    for (size_t m = 0; m < plan.measures.size(); ++m) {
        const auto& sel = plan.measures[m];
        sel.def->compute(ranking, ctx, sel.params, q.values.data() + plan.first_column[m]);
    }
}

void summarize(const EvalOptions& options, size_t num_qrels_queries, EvalResult& result) {
    const size_t evaluated = result.queries.size();
    // te_calc_avg_meas_s: divide by the evaluated queries, or by all qrels queries with -c.
    const size_t divisor = options.average_complete ? num_qrels_queries : evaluated;
    result.summary.assign(result.columns.size(), 0.0);
    for (size_t c = 0; c < result.columns.size(); ++c) {
        double sum = 0.0;
        for (const auto& q : result.queries) {
            sum += q.values[c];
        }
        double& out = result.summary[c];
        switch (result.columns[c].aggregate) {
            case Aggregate::Sum:
                out = sum;
                break;
            case Aggregate::QueryCount:
                out = static_cast<double>(divisor);  // num_q: every qrels query under -c
                break;
            case Aggregate::Mean:
                out = divisor > 0 ? sum / static_cast<double>(divisor) : sum;
                break;
            case Aggregate::GeometricMean:
                // te_calc_avg_meas_s_gm; queries never evaluated count as MIN_GEO_MEAN.
                if (divisor > 0) {
                    sum += static_cast<double>(divisor - evaluated) * std::log(0.00001);
                    out = std::exp(sum / static_cast<double>(divisor));
                }
                break;
        }
    }
}

}  // namespace

EvalResult evaluate(const Qrels& qrels, const Run& run, const EvalOptions& options) {
    EvalResult result;
    result.run_id = run.tag;
    const Plan plan = make_plan(options, result);
    if (options.trec_eval_version != 9 && options.trec_eval_version != 10) {
        throw UsageError("trec_eval version must be 9 or 10");
    }
    const MeasureContext ctx{options.relevance_level, options.trec_eval_version};
    const std::vector<RunEntry> no_entries;

    for (const auto& [qid, judgments] : qrels.by_query) {
        auto it = run.by_query.find(qid);
        const bool in_run = it != run.by_query.end();
        if (!in_run && (!options.average_complete || options.trec_eval_version < 10)) {
            continue;
        }
        QueryResult q{qid, {}, in_run};
        const JudgedRanking ranking =
            in_run ? build_judged_ranking(qid, it->second, judgments, options.relevance_level,
                                          options.max_docs_per_query, options.run_label)
                   : missing_query_ranking(judgments, options.relevance_level);
        evaluate_query(plan, ranking, ctx, q);
        if (!in_run) {
            // trec_eval.c "clean up leftovers" after its stand-in ranking.
            if (auto c = result.column("num_ret")) {
                q.values[*c] = 0.0;
            }
        }
        result.queries.push_back(std::move(q));
    }
    if (result.queries.empty()) {
        throw Error(options.run_label +
                    ": no queries with both results and relevance judgments (trec_eval stops "
                    "here too); check that the run and qrels use the same query ids");
    }
    summarize(options, qrels.by_query.size(), result);
    return result;
}

namespace {

/// Appends printf-formatted text; sized exactly, so long query ids are never cut.
template <typename... Args>
void append_printf(std::string& out, const char* format, Args... args) {
    const int n = std::snprintf(nullptr, 0, format, args...);
    CASCADE_ASSERT(n >= 0);
    const size_t old = out.size();
    out.resize(old + static_cast<size_t>(n) + 1);
    std::snprintf(out.data() + old, static_cast<size_t>(n) + 1, format, args...);
    out.resize(old + static_cast<size_t>(n));
}

void append_line(std::string& out, const ValueColumn& col, const std::string& qid, double value) {
    if (col.kind == ValueKind::Long) {
        append_printf(out, "%-22s\t%s\t%ld\n", col.name.c_str(), qid.c_str(),
                      static_cast<long>(value));
    } else {
        append_printf(out, "%-22s\t%s\t%6.4f\n", col.name.c_str(), qid.c_str(), value);
    }
}

}  // namespace

std::string format_trec_eval(const EvalResult& result, bool per_query) {
    std::string out;
    if (per_query) {
        for (const auto& q : result.queries) {
            for (size_t c = 0; c < result.columns.size(); ++c) {
                if (result.columns[c].per_query) {
                    append_line(out, result.columns[c], q.qid, q.values[c]);
                }
            }
        }
    }
    if (result.report_runid) {
        append_printf(out, "%-22s\t%s\t%s\n", "runid", "all", result.run_id.c_str());
    }
    for (size_t c = 0; c < result.columns.size(); ++c) {
        append_line(out, result.columns[c], "all", result.summary[c]);
    }
    return out;
}

}  // namespace cascade::eval
