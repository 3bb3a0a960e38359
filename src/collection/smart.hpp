#pragma once
/// The SMART record format of CISI, Cranfield, MEDLINE, ADI (and CACM): each record opens with
/// `.I <id>`, followed by field markers on their own lines (`.T` title, `.A` authors, `.B`
/// bibliographic source, `.W` text, `.X` cross references, ...) and the field's lines.
///
/// Format: G. Salton, "The SMART Retrieval System" (1971); files as distributed on
/// E. Fox's Virginia Disc 1 and the Glasgow IR group's test collection page.

#include <array>
#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "collection/types.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// One SMART record: its `.I` id (numeric ids without leading zeros: cran.qry writes `.I 001`
/// while every qrels file writes 1) and the text of each field, lines joined by single spaces.
struct SmartRecord {
    std::string id;
    std::size_t line = 0;                ///< line number of the `.I` line
    std::array<std::string, 26> fields;  ///< by field letter, 'A'..'Z'

    [[nodiscard]] const std::string& field(char letter) const { return fields[letter - 'A']; }
};

/// Streams SMART records. A field marker that repeats inside one record does not start a new
/// field: the text that follows continues the current field. That joins CISI's one `.A` per
/// author silently, and keeps Cranfield 240's abstract whole (it holds stray `.A`/`.B` lines);
/// a repeat of a field other than the current one (Cranfield 240, ADI 67) is also recorded as
/// a warning. Text before
/// the first `.I`, a `.I` without id, or text before any field marker is an InputError.
class SmartRecordReader {
public:
    explicit SmartRecordReader(std::string path);
    bool next(SmartRecord& record);
    [[nodiscard]] const LineReader& lines() const { return m_reader; }
    [[nodiscard]] std::vector<std::string>& warnings() { return m_warnings; }

private:
    void start_record(SmartRecord& record);

    LineReader m_reader;
    std::string m_line;
    bool m_pending = false;  ///< m_line holds the `.I` line of the next record
    std::vector<std::string> m_warnings;
};

/// Documents from a SMART file: title = `.T`, text = `.W` (authors, source and cross
/// references are not indexed; Cranfield's `.W` repeats the title, as distributed).
class SmartDocumentReader final : public DocumentReader {
public:
    explicit SmartDocumentReader(std::string path) : m_records(std::move(path)) {}
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_records.lines().bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override {
        return m_records.lines().file_size();
    }
    /// The line of the record's `.I`.
    [[nodiscard]] std::string location() const override;

private:
    SmartRecordReader m_records;
    SmartRecord m_record;
};

/// Queries from a SMART file: text = `.W` (or `.T` when `.W` is empty; a query with neither is
/// an InputError). With `ids_by_position` the n-th query gets id "n" instead of its `.I`
/// (Cranfield's qrels number queries 1..225 in file order while `.I` runs 1, 2, 4, 8, ...).
[[nodiscard]] std::vector<Query> read_smart_queries(const std::string& path,
                                                    bool ids_by_position = false);

/// Reads `qid docid ...` lines (CISI.REL, ADI.REL: `qid docid 0 0.000000`), every pair
/// relevant with grade 1. Both ids must be integers; they are stored without leading zeros.
[[nodiscard]] Qrels read_pair_qrels(const std::string& path);

}  // namespace cascade
