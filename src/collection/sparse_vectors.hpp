#pragma once
/// Learned-sparse vectors as Anserini and Pyserini exchange them (docs/sparse.md):
///
/// - documents: Anserini's JsonVectorCollection, one JSON object per line,
///   `{"id": "...", "contents": "...", "vector": {"term": weight, ...}}` (`docid` or `_id` also
///   name the id; `text` may stand for `contents`), plain or gzipped;
/// - queries: Anserini's pre-tokenised TSV, `qid<TAB>term term term ...`, where a term written
///   n times has weight n (how Anserini's SPLADE and uniCOIL regressions ship their queries), or
///   JSONL `{"id", "vector": {...}}` with an optional `contents`/`text`.
///
/// Weights may be integers or floats. Everything a user can get wrong is an InputError at
/// `file:line` naming the field: malformed JSON, a missing or empty id, a missing, empty or
/// non-object vector, a non-numeric, negative or non-finite weight (JSON has no NaN, so a
/// Python-written `NaN`/`Infinity` is named as such), a term written twice, an empty term or
/// one containing whitespace (Anserini joins the terms with spaces into a pseudo-document, and
/// the TSV queries separate them by whitespace, so such a term could never be matched).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collection/reader.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// One sparse vector: distinct terms in file order and their weights as written.
struct SparseVector {
    std::vector<std::string> terms;
    std::vector<double> weights;  ///< finite, >= 0, one per term
    /// Every weight is a whole number (an integer literal, or a float such as 3.0).
    bool integral = true;

    [[nodiscard]] std::size_t size() const { return terms.size(); }
    void clear() {
        terms.clear();
        weights.clear();
        integral = true;
    }
};

/// One line of a JsonVectorCollection (a document) or of a query-vector file.
struct SparseRecord {
    std::string id;
    std::string contents;  ///< `contents` or `text`; "" when absent or null
    SparseVector vector;
};

/// Streams a JsonVectorCollection file (plain or .gz) one record at a time. Blank lines are
/// skipped; keys other than the id, contents/text and vector are ignored. Invalid UTF-8 is
/// replaced with U+FFFD before parsing, as every JSONL reader of cascade does. Duplicate ids
/// are not checked here (the index builder does, with the line of both).
class SparseVectorReader {
public:
    explicit SparseVectorReader(std::string path);

    /// Reads the next record; false at the end. Throws InputError (`path:line: what`).
    bool next(SparseRecord& record);

    [[nodiscard]] const std::string& path() const { return m_reader.path(); }
    /// 1-based line of the record last returned.
    [[nodiscard]] std::size_t line_number() const { return m_reader.line_number(); }
    /// "path:line" of the record last returned.
    [[nodiscard]] std::string location() const;
    [[nodiscard]] std::uint64_t bytes_consumed() const { return m_reader.bytes_consumed(); }
    [[nodiscard]] std::uint64_t total_bytes() const { return m_reader.file_size(); }
    /// Throws InputError located at the record last returned.
    [[noreturn]] void fail(std::string_view what) const { m_reader.fail(what); }

private:
    LineReader m_reader;
    std::string m_line;
};

/// A JsonVectorCollection read as a text collection: each record's id, and its contents as the
/// document text (no title), so a BM25 index over the same documents can be built from the file
/// that carries their vectors (`cascade index --impact-vectors FILE` without --collection).
class SparseCollectionReader final : public DocumentReader {
public:
    explicit SparseCollectionReader(std::string path) : m_reader(std::move(path)) {}
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_reader.bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_reader.total_bytes(); }
    [[nodiscard]] std::string location() const override { return m_reader.location(); }

private:
    SparseVectorReader m_reader;
    SparseRecord m_record;
};

/// Pre-tokenised text as a sparse vector: whitespace-separated terms in order of first
/// occurrence, each weighing its number of occurrences (Anserini's TSV queries, where a term
/// written n times has weight n). Empty text gives an empty vector.
[[nodiscard]] SparseVector parse_pretokenized(std::string_view text);

/// Reads a query-vector file: JSONL when its first non-blank character is `{`, else Anserini's
/// pre-tokenised TSV (terms in order of first occurrence, weight = occurrences; `contents` is
/// the term text as written). Throws InputError for a malformed line, a query without terms
/// and a query id given twice; IoError when the file cannot be read.
[[nodiscard]] std::vector<SparseRecord> read_sparse_queries(const std::string& path);

}  // namespace cascade
