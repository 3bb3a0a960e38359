#pragma once
/// Evaluation of runs against relevance judgments exactly as trec_eval 10.0 does it
/// (docs/eval.md), and query-by-query comparison of two runs with paired significance tests.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/types.hpp>

namespace cascade {

/// The knobs of one evaluation, named after trec_eval's options (`cascade eval`'s options).
struct EvalOptions {
    /// `-m` arguments: measures (`map`), measures with parameters (`P.5,10`), nicknames
    /// (`official`, `all_trec`, `set`). Empty means `official`, trec_eval's default.
    std::vector<std::string> measures;
    int relevance_level = 1;               ///< -l: minimum grade that counts as relevant
    bool average_complete = false;         ///< -c: average over every qrels query
    std::int64_t max_docs_per_query = -1;  ///< -M: only the top N of each ranking (-1: all)
    std::string run_label = "run";         ///< names the run in error messages (its path)
    /// Which trec_eval release to reproduce where they differ: 10 (default) or 9.
    int trec_eval_version = 10;
};

/// The result of evaluate(): per-query values (qrels order) and the "all" summary.
class Evaluation {
public:
    /// Names of the computed values, as trec_eval prints them (`map`, `P_10`, `ndcg_cut_10`).
    [[nodiscard]] std::vector<std::string> measures() const;
    /// The summary ("all") value of `measure`, if it was computed.
    [[nodiscard]] std::optional<double> summary(std::string_view measure) const;
    /// The value of `measure` for query `qid`, if both were evaluated.
    [[nodiscard]] std::optional<double> value(std::string_view qid, std::string_view measure) const;
    /// Evaluated query ids, in qrels (strcmp) order.
    [[nodiscard]] std::vector<std::string> queries() const;
    /// Exactly what trec_eval prints: per-query lines first when `per_query` (-q), then "all".
    [[nodiscard]] std::string format_trec_eval(bool per_query) const;

    struct Impl;  ///< opaque outside the library
    explicit Evaluation(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// Evaluates `run` against `qrels` with trec_eval's semantics. Throws UsageError for bad
/// measure arguments and cascade::Error when a judged query retrieves a document twice or no
/// query has both results and judgments (both fatal in trec_eval).
[[nodiscard]] Evaluation evaluate(const Qrels& qrels, const Run& run,
                                  const EvalOptions& options = {});

/// How two runs are compared (`cascade compare`'s options).
struct CompareOptions {
    /// `-m` arguments as for evaluate(); every per-query float value they produce is compared.
    /// Empty means map, ndcg_cut.10 and recall.100.
    std::vector<std::string> measures;
    int relevance_level = 1;
    /// Compare over every qrels query (missing ones score 0 in the run lacking them); by
    /// default over the qrels queries that at least one of the runs retrieves for.
    bool all_qrels_queries = false;
    std::uint64_t trials = 100000;  ///< randomization test trials
    std::uint64_t seed = 1;         ///< randomization test seed
    std::string label_a = "A";
    std::string label_b = "B";
};

/// One measure compared: means, wins/ties/losses of B against A, and two-sided p-values of a
/// paired t-test and a paired randomization test (Smucker et al., CIKM 2007).
struct MeasureDifference {
    std::string measure;
    std::size_t queries = 0;
    double mean_a = 0.0;
    double mean_b = 0.0;
    std::size_t wins = 0;  ///< queries where B > A
    std::size_t ties = 0;
    std::size_t losses = 0;  ///< queries where B < A
    double p_t_test = 0.0;
    double p_randomization = 0.0;
};

/// The result of compare_runs().
class Comparison {
public:
    /// One entry per compared measure, in order.
    [[nodiscard]] std::vector<MeasureDifference> measures() const;
    /// Aligned text: one per-query table per measure (unless `summary_only`), then one
    /// summary line per measure (`cascade compare`'s output).
    [[nodiscard]] std::string format(bool summary_only) const;
    /// The comparison over the compared queries in `qids` (or, with `complement`, over the
    /// others), with means, wins/ties/losses and both tests recomputed over them. Ids that were
    /// not compared are ignored.
    [[nodiscard]] Comparison restrict_to(std::span<const std::string> qids,
                                         bool complement = false) const;
    /// format() over all compared queries, then the summary table of the queries in `subset`
    /// and of its complement, one after the other, each headed by `label` (the subset file)
    /// and its query count (`cascade compare --subset`'s output).
    [[nodiscard]] std::string format_split(std::span<const std::string> subset,
                                           std::string_view label, bool summary_only) const;

    struct Impl;  ///< opaque outside the library
    explicit Comparison(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// Evaluates both runs (queries missing from a run scored as empty rankings) and compares
/// them measure by measure (differences B - A).
[[nodiscard]] Comparison compare_runs(const Qrels& qrels, const Run& a, const Run& b,
                                      const CompareOptions& options = {});

/// Reads a query subset file for Comparison::restrict_to / format_split: one query id per
/// line, or any whitespace-separated table whose first column is the query id (TREC qrels,
/// BEIR qrels with its `query-id` header, a run). Blank lines and lines starting with '#' are
/// skipped; repeated ids count once. Returns the distinct ids in file order. Throws IoError
/// when unreadable, InputError when the file holds no id.
[[nodiscard]] std::vector<std::string> read_query_subset(const std::string& path);

}  // namespace cascade
