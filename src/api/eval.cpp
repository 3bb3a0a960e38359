/// cascade::evaluate and cascade::compare_runs over the eval layer.
#include <utility>

#include <cascade/eval.hpp>

#include "eval/compare.hpp"
#include "eval/evaluator.hpp"

namespace cascade {

struct Evaluation::Impl {
    eval::EvalResult result;
};

struct Comparison::Impl {
    std::vector<eval::MeasureComparison> comparisons;
    eval::CompareOptions options;
};

Evaluation evaluate(const Qrels& qrels, const Run& run, const EvalOptions& options) {
    eval::EvalOptions eo;
    eo.measures = options.measures;
    eo.relevance_level = options.relevance_level;
    eo.average_complete = options.average_complete;
    eo.max_docs_per_query = options.max_docs_per_query;
    eo.run_label = options.run_label;
    eo.trec_eval_version = options.trec_eval_version;
    return Evaluation(
        std::make_shared<const Evaluation::Impl>(Evaluation::Impl{eval::evaluate(qrels, run, eo)}));
}

std::vector<std::string> Evaluation::measures() const {
    std::vector<std::string> names;
    for (const eval::ValueColumn& column : m_impl->result.columns) {
        names.push_back(column.name);
    }
    return names;
}

std::optional<double> Evaluation::summary(std::string_view measure) const {
    return m_impl->result.summary_value(measure);
}

std::optional<double> Evaluation::value(std::string_view qid, std::string_view measure) const {
    const auto column = m_impl->result.column(measure);
    if (!column) {
        return std::nullopt;
    }
    for (const eval::QueryResult& q : m_impl->result.queries) {
        if (q.qid == qid) {
            return q.values[*column];
        }
    }
    return std::nullopt;
}

std::vector<std::string> Evaluation::queries() const {
    std::vector<std::string> qids;
    for (const eval::QueryResult& q : m_impl->result.queries) {
        qids.push_back(q.qid);
    }
    return qids;
}

std::string Evaluation::format_trec_eval(bool per_query) const {
    return eval::format_trec_eval(m_impl->result, per_query);
}

Comparison compare_runs(const Qrels& qrels, const Run& a, const Run& b,
                        const CompareOptions& options) {
    eval::CompareOptions co;
    co.measures = options.measures;
    co.relevance_level = options.relevance_level;
    co.all_qrels_queries = options.all_qrels_queries;
    co.trials = options.trials;
    co.seed = options.seed;
    co.label_a = options.label_a;
    co.label_b = options.label_b;
    auto comparisons = eval::compare_runs(qrels, a, b, co);
    return Comparison(std::make_shared<const Comparison::Impl>(
        Comparison::Impl{std::move(comparisons), std::move(co)}));
}

std::vector<MeasureDifference> Comparison::measures() const {
    std::vector<MeasureDifference> out;
    for (const eval::MeasureComparison& c : m_impl->comparisons) {
        MeasureDifference d;
        d.measure = c.measure;
        d.queries = c.qids.size();
        d.mean_a = c.mean_a;
        d.mean_b = c.mean_b;
        d.wins = c.wins;
        d.ties = c.ties;
        d.losses = c.losses;
        d.p_t_test = c.t_test.p_value;
        d.p_randomization = c.p_randomization;
        out.push_back(std::move(d));
    }
    return out;
}

std::string Comparison::format(bool summary_only) const {
    return eval::format_comparison(m_impl->comparisons, m_impl->options, summary_only);
}

Comparison Comparison::restrict_to(std::span<const std::string> qids, bool complement) const {
    auto comparisons =
        eval::restrict_comparison(m_impl->comparisons, qids, complement, m_impl->options);
    return Comparison(std::make_shared<const Comparison::Impl>(
        Comparison::Impl{std::move(comparisons), m_impl->options}));
}

std::string Comparison::format_split(std::span<const std::string> subset, std::string_view label,
                                     bool summary_only) const {
    return eval::format_split_comparison(m_impl->comparisons, subset, label, m_impl->options,
                                         summary_only);
}

std::vector<std::string> read_query_subset(const std::string& path) {
    return eval::read_query_subset(path);
}

}  // namespace cascade
