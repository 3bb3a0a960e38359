#pragma once
/// TREC SGML document files (`<DOC><DOCNO> id </DOCNO> ... </DOC>`), the layout of the TREC
/// disks 4-5 (Robust04), AQUAINT and many other ad hoc collections; Anserini reads them with
/// its TrecCollection.

#include <string>

#include "collection/reader.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams `<DOC>` records. The id is the `<DOCNO>` content (trimmed); the text is everything
/// else inside the record with SGML/HTML tags removed and whitespace collapsed, in the spirit
/// of Anserini's TrecCollection, which strips markup from the whole record. There is no
/// title. A record without `<DOCNO>`, text outside a record, or a file ending inside a record
/// is an InputError.
class TrecDocumentReader final : public DocumentReader {
public:
    explicit TrecDocumentReader(std::string path) : m_reader(std::move(path)) {}
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_reader.bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_reader.file_size(); }
    /// The line of the record's `<DOC>` tag.
    [[nodiscard]] std::string location() const override;

private:
    LineReader m_reader;
    std::string m_line;
    std::size_t m_record_line = 0;
};

}  // namespace cascade
