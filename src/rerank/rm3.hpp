#pragma once
/// RM3 pseudo-relevance feedback as Anserini defines it (io.anserini.rerank.lib.Rm3Reranker
/// and io.anserini.util.FeatureVector): relevance model RM1 of Lavrenko & Croft, "Relevance-
/// Based Language Models" (SIGIR 2001), interpolated with the original query as in
/// Abdul-Jaleel et al., "UMass at TREC 2004: Novelty and HARD" (RM3).
///
/// Anserini's recipe, reproduced step by step:
///   1. each of the top fb_docs documents becomes a term-frequency vector of its field, keeping
///      only terms of 2..20 UTF-16 units, matching [a-z0-9]+ (filter_terms), and in at most
///      10% of the documents (df / numDocs > 0.1f is dropped; Anserini PR #289);
///   2. each vector is pruned to its fb_terms most frequent terms (ties: term ascending) and
///      its L1 norm taken after pruning;
///   3. weight(t) = sum over docs with norm > 0.001 of (tf(t) / norm) * retrieval score (float);
///   4. the model is pruned to fb_terms terms and scaled to unit L1 norm;
///   5. the query (analyzed tokens, one count each occurrence) is scaled to unit L1 norm and
///      mixed: w * q(t) + (1 - w) * rm(t), w = original_query_weight;
///   6. the mixture is run as a disjunction of BoostQuery(TermQuery(field, t), weight(t)).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rerank/stage.hpp"

namespace cascade::text {
class Analyzer;
}

namespace cascade::rerank {

/// RM3 parameters; defaults are Anserini's (-rm3.fbDocs 10, -rm3.fbTerms 10,
/// -rm3.originalQueryWeight 0.5, term filtering on, 10% df ceiling).
struct Rm3Params {
    std::size_t fb_docs = 10;
    std::size_t fb_terms = 10;
    float original_query_weight = 0.5F;
    bool filter_terms = true;
    float max_df_ratio = 0.1F;
};

/// A sparse vector of terms and weights.
using TermVector = std::vector<std::pair<std::string, float>>;

/// Sorts by weight descending, ties by term ascending, and keeps the first `k` (Anserini's
/// FeatureVector.pruneToSize).
void prune_to_size(TermVector& v, std::size_t k);

/// Divides every weight by the L1 norm (summed in double), rounding to float.
void scale_to_unit_l1(TermVector& v);

/// Steps 2-4: the relevance model from already-filtered document vectors (raw term
/// frequencies) and the documents' retrieval scores. Result sorted by weight descending.
[[nodiscard]] TermVector relevance_model(std::span<const TermVector> doc_vectors,
                                         std::span<const float> scores, std::size_t fb_terms);

/// Step 5: the interpolated query from the analyzed query tokens. Sorted by term.
[[nodiscard]] TermVector interpolate_query(std::span<const std::string> query_tokens,
                                           const TermVector& model, float original_query_weight);

/// Step 1 for one index: builds documents' filtered term vectors by re-analyzing the stored
/// text of `field` ("contents" = title + "\n" + text, as the index built it; "title"; "text").
class Rm3Expander {
public:
    /// Throws UsageError when `field` is not in the index.
    Rm3Expander(const index::Index& index, const text::Analyzer& analyzer, std::string field,
                Rm3Params params);

    /// The filtered term-frequency vector of `docid`, sorted by term.
    [[nodiscard]] TermVector document_vector(std::uint32_t docid) const;
    /// Steps 1-5 for one query over its ranked candidates (the top fb_docs are used).
    [[nodiscard]] TermVector expand(std::string_view query,
                                    std::span<const Candidate> ranked) const;

    [[nodiscard]] const std::string& field() const { return m_field; }
    [[nodiscard]] const Rm3Params& params() const { return m_params; }

private:
    [[nodiscard]] bool keep(std::string_view term) const;

    const index::Index* m_index;
    const text::Analyzer* m_analyzer;
    std::string m_field;
    Rm3Params m_params;
};

}  // namespace cascade::rerank
