#pragma once
/// Reading and writing what a collection is made of: query sets, relevance judgments, runs,
/// and whole collections converted to the BEIR layout.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/types.hpp>

namespace cascade {

/// Reads a query set: BEIR/JSONL queries (`_id`/`text`), TSV (`qid<TAB>text`), TREC topics
/// (`<top>` SGML, title field), or a classic collection's query file. `format` is auto, beir,
/// jsonl, tsv, trec, smart or a classic collection's name (cisi, cranfield, medline, adi, npl,
/// lisa, time); "auto" picks from the path and, for files, their first bytes. Unknown format
/// names throw UsageError listing the accepted ones; malformed records InputError.
[[nodiscard]] std::vector<Query> read_queries(const std::string& path,
                                              std::string_view format = "auto");

/// Reads relevance judgments. Accepts TREC qrels (`qid iter docid rel`, whitespace separated)
/// and BEIR qrels TSV (`query-id<TAB>corpus-id<TAB>score`, with or without its header line).
/// Lines starting with `#` are comments (trec_eval's get_qrels.c). A repeated (qid, docid) pair
/// is an InputError naming the line and the pair (trec_eval stops with "duplicate docs").
/// Malformed lines throw InputError naming the file, line and field.
[[nodiscard]] Qrels read_qrels(const std::string& path);

/// Reads a TREC run: `qid Q0 docid rank score tag` (whitespace separated; the tag may be
/// missing). Blank lines and lines whose first non-blank character is `#` are skipped. The run's
/// tag is the last line's, as trec_eval reports it. Entries are kept in file order; duplicates
/// are kept for the evaluator to judge.
[[nodiscard]] Run read_run(const std::string& path);

/// Writes a TREC run atomically. Entries are written per query in the order given, ranks are
/// renumbered from 1, scores printed with enough digits to round-trip ordering.
void write_run(const std::string& path, const Run& run);

/// What to convert. Documents come from `input` read as `format` (read_queries' format names);
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

/// Writes any supported collection as the BEIR folder `output` (`corpus.jsonl`,
/// `queries.jsonl`, `qrels/<split>.tsv`; Thakur et al. 2021, arXiv:2104.08663), atomically
/// (built under a temporary sibling, renamed on success; an existing folder is replaced only
/// then). Streams documents; holds queries, qrels and the set of document ids. Documents whose
/// id was already written are skipped with a warning. `on_document(count)` is called after
/// each document written (for progress).
ConvertReport convert_to_beir(const ConvertOptions& options, const std::string& output,
                              const std::function<void(std::uint64_t)>& on_document = {});

/// Reads JSONL lines that each hold every key of `keys` as a non-blank string, returning the
/// values in key order, one row per line; blank lines are skipped. Plain or gzip. Malformed
/// JSON, a missing or non-string field and a blank value are InputErrors at `file:line`.
[[nodiscard]] std::vector<std::vector<std::string>> read_jsonl_strings(
    const std::string& path, const std::vector<std::string>& keys);

}  // namespace cascade
