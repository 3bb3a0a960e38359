#pragma once
/// Streaming readers for document collections and query sets in the formats the field uses.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cascade/collection.hpp>

#include "collection/types.hpp"

namespace cascade {

/// Yields the documents of a collection one at a time, never holding the whole file.
class DocumentReader {
public:
    virtual ~DocumentReader() = default;
    /// Reads the next document into `doc`; returns false at the end. Malformed records throw
    /// InputError (`file:line: what`). Invalid UTF-8 is replaced with U+FFFD, not fatal.
    virtual bool next(Document& doc) = 0;
    /// Moves past the next record without building it; returns false at the end. Counts
    /// records as next() does, but a format may skip without checking the record (JSONL does
    /// not parse it), so only a reader of every record sees every malformed one.
    virtual bool skip() {
        Document ignored;
        return next(ignored);
    }
    /// Bytes of input consumed so far and in total (for progress bars; 0 total = unknown).
    [[nodiscard]] virtual std::uint64_t bytes_consumed() const = 0;
    [[nodiscard]] virtual std::uint64_t total_bytes() const = 0;
    /// Where the record last returned by next() starts, for error messages about it:
    /// "path:line" for line-based formats (JSONL, TSV, TREC, SMART); empty for formats whose
    /// records have no single line, where callers name the record by its ordinal instead.
    [[nodiscard]] virtual std::string location() const { return {}; }
    /// Problems repaired or skipped while reading so far (duplicate ids kept once, stray
    /// fragments, repeated field markers), one human-readable line each.
    [[nodiscard]] const std::vector<std::string>& warnings() const { return m_warnings; }

protected:
    std::vector<std::string> m_warnings;
};

/// Opens a collection. `format` is one of: auto, beir (a BEIR folder or its corpus.jsonl),
/// jsonl, tsv, trec (`<DOC>` SGML files), smart (any `.I` file), and the classic collections
/// cisi, cranfield, medline, adi, npl, lisa, time (path = their folder in ../shared/data, see
/// collection/classic.hpp). "auto" picks from the path: a folder with corpus.jsonl[.gz] is
/// BEIR, a folder holding a classic collection's files is that collection, *.jsonl[.gz] is
/// JSONL, *.tsv[.gz] is TSV, other files are sniffed (`{` JSONL, `<` TREC, `.I` SMART, else
/// TSV). Unknown format names throw UsageError listing the accepted ones.
[[nodiscard]] std::unique_ptr<DocumentReader> open_documents(const std::string& path,
                                                             std::string_view format = "auto");

/// Reads the judgments that belong to a collection: for a BEIR folder `qrels/<split>.tsv`, for
/// a classic collection folder its own qrels with their quirks (collection/classic.hpp), for a
/// file TREC qrels or BEIR TSV (read_qrels). Judgments dropped on the way are described in
/// `warnings` when given. A BEIR folder without that split is an InputError.
[[nodiscard]] Qrels read_collection_qrels(const std::string& path, std::string_view format = "auto",
                                          const std::string& split = "test",
                                          std::vector<std::string>* warnings = nullptr);

/// The concrete format that `format` names for `path`: "auto" is resolved as open_documents
/// (or, with `queries`, read_queries) would resolve it; other names are returned unchanged.
[[nodiscard]] std::string resolve_format(const std::string& path, std::string_view format,
                                         bool queries = false);

}  // namespace cascade
