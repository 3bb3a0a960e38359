#pragma once
/// Conversion of any supported collection into a BEIR folder (`corpus.jsonl`,
/// `queries.jsonl`, `qrels/<split>.tsv`), the layout of Thakur et al. 2021 (arXiv:2104.08663).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cascade {

/// What to convert. Documents come from `input` read as `format` (open_documents names);
/// queries and qrels come from `queries` / `qrels` when given, else from the input itself
/// (classic collections: their own files; BEIR folders: queries.jsonl and qrels/<split>.tsv).
struct ConvertOptions {
    std::string format = "auto";
    std::string input;
    std::string queries;  ///< optional query file (format detected)
    std::string qrels;    ///< optional TREC qrels or BEIR qrels TSV
    std::string split = "test";
};

/// Counts of what was written, and the problems met on the way.
struct ConvertReport {
    std::string format;  ///< the resolved input format
    std::uint64_t documents = 0;
    std::uint64_t duplicate_documents = 0;  ///< skipped: later records reusing an id
    std::uint64_t queries = 0;
    std::uint64_t judged_queries = 0;  ///< queries with at least one judgment
    std::uint64_t qrels_pairs = 0;
    std::uint64_t qrels_unknown_documents = 0;  ///< pairs whose document is not in the corpus
    std::uint64_t qrels_unknown_queries = 0;    ///< judged queries missing from the queries
    std::vector<std::string> warnings;
};

/// Writes the BEIR folder at `output` atomically (built under a temporary sibling, renamed on
/// success; an existing folder is replaced only then). Streams documents; holds queries,
/// qrels and the set of document ids. Documents whose id was already written are skipped with
/// a warning. `on_document(count)` is called after each document written (for progress).
ConvertReport convert_to_beir(const ConvertOptions& options, const std::string& output,
                              const std::function<void(std::uint64_t)>& on_document = {});

}  // namespace cascade
