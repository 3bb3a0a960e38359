#pragma once
/// The NPL (Vaswani) collection's record layout, shared by `doc-text`, `query-text` and
/// `rlv-ass`: an id line, content lines, then a line holding only `/` (documents pad it to
/// `   /`). Counts and layout as in ../shared/data/npl/SOURCE.md and ir_datasets `vaswani`.

#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "collection/types.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams slash-terminated records: `id` is the first non-blank line (must be an integer),
/// `lines` the content lines up to the `/` line. A file that ends inside a record is an
/// InputError at its last line.
class SlashRecordReader {
public:
    explicit SlashRecordReader(std::string path) : m_reader(std::move(path)) {}
    bool next(std::string& id, std::string& content);
    [[nodiscard]] const LineReader& lines() const { return m_reader; }
    [[nodiscard]] std::size_t record_line() const { return m_record_line; }

private:
    LineReader m_reader;
    std::string m_line;
    std::size_t m_record_line = 0;
};

/// NPL documents (`doc-text`): no title; the lines joined by spaces are the text.
class NplDocumentReader final : public DocumentReader {
public:
    explicit NplDocumentReader(std::string path) : m_records(std::move(path)) {}
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_records.lines().bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override {
        return m_records.lines().file_size();
    }

private:
    SlashRecordReader m_records;
};

/// NPL queries (`query-text`, upper case as distributed).
[[nodiscard]] std::vector<Query> read_npl_queries(const std::string& path);

/// NPL judgments (`rlv-ass`): each record lists the relevant doc ids of one query (grade 1).
[[nodiscard]] Qrels read_npl_qrels(const std::string& path);

}  // namespace cascade
