#pragma once
/// The classic SMART-era test collections in ../shared/data: CISI, Cranfield, MEDLINE, ADI
/// (SMART `.I` records), NPL (slash-terminated records), LISA and TIME (custom layouts).
/// Each exposes documents, queries and qrels with the quirks of its SOURCE.md honoured.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collection/reader.hpp"
#include "collection/types.hpp"

namespace cascade {

/// True for: smart, cisi, cranfield, medline, adi, npl, lisa, time.
[[nodiscard]] bool is_classic_format(std::string_view name);

/// Recognises a classic collection folder by its file names (CISI.ALL, cran.all.1400, ...);
/// returns the format name or "" when the folder is none of them.
[[nodiscard]] std::string detect_classic(const std::string& dir);

/// Opens the documents of a classic collection. `path` is the collection folder or, for the
/// SMART family and NPL, the document file itself.
[[nodiscard]] std::unique_ptr<DocumentReader> open_classic_documents(const std::string& path,
                                                                     std::string_view format);

/// Reads the queries of a classic collection (`path`: folder or query file), with the ids the
/// collection's qrels use (Cranfield: position in cran.qry, not `.I`).
[[nodiscard]] std::vector<Query> read_classic_queries(const std::string& path,
                                                      std::string_view format);

/// Reads the qrels of a classic collection folder. Judgments the collection cannot honour
/// (Cranfield code -1, TIME positions past the last article) are dropped with a line in
/// `warnings`.
[[nodiscard]] Qrels read_classic_qrels(const std::string& dir, std::string_view format,
                                       std::vector<std::string>& warnings);

}  // namespace cascade
