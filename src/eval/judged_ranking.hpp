#pragma once
/// One query's ranking joined with its judgments: the input every measure reads.

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "collection/types.hpp"

namespace cascade::eval {

/// Relevance value of a retrieved document that has no judgment at all (not in the pool).
inline constexpr int kRelNotInPool = -1;
/// Relevance value of a retrieved document judged with a negative grade (in the pool but
/// unjudged, as infAP samples use it).
inline constexpr int kRelUnjudged = -2;

/// The ranked relevance list of one query, as trec_eval's `te_form_res_rels` builds it
/// (usnistgov/trec_eval, form_res_rels.c): documents sorted by score descending, ties broken
/// by document id in *decreasing* strcmp order, the rank column ignored; then cut to the
/// first `max_docs` documents.
struct JudgedRanking {
    /// Grade of the document at each rank (index 0 = rank 1); kRelNotInPool / kRelUnjudged
    /// for documents without a usable judgment.
    std::vector<int> rels;
    /// How many judged documents (grade >= 0) carry each grade, over the whole qrels query.
    std::vector<std::int64_t> rel_levels;
    std::int64_t num_ret = 0;               ///< retrieved documents (after the max_docs cut)
    std::int64_t num_rel = 0;               ///< judged documents with grade >= relevance level
    std::int64_t num_rel_ret = 0;           ///< retrieved judged documents with grade >= level
    std::int64_t num_nonpool = 0;           ///< retrieved documents absent from the qrels
    std::int64_t num_unjudged_in_pool = 0;  ///< retrieved documents with a negative grade

    /// Number of grades 0..k-1 with k-1 the highest grade that occurs (0 when none).
    [[nodiscard]] std::int64_t num_rel_levels() const {
        return static_cast<std::int64_t>(rel_levels.size());
    }
    /// Judged documents with grade `level`, 0 for grades that do not occur.
    [[nodiscard]] std::int64_t count_at(std::int64_t level) const {
        return level >= 0 && level < num_rel_levels() ? rel_levels[static_cast<size_t>(level)] : 0;
    }
};

/// Sorts `entries` trec_eval's way, cuts to `max_docs`, checks for duplicate documents and
/// looks every document up in `judgments`. Throws cascade::Error naming `run_label`, the
/// query and the document when a document occurs twice (trec_eval 9/10 stop with
/// "duplicate docs" in that case). O(n log n) in the number of entries.
[[nodiscard]] JudgedRanking build_judged_ranking(
    const std::string& qid, const std::vector<RunEntry>& entries,
    const std::unordered_map<std::string, int>& judgments, int relevance_level,
    std::int64_t max_docs, const std::string& run_label);

/// The stand-in ranking trec_eval 10 evaluates for a qrels query missing from the run under
/// `-c`: one retrieved document that is not in the pool. Measures then report what an empty
/// ranking deserves (0), and the evaluator resets num_ret to 0 afterwards, as trec_eval does.
[[nodiscard]] JudgedRanking missing_query_ranking(
    const std::unordered_map<std::string, int>& judgments, int relevance_level);

}  // namespace cascade::eval
