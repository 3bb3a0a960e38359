#pragma once
/// Encoding collections and queries with a SPLADE model into the files learned-sparse
/// retrieval reads (docs/sparse.md): Anserini/Pyserini's JsonVectorCollection JSONL
/// (`{"id", "contents", "vector": {"term": weight}}`) for documents, and for queries the same
/// JSONL (`{"id", "vector"}`) or Anserini's pre-tokenised TSV (`qid<TAB>term term ...`, a term
/// written n times weighs n). `cascade index --impact-vectors` and `cascade search --impact`
/// read them, as Anserini and Pyserini do.

#include <cstdint>
#include <string>

#include <cascade/model.hpp>

namespace cascade {

/// Options of encode_sparse.
struct SparseEncodeOptions {
    ModelOptions model;           ///< the SPLADE (BertForMaskedLM) folder and its load options
    bool queries = false;         ///< the input is a query file (BEIR/JSONL, TSV, TREC topics)
    std::string format = "auto";  ///< collection format (documents), as `cascade index`
    /// Terms kept per text, by weight (0: every term with weight > 0).
    std::size_t top_k = 0;
    /// Weights written: 0 keeps floats; N > 0 writes round(weight x N) as integers and drops
    /// terms that round to 0 (Pyserini's SPLADE exports use N = 100). A TSV query output
    /// needs N > 0 (the count of repetitions).
    std::uint32_t scale = 0;
    std::size_t batch = 64;   ///< texts per model call
    std::size_t threads = 1;  ///< forward-pass threads
    bool progress = true;     ///< progress bar on stderr (terminals only)
};

/// What encode_sparse wrote.
struct SparseEncodeReport {
    std::uint64_t texts = 0;
    std::uint64_t terms = 0;  ///< (text, term) pairs written
    double seconds = 0.0;
};

/// Encodes every document (or query) of `input` and writes `output` atomically: JSONL, or
/// for queries a TSV when `output` ends in `.tsv`. InputError names a malformed input at its
/// line; UsageError a model folder that is not SPLADE or inconsistent options.
SparseEncodeReport encode_sparse(const std::string& input, const std::string& output,
                                 const SparseEncodeOptions& options);

}  // namespace cascade
