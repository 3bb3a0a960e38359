#pragma once
/// BM25 retrieval of a query set over an index (`cascade search`): Lucene/Anserini-exact
/// scores, written as a Run. It is the one-stage pipeline `first_stage: {type: bm25, ...}`,
/// so it ranks exactly as a bm25 stage in a pipeline file does.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <cascade/index.hpp>
#include <cascade/types.hpp>

namespace cascade {

/// BM25's free parameters.
struct Bm25Params {
    float k1 = 0.0F;
    float b = 0.0F;
};

/// The library's BM25 defaults: Anserini's k1 = 0.9, b = 0.4 (Lin et al., "Toward
/// Reproducible Baselines", ECIR 2016; Lucene itself defaults to 1.2 / 0.75).
[[nodiscard]] Bm25Params bm25_defaults();

/// Throws UsageError unless k1 is finite and >= 0 and 0 <= b <= 1 (Lucene's checks); the
/// message names the parameter and its value.
void check(const Bm25Params& params);

/// How to search (`cascade search`'s options).
struct SearchOptions {
    Bm25Params bm25 = bm25_defaults();
    /// Top-k algorithm: exhaustive, maxscore, wand, bmw or bmm; all give the same run.
    std::string algorithm = "maxscore";
    /// Fields and weights, e.g. "title,text" or "title=1.0,text=0.5"; empty: every indexed
    /// field, weight 1.
    std::string fields;
    std::size_t k = 1000;         ///< hits per query (>= 1)
    bool remove_query = false;    ///< drop hits whose document id is the query id
    std::string tag = "cascade";  ///< the run's tag: one word without whitespace
    unsigned threads = 1;         ///< queries searched at once
    bool progress = false;        ///< progress bar on stderr (terminals only)

    /// Dense retrieval over the index's dense part instead of BM25 (`--dense`): the one-stage
    /// pipeline `first_stage: {type: dense, ...}`. The BM25 options above are then unused.
    bool dense = false;
    std::string dense_method = "auto";  ///< auto (HNSW when built), exact, int8 or hnsw
    std::size_t ef = 100;               ///< HNSW candidates (>= k is used)
    /// The model that embeds the queries; empty: the one the dense part was built with.
    std::string embedder;
    /// Or the queries' vectors, JSONL {"id", "vector"} (for imported document vectors).
    std::string query_vectors;

    /// Learned-sparse retrieval over the index's impact part instead of BM25 (`--impact`): the
    /// one-stage pipeline `first_stage: {type: impact, ...}`, scoring sum of query weight x
    /// impact with `algorithm`. The BM25 and dense options above are then unused.
    bool impact = false;
    /// The queries' vectors, keyed by query id: Anserini's pre-tokenised TSV (qid<TAB>terms, a
    /// term written n times weighs n) or JSONL {"id", "vector": {"term": weight}}
    /// (read_impact_queries reads the same file for the query set).
    std::string impact_queries;
};

/// What a search produced.
struct SearchResult {
    Run run;  ///< k hits per query at most, score descending, ties by document id
    std::size_t queries_without_hits = 0;
    std::string retriever;  ///< the retriever's description (parameters, fields)
    std::string algorithm;  ///< the top-k algorithm's name
    unsigned threads = 1;
    double seconds = 0.0;  ///< wall time of the searches
};

/// Checks what can be checked of `options` without an index: throws UsageError for a bad
/// algorithm name, field list, k or tag. search() checks them too, and k1, b and the fields
/// against the index; call this to report a bad option before reading any file.
void check(const SearchOptions& options);

/// The queries of a query-vector file (pre-tokenised TSV or JSONL vectors, docs/sparse.md):
/// their ids, and as text the JSONL's contents/text or the TSV's terms. Throws InputError for
/// a malformed line (`file:line: what`: no tab, no terms, bad vector, repeated id), IoError when
/// the file cannot be read.
[[nodiscard]] std::vector<Query> read_impact_queries(const std::string& path);

/// Searches every query of `queries` with BM25 over `index`. Throws UsageError for bad
/// options: those check() finds, a k1 or b out of range, a field the index lacks.
[[nodiscard]] SearchResult search(const Index& index, std::span<const Query> queries,
                                  const SearchOptions& options = {});

}  // namespace cascade
