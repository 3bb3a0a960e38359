#pragma once
/// Reading and writing TREC qrels and runs (and BEIR qrels TSV). read_qrels, read_run and
/// write_run are public (cascade/collection.hpp); the qrels writers stay internal.

#include <string>

#include <cascade/collection.hpp>

#include "collection/types.hpp"

namespace cascade {

/// Writes TREC qrels (`qid 0 docid rel`), queries and documents in sorted order, atomically.
void write_qrels_trec(const std::string& path, const Qrels& qrels);

/// Writes BEIR qrels TSV with its `query-id corpus-id score` header, atomically.
void write_qrels_beir(const std::string& path, const Qrels& qrels);

}  // namespace cascade
