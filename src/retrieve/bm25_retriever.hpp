#pragma once
/// BM25 retrieval over a cascade index, scored exactly as Lucene 9 / Anserini score it.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"
#include "retrieve/bm25.hpp"
#include "retrieve/query.hpp"
#include "retrieve/retriever.hpp"
#include "text/analyzer.hpp"

namespace cascade::retrieve {

/// Top-k query processing strategy. All return identical results; they differ in speed.
enum class Algorithm { exhaustive, maxscore, wand, block_max_wand, block_max_maxscore };

/// "exhaustive", "maxscore", "wand", "bmw" (or "block-max-wand"), "bmm" (or
/// "block-max-maxscore"); UsageError otherwise.
[[nodiscard]] Algorithm parse_algorithm(std::string_view name);
[[nodiscard]] std::string_view algorithm_name(Algorithm algorithm);

struct Bm25Options {
    Bm25Params params;
    Algorithm algorithm = Algorithm::maxscore;
    /// Fields searched and their weights; empty = every field of the index, weight 1.
    std::vector<FieldWeight> fields;
    /// Worker threads for batch search (1 = the calling thread only).
    unsigned threads = 1;
};

/// BM25 over an open index. Queries are analyzed with the index's own analyzer and turned
/// into Anserini's bag-of-words query (see bag_of_words). Holds a reference to the index.
class Bm25Retriever final : public Retriever {
public:
    /// Throws UsageError for unknown fields or bad parameters.
    Bm25Retriever(const index::Index& index, Bm25Options options);

    [[nodiscard]] std::vector<std::vector<Hit>> search(std::span<const Query> queries,
                                                       std::size_t k) const override;
    [[nodiscard]] std::string_view external_id(std::uint32_t docid) const override;
    [[nodiscard]] std::string name() const override;

    /// The weighted clauses `text` becomes (analysis + bag of words over the fields).
    [[nodiscard]] std::vector<WeightedTerm> parse(std::string_view text) const;

    /// Query-level entry point for later stages (e.g. RM3 re-retrieval): scores an explicit
    /// disjunction of weighted clauses. Clauses on unknown fields or absent terms contribute
    /// nothing; clauses with boost <= 0 are ignored. Repeated clauses are scored separately.
    [[nodiscard]] std::vector<Hit> search_terms(std::span<const WeightedTerm> terms,
                                                std::size_t k) const;
    [[nodiscard]] std::vector<Hit> search_terms(std::span<const WeightedTerm> terms, std::size_t k,
                                                Algorithm algorithm) const;

    [[nodiscard]] const Bm25Options& options() const { return m_options; }
    [[nodiscard]] const text::Analyzer& analyzer() const { return *m_analyzer; }

private:
    const index::Index* m_index;
    Bm25Options m_options;
    std::unique_ptr<text::Analyzer> m_analyzer;
    /// One scorer per index field (same order as index.field(i)).
    std::vector<Bm25FieldScorer> m_field_scorers;
    bool m_stored_pairs_apply = false;
};

}  // namespace cascade::retrieve
