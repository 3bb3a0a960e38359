#pragma once
/// Token-level parts of an index, encoded from its stored documents by a model folder:
/// ColBERT token vectors for the `maxsim` stage, TILDEv2 token weights for the `tilde` stage
/// (docs/token.md). Each part is written beside the index atomically and bound to it (document
/// count and ids): reordering or rebuilding the index means adding the part again.

#include <cstdint>
#include <filesystem>
#include <string>

#include <cascade/model.hpp>

namespace cascade {

/// Options of add_colbert_part / add_tilde_part.
struct TokenIndexOptions {
    /// The model folder (ColBERT: an HF_ColBERT folder; TILDE: a TILDEv2 folder), with its
    /// load options (max_length: ColBERT doc_maxlen, TILDE passage length; 0: the model's).
    ModelOptions model;
    /// ColBERT only: "fp16" (2 bytes per dimension) or "int8" (1 byte + a 4-byte scale per
    /// token).
    std::string codec = "fp16";
    /// TILDE only: expand every document before weighting it, as TILDEv2 is indexed
    /// (docs/token.md): a TILDE expansion model (a BertLMHeadModel folder such as
    /// ielab/TILDE; empty dir: no expansion) ...
    ModelOptions expansion;
    /// ... adding the top `expansion_terms` tokens of its vocabulary distribution that are
    /// neither in the passage nor stop words or symbols (m; counted before that filter).
    std::size_t expansion_terms = 200;
    /// ... or expansions made elsewhere: ielab/TILDE expansion.py's output (JSONL, one
    /// {"pid": id, "psg": [token ids]} per document of the index, the whole expanded
    /// passage's ids; excludes `expansion`).
    std::filesystem::path expansion_file;
    std::size_t threads = 1;  ///< forward-pass threads
    bool progress = true;     ///< progress bar on stderr (terminals only)
};

/// What an add_*_part call wrote.
struct TokenIndexReport {
    std::uint32_t num_docs = 0;
    std::uint64_t tokens = 0;  ///< vectors (ColBERT) or (token, weight) pairs (TILDE)
    std::uint32_t dim = 0;     ///< ColBERT only
    std::uint64_t bytes = 0;   ///< files of the part
    std::string model;         ///< what the part records: "model <fingerprint> <folder>"
    /// TILDE: how the documents were expanded, as recorded ("" for none):
    /// "tilde m=<M> model <fingerprint> <folder>" or "file <path>".
    std::string expansion;
    double seconds = 0.0;
};

/// Encodes every document of the index in `dir` ("title text") with the ColBERT model and
/// writes the multivector part. UsageError for a folder that is not ColBERT or a bad codec.
TokenIndexReport add_colbert_part(const std::filesystem::path& dir,
                                  const TokenIndexOptions& options);

/// Encodes every document with the TILDEv2 model and writes the TILDE part (per distinct
/// token, its weight, quantised to 8 bits over the collection's largest). With
/// options.expansion or options.expansion_file, each document is expanded first and the part
/// records how (TildeStore::expansion). UsageError for a folder of the wrong kind, both
/// expansion sources, expansion_terms 0 or vocabularies that differ; InputError naming file
/// and line for a bad expansion line or a document without one.
TokenIndexReport add_tilde_part(const std::filesystem::path& dir, const TokenIndexOptions& options);

}  // namespace cascade
