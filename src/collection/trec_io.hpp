#pragma once
/// Reading and writing TREC qrels and runs (and BEIR qrels TSV).

#include <string>

#include "collection/types.hpp"

namespace cascade {

/// Reads relevance judgments. Accepts TREC qrels (`qid iter docid rel`, whitespace separated)
/// and BEIR qrels TSV (`query-id<TAB>corpus-id<TAB>score`, with or without its header line).
/// Lines starting with `#` are comments (trec_eval's get_qrels.c). A repeated (qid, docid) pair
/// is an InputError naming the line and the pair (trec_eval stops with "duplicate docs").
/// Malformed lines throw InputError naming the file, line and field.
[[nodiscard]] Qrels read_qrels(const std::string& path);

/// Writes TREC qrels (`qid 0 docid rel`), queries and documents in sorted order, atomically.
void write_qrels_trec(const std::string& path, const Qrels& qrels);

/// Writes BEIR qrels TSV with its `query-id corpus-id score` header, atomically.
void write_qrels_beir(const std::string& path, const Qrels& qrels);

/// Reads a TREC run: `qid Q0 docid rank score tag` (whitespace separated; the tag may be
/// missing). Blank lines and lines whose first non-blank character is `#` are skipped. The run's
/// tag is the last line's, as trec_eval reports it. Entries are kept in file order; duplicates
/// are kept for the evaluator to judge.
[[nodiscard]] Run read_run(const std::string& path);

/// Writes a TREC run atomically. Entries are written per query in the order given, ranks are
/// renumbered from 1, scores printed with enough digits to round-trip ordering.
void write_run(const std::string& path, const Run& run);

}  // namespace cascade
