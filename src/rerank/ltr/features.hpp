#pragma once
/// Learning-to-rank features of (query, candidate document) pairs, computed from the index.
///
/// The feature set follows the classic LETOR recipe (Qin, Liu, Xu & Li, "LETOR: A benchmark
/// collection for research on learning to rank for information retrieval", Information
/// Retrieval 13(4), 2010): BM25 per field and on the whole document, query-term coverage, IDF
/// and TF statistics, document length and a Dirichlet-smoothed query likelihood (Zhai &
/// Lafferty, "A study of smoothing methods for language models applied to ad hoc information
/// retrieval", SIGIR 2001); plus term-proximity counts in the spirit of the sequential
/// dependence model (Metzler & Croft, "A Markov random field model for term dependencies",
/// SIGIR 2005) and the minimum cover span of Tao & Zhai ("An exploration of proximity measures
/// in information retrieval", SIGIR 2007) when the index stores positions. Every feature is
/// defined in docs/ltr.md.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/stage.hpp"
#include "retrieve/bm25.hpp"

namespace cascade::text {
class Analyzer;
}
namespace cascade::index {
class FieldIndex;
}

namespace cascade::rerank::ltr {

/// What the extractor computes besides the index statistics.
struct FeatureConfig {
    /// BM25 parameters of the bm25* features (Anserini's defaults, retrieve/bm25.hpp).
    retrieve::Bm25Params bm25;
    /// Dirichlet prior of the lm_dirichlet feature; 1000 is Zhai & Lafferty's usual setting.
    float dirichlet_mu = 1000.0F;
    /// Features recorded on the candidates by earlier stages (Candidate::features), copied
    /// first in this order; e.g. {"first_stage_score", "first_stage_rank", "rm3_score"}.
    std::vector<std::string> recorded;
    /// Computed features left out of the rows (names from computed_feature_names()), e.g.
    /// document_features() to keep a model from learning which documents are relevant.
    std::vector<std::string> excluded;
};

/// The computed features of an index, in row order, before any exclusion: bm25, bm25_<field>
/// (indexes with several fields), the statistics, and the proximity features (with positions).
[[nodiscard]] std::vector<std::string> computed_feature_names(const index::Index& index);

/// The computed features that depend on the document alone, with no query term in them:
/// static per-document values that can identify a document (docs/ltr.md). Today: doc_length.
[[nodiscard]] const std::vector<std::string>& document_features();

/// Computes one feature row per candidate. The feature list depends only on the index (its
/// fields and whether it stores positions) and the config, and is fixed at construction.
/// Thread-safe: extract() is const and keeps its scratch space on the stack.
class FeatureExtractor {
public:
    /// Throws UsageError when the index's analyzer cannot be rebuilt or `config.excluded` names
    /// a feature the index does not compute.
    FeatureExtractor(const index::Index& index, FeatureConfig config);
    ~FeatureExtractor();
    FeatureExtractor(FeatureExtractor&&) noexcept;

    /// Feature names in row order.
    [[nodiscard]] const std::vector<std::string>& names() const { return m_names; }
    [[nodiscard]] std::size_t num_features() const { return m_names.size(); }
    /// The field term statistics are taken from: "contents" when present, else the field with
    /// the most tokens (the body, e.g. "text" in a multifield index).
    [[nodiscard]] const std::string& body_field() const;

    /// Appends candidates.size() rows of num_features() values (row-major) to `out`.
    /// `recorded_ids[j]` is the FeatureId of config.recorded[j] in the candidates' feature
    /// vectors; values an earlier stage did not record are NaN (XGBoost's missing value).
    /// Cost: one posting-cursor pass per (field, query term) over the candidates sorted by
    /// docid, O(terms * fields * (candidates + list blocks)).
    void extract(std::string_view query, std::span<const Candidate> candidates,
                 std::span<const FeatureId> recorded_ids, std::vector<float>& out) const;

private:
    struct QueryTerms;
    struct Matches;
    void find_matches(const QueryTerms& terms, std::span<const Candidate> candidates,
                      Matches& matches) const;
    void candidate_row(const QueryTerms& terms, const Matches& matches, std::size_t c,
                       std::uint32_t docid, float* row) const;

    const index::Index* m_index;
    FeatureConfig m_config;
    std::unique_ptr<text::Analyzer> m_analyzer;
    std::vector<retrieve::Bm25FieldScorer> m_scorers;  // per index field
    std::size_t m_body = 0;                            // index of the body field
    bool m_positions = false;
    std::size_t m_computed = 0;       // computed features before exclusion
    std::vector<std::size_t> m_keep;  // the computed columns kept, ascending
    std::vector<std::string> m_names;
};

/// Proximity statistics of one document, from the positions of the query terms in the body.
/// `positions[i]` lists term i's positions (ascending; empty when absent); `pairs` are the
/// (i, j) term pairs adjacent in the query. Exposed for tests.
struct Proximity {
    float ordered_w2 = 0.0F;    ///< occurrences of i followed by j within 2 positions
    float ordered_w8 = 0.0F;    ///< the same within 8 positions
    float unordered_w8 = 0.0F;  ///< occurrences of i with j at distance < 8, either side
    float min_cover = 0.0F;     ///< shortest span covering every present term; NaN if < 2
};
[[nodiscard]] Proximity proximity(std::span<const std::vector<std::uint32_t>> positions,
                                  std::span<const std::pair<std::size_t, std::size_t>> pairs);

}  // namespace cascade::rerank::ltr
