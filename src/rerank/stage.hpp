#pragma once
/// The re-ranking seam: every stage of a cascade (first-stage retrieval, RM3, fusion, LTR,
/// neural re-rankers, diversification, cut-off) takes a batch of queries with one candidate
/// list each and rewrites those lists in place. Stages are built by name from a pipeline file
/// (see rerank/registry.hpp) and timed by the runner (pipeline/runner.hpp).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collection/types.hpp"

namespace cascade::index {
class Index;
}
namespace cascade::retrieve {
class Retriever;
class Bm25Retriever;
}  // namespace cascade::retrieve

namespace cascade::rerank {

/// Index of a named feature in every Candidate::features vector (see FeatureSchema).
using FeatureId = std::uint32_t;

/// Feature values recorded on one candidate, indexed by FeatureId. A pipeline registers a
/// handful of features (first-stage score and rank, RM3 score and rank, fusion, neural
/// scores), so the first kInline live in the candidate itself: a first stage that hands out
/// 1000 candidates per query does not pay 1000 heap allocations for them. Ids past
/// kInline spill to a heap vector.
class FeatureValues {
public:
    static constexpr std::size_t kInline = 8;

    /// The value of `id`, NaN when it was never set.
    [[nodiscard]] float get(FeatureId id) const {
        if (id < kInline) {
            return id < m_size ? m_inline[id] : std::numeric_limits<float>::quiet_NaN();
        }
        const std::size_t at = id - kInline;
        return at < m_spill.size() ? m_spill[at] : std::numeric_limits<float>::quiet_NaN();
    }
    void set(FeatureId id, float value) {
        // Inline slots up to `id` (all of them for a spilled id) that were never set read NaN.
        const std::size_t filled = std::min<std::size_t>(std::size_t{id} + 1, kInline);
        for (; m_size < filled; ++m_size)
            m_inline[m_size] = std::numeric_limits<float>::quiet_NaN();
        if (id < kInline) {
            m_inline[id] = value;
            return;
        }
        const std::size_t at = id - kInline;
        if (m_spill.size() <= at)
            m_spill.resize(at + 1, std::numeric_limits<float>::quiet_NaN());
        m_spill[at] = value;
    }
    /// One past the largest id ever set (0 when none).
    [[nodiscard]] std::size_t size() const {
        return m_spill.empty() ? m_size : kInline + m_spill.size();
    }

private:
    std::uint32_t m_size = 0;  ///< inline slots initialized
    std::array<float, kInline> m_inline{};
    std::vector<float> m_spill;
};

/// One document under consideration for a query.
struct Candidate {
    std::uint32_t docid = 0;  ///< internal docid of the index
    float score = 0.0F;       ///< the score of the stage that ranked it last
    /// Values recorded by earlier stages for later ones (LTR reads first-stage score and
    /// rank, RM3 score, ...), indexed by FeatureId; NaN = not recorded.
    FeatureValues features;

    /// The recorded value of `id`, NaN when absent.
    [[nodiscard]] float feature(FeatureId id) const { return features.get(id); }
    void set_feature(FeatureId id, float value) { features.set(id, value); }
};

/// One query's candidates; stages leave it sorted best first (see sort_candidates).
using CandidateList = std::vector<Candidate>;

/// Names of the features stages record, shared by one pipeline. Ids are handed out while the
/// pipeline is built (stage constructors call id()); lookups during run() are read-only.
/// Thread-safe.
class FeatureSchema {
public:
    /// The id of `name`, registering it when new.
    FeatureId id(std::string_view name);
    /// The id of `name` if some stage registered it.
    [[nodiscard]] bool find(std::string_view name, FeatureId& id) const;
    [[nodiscard]] std::vector<std::string> names() const;

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_names;
};

/// The results of one named first-stage branch (a pipeline may run several for fusion),
/// aligned with the queries passed to Stage::run.
struct NamedCandidates {
    std::string_view name;
    std::span<const CandidateList> lists;
};

/// What a stage may read while running. Everything is read-only and shared across threads.
struct StageContext {
    const index::Index* index = nullptr;
    /// The retriever of the branch's first stage (for re-retrieval); null before it ran.
    const retrieve::Retriever* first_stage = nullptr;
    /// The same retriever when it is BM25 (RM3 re-retrieves through search_terms), else null.
    const retrieve::Bm25Retriever* bm25 = nullptr;
    const FeatureSchema* features = nullptr;
    /// Results of every first-stage branch, for fusion stages; empty in a single-branch
    /// pipeline.
    std::span<const NamedCandidates> branches;
};

/// One stage of a cascade. Implementations are immutable after construction: run() is const
/// and may be called from several threads at once on disjoint query batches (a stage holding
/// a non-reentrant model serialises internally).
class Stage {
public:
    virtual ~Stage() = default;
    /// The registry name (`bm25`, `rm3`, `fusion`, ...).
    [[nodiscard]] virtual std::string_view type() const = 0;
    /// Parameters in a short form for logs and run tags, e.g. "rm3(fb_docs=10,fb_terms=10)".
    [[nodiscard]] virtual std::string describe() const = 0;
    /// Rewrites `lists[i]`, the candidates of `queries[i]`, in place: re-scores, re-orders,
    /// adds (re-retrieval) or drops candidates, leaving each list sorted best first.
    virtual void run(std::span<const Query> queries, std::span<CandidateList> lists,
                     const StageContext& context) const = 0;
};

/// A stage that produces candidates from nothing (BM25 today, dense retrieval later). The
/// runner requires one at the head of every branch and exposes its retriever to later stages.
class FirstStage : public Stage {
public:
    [[nodiscard]] virtual const retrieve::Retriever& retriever() const = 0;
    /// The retriever as BM25, or null when it is not BM25.
    [[nodiscard]] virtual const retrieve::Bm25Retriever* bm25() const { return nullptr; }
};

/// What every first stage's run() does with its retriever: each query's top `k` (without the
/// query's own id when `remove_query`, as Anserini's -removeQuery) become its candidates, best
/// first, recording their score under `score_id` and their rank (from 1) under `rank_id`.
void retrieve_candidates(const retrieve::Retriever& retriever, std::span<const Query> queries,
                         std::span<CandidateList> lists, std::size_t k, bool remove_query,
                         FeatureId score_id, FeatureId rank_id);

/// Sorts best first: score descending, ties by the index's external id ascending (the
/// project-wide rule, as Anserini's BREAK_SCORE_TIES_BY_DOCID). NaN scores sort last.
void sort_candidates(CandidateList& list, const index::Index& index);

/// Keeps the first `k` candidates.
inline void truncate(CandidateList& list, std::size_t k) {
    if (list.size() > k) {
        list.resize(k);
    }
}

}  // namespace cascade::rerank
