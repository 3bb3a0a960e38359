#pragma once
/// Queries as flat lists of weighted (field, term) pairs: the shape of the Lucene query
/// Anserini runs, and what later stages (RM3 expansion, learned sparse weights) produce.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.hpp"

namespace cascade::retrieve {

/// One clause of a disjunctive query: a term of a field and its boost. The clause contributes
/// BM25 with weight = boost * idf (Lucene's BoostQuery(TermQuery) inside a BooleanQuery).
struct WeightedTerm {
    std::string field;
    std::string term;  ///< already analyzed (index vocabulary)
    float boost = 1.0F;

    friend bool operator==(const WeightedTerm&, const WeightedTerm&) = default;
};

/// A field searched by a query and its weight (Anserini `-fields title=1.0 contents=1.0`).
struct FieldWeight {
    std::string name;
    float weight = 1.0F;
};

/// Parses "title,text" or "title=1.0,text=0.5" (weights default to 1). Throws UsageError on
/// empty names, bad or negative weights and repeated fields.
[[nodiscard]] std::vector<FieldWeight> parse_field_weights(std::string_view spec);

/// Anserini's bag-of-words query (BagOfWordsQueryGenerator: one SHOULD TermQuery per analyzed
/// token, one sub-query per field boosted by the field weight) after Lucene 9's BooleanQuery
/// rewrite, which merges repeated SHOULD clauses by summing their boosts and flattens the
/// nested per-field disjunctions. The result: per field, one clause per distinct token, in
/// order of first occurrence, with boost = field weight * occurrences (float product, as
/// BoostQuery.createWeight multiplies boosts). Empty or all-stop-word text gives no clauses.
[[nodiscard]] std::vector<WeightedTerm> bag_of_words(const text::Analyzer& analyzer,
                                                     std::string_view text,
                                                     std::span<const FieldWeight> fields);

}  // namespace cascade::retrieve
