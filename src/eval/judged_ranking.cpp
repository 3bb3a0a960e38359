#include "eval/judged_ranking.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::eval {

namespace {

/// Grade counts over the judged (grade >= 0) documents of a qrels query. The vector has one
/// slot per grade up to the highest one, as trec_eval sizes `rel_levels` by the maximum grade.
void count_levels(const std::unordered_map<std::string, int>& judgments, JudgedRanking& out) {
    int max_rel = -1;
    for (const auto& [docid, rel] : judgments) {
        max_rel = std::max(max_rel, rel);
    }
    out.rel_levels.assign(max_rel >= 0 ? static_cast<size_t>(max_rel) + 1 : 0, 0);
    for (const auto& [docid, rel] : judgments) {
        if (rel >= 0) {
            ++out.rel_levels[static_cast<size_t>(rel)];
        }
    }
}

void count_num_rel(int relevance_level, JudgedRanking& out) {
    out.num_rel = 0;
    for (std::int64_t level = std::max(0, relevance_level); level < out.num_rel_levels(); ++level) {
        out.num_rel += out.rel_levels[static_cast<size_t>(level)];
    }
}

/// Fills the per-rank counters from `rels` (normal path of te_form_res_rels, no -J).
void count_retrieved(int relevance_level, JudgedRanking& out) {
    out.num_ret = static_cast<std::int64_t>(out.rels.size());
    for (int rel : out.rels) {
        if (rel == kRelNotInPool) {
            ++out.num_nonpool;
        } else if (rel == kRelUnjudged) {
            ++out.num_unjudged_in_pool;
        } else if (rel >= relevance_level) {
            ++out.num_rel_ret;
        }
    }
}

}  // namespace

JudgedRanking build_judged_ranking(const std::string& qid, const std::vector<RunEntry>& entries,
                                   const std::unordered_map<std::string, int>& judgments,
                                   int relevance_level, std::int64_t max_docs,
                                   const std::string& run_label) {
    std::vector<const RunEntry*> order;
    order.reserve(entries.size());
    for (const auto& e : entries) {
        order.push_back(&e);
    }
    // comp_sim_docno in form_res_rels.c: higher score first, then strcmp(b, a) < 0, i.e.
    // the larger document id comes first among equal scores.
    std::sort(order.begin(), order.end(), [](const RunEntry* a, const RunEntry* b) {
        if (a->score != b->score) {
            return a->score > b->score;
        }
        return std::strcmp(a->docid.c_str(), b->docid.c_str()) > 0;
    });
    if (max_docs >= 0 && static_cast<std::int64_t>(order.size()) > max_docs) {
        order.resize(static_cast<size_t>(max_docs));
    }

    std::vector<const std::string*> ids;
    ids.reserve(order.size());
    for (const auto* e : order) {
        ids.push_back(&e->docid);
    }
    std::sort(ids.begin(), ids.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    for (size_t i = 1; i < ids.size(); ++i) {
        if (*ids[i] == *ids[i - 1]) {
            throw Error(fmt::format(
                "{}: query '{}' retrieves document '{}' more than once; trec_eval refuses "
                "such runs (\"duplicate docs\"), so remove the repeated lines",
                run_label, qid, *ids[i]));
        }
    }

    JudgedRanking out;
    out.rels.reserve(order.size());
    for (const auto* e : order) {
        auto it = judgments.find(e->docid);
        if (it == judgments.end()) {
            out.rels.push_back(kRelNotInPool);
        } else {
            out.rels.push_back(it->second < 0 ? kRelUnjudged : it->second);
        }
    }
    count_levels(judgments, out);
    count_num_rel(relevance_level, out);
    count_retrieved(relevance_level, out);
    return out;
}

JudgedRanking missing_query_ranking(const std::unordered_map<std::string, int>& judgments,
                                    int relevance_level) {
    JudgedRanking out;
    out.rels.push_back(kRelNotInPool);
    count_levels(judgments, out);
    count_num_rel(relevance_level, out);
    count_retrieved(relevance_level, out);
    return out;
}

}  // namespace cascade::eval
