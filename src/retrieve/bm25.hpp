#pragma once
/// BM25 exactly as Lucene 9 scores it, so that scores and ranks match Anserini bit for bit.
///
/// Okapi BM25: Robertson, Walker, Jones, Hancock-Beaulieu & Gatford, "Okapi at TREC-3"
/// (TREC 1994). Lucene's variant (org.apache.lucene.search.similarities.BM25Similarity, Lucene
/// 9.x) differs from the textbook formula in ways that change ranks, and every one is
/// reproduced here:
///   - idf = (float) ln(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)), computed in double
///     and rounded to float, with docCount = documents that have the field;
///   - avgdl = (float) (sumTotalTermFreq / (double) docCount);
///   - document lengths are the lossy one-byte norms (SmallFloat.intToByte4/byte4ToInt), and a
///     per-field table of 256 floats caches 1 / (k1 * ((1 - b) + b * length / avgdl));
///   - no (k1 + 1) numerator factor (dropped in Lucene 8, LUCENE-8563);
///   - the term score is weight - weight / (1 + freq * normInverse) in float arithmetic, with
///     weight = boost * idf (float), in that operation order.
/// Query scores sum term scores in double and round once to float, as Lucene's WANDScorer and
/// DisjunctionSumScorer do (see docs/retrieval.md).
///
/// Float semantics matter: cascade_retrieve compiles its users with -ffp-contract=off so that
/// no fused multiply-add changes a rounding.

#include <array>
#include <cstdint>

#include "index/bm25_params.hpp"

namespace cascade::retrieve {

/// BM25 free parameters with Anserini's defaults (k1 = 0.9, b = 0.4) and their validation
/// (Lucene's checks). Defined in the index layer, whose stored block-max pairs are chosen for
/// the defaults; every layer above uses it from here.
using index::Bm25Params;
using index::validate;

/// Lucene's idf for a term in `doc_freq` of `doc_count` documents (both per field).
[[nodiscard]] float lucene_idf(std::uint64_t doc_freq, std::uint64_t doc_count);

/// Lucene's average field length: sum of lengths / documents with the field, rounded to float.
/// A field with no documents gets 1 (Lucene never scores such a field).
[[nodiscard]] float lucene_avgdl(std::uint64_t sum_total_term_freq, std::uint64_t doc_count);

/// BM25SimilarityLENGTH_TABLE: the length each norm byte stands for, as float.
[[nodiscard]] const std::array<float, 256>& lucene_length_table();

/// Per-field part of the scorer: Lucene's 256-entry cache of inverse length normalisations.
/// Immutable after construction; shared by every term of the field.
class Bm25FieldScorer {
public:
    Bm25FieldScorer() = default;
    Bm25FieldScorer(const Bm25Params& params, float avgdl);

    /// 1 / (k1 * ((1 - b) + b * length(norm) / avgdl)) in float, Lucene's operation order.
    [[nodiscard]] float norm_inverse(std::uint8_t norm) const { return m_cache[norm]; }
    /// A norm byte whose norm_inverse is the smallest: score(weight, 1, it) is the lowest score
    /// any posting (freq >= 1) can get, the formula being monotone in freq and norm_inverse.
    [[nodiscard]] std::uint8_t lowest_norm() const { return m_lowest_norm; }
    [[nodiscard]] float avgdl() const { return m_avgdl; }
    [[nodiscard]] const Bm25Params& params() const { return m_params; }

    /// Score of one posting for a term of weight `weight` (= boost * idf).
    [[nodiscard]] float score(float weight, std::uint32_t freq, std::uint8_t norm) const {
        return weight - weight / (1.0F + static_cast<float>(freq) * m_cache[norm]);
    }

private:
    Bm25Params m_params;
    float m_avgdl = 1.0F;
    std::array<float, 256> m_cache{};
    std::uint8_t m_lowest_norm = 0;
};

/// Lucene's term weight: boost * idf in float (BM25Scorer's `weight`).
[[nodiscard]] inline float term_weight(float boost, float idf) {
    return boost * idf;
}

}  // namespace cascade::retrieve
