#pragma once
/// Plain BM25 search as a pipeline: the implicit pipeline `first_stage: {type: bm25, ...}`.
/// `cascade search` builds it and runs it through the runner (and the HTTP service's plain
/// search is meant to), so BM25 from the command line and BM25 in a pipeline file are one
/// code path: the registry's `bm25` stage, with the same defaults (retrieve::Bm25Params).

#include <cstddef>
#include <string>
#include <vector>

#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "retrieve/bm25_retriever.hpp"

namespace cascade::pipeline {

/// The keys of the `bm25` stage, typed. Defaults are the stage's.
struct Bm25StageSpec {
    retrieve::Bm25Params params;  ///< k1, b; Anserini's defaults
    retrieve::Algorithm algorithm = retrieve::Algorithm::maxscore;
    /// Fields searched and their weights; empty = every field of the index, weight 1.
    std::vector<retrieve::FieldWeight> fields;
    std::size_t k = 1000;          ///< hits per query
    bool remove_query = false;     ///< drop hits whose document id is the query id
    std::string name = "cascade";  ///< the pipeline's name: the run tag
};

/// The pipeline file text of `spec`: `name`, then `first_stage` with every key of the bm25
/// stage. Every value reads back exactly: k1, b and field weights as decimals that the stage
/// rounds back to the same floats, the name double-quoted.
[[nodiscard]] std::string bm25_pipeline_yaml(const Bm25StageSpec& spec);

/// Builds the one-stage BM25 pipeline of `spec` over `index` (Pipeline::parse of
/// bm25_pipeline_yaml). Checks `spec` first and throws UsageError with Bm25Retriever's own
/// messages (bad k1 or b, a field the index lacks) or for k = 0, so that callers report it as
/// an error in their options. A k above the index's document count is lowered to it (no
/// query has more hits). `threads` is Pipeline::parse's.
[[nodiscard]] Pipeline bm25_pipeline(const index::Index& index, const Bm25StageSpec& spec,
                                     unsigned threads = 1);

}  // namespace cascade::pipeline
