#pragma once
/// LISA (Library and Information Science Abstracts, 1982; P. Willett, Sheffield): 14 document
/// files concatenated in name order, a query file and numeric judgments. Quirks as in
/// ../shared/data/lisa/SOURCE.md.

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "collection/reader.hpp"
#include "collection/types.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams LISA records across `LISA<d>.<ddd>` files in name order. A record is
/// `Document N`, title lines, a blank line, abstract lines, and a line of `*`. As distributed,
/// the LISA1.501/LISA2.001 boundary repeats ids 1998-2001 and leaves one record fragment
/// without a header: the first occurrence of an id is kept, later ones and headerless
/// fragments are skipped with a warning (6,004 records give 5,999 documents).
class LisaDocumentReader final : public DocumentReader {
public:
    /// `folder` holds the LISA files; an empty folder is an InputError.
    explicit LisaDocumentReader(const std::string& folder);
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override;
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_total_bytes; }

    /// The document files of `folder` in the order they are read.
    [[nodiscard]] static std::vector<std::string> document_files(const std::string& folder);

private:
    bool next_line();
    bool read_record(Document& doc);

    std::vector<std::string> m_files;
    std::size_t m_file_index = 0;
    std::unique_ptr<LineReader> m_reader;
    std::string m_line;
    std::uint64_t m_done_bytes = 0;
    std::uint64_t m_total_bytes = 0;
    std::unordered_set<std::string> m_seen;
};

/// LISA.QUE: a query id on its own line, then text lines, the last ending in ` #`.
[[nodiscard]] std::vector<Query> read_lisa_queries(const std::string& path);

/// LISARJ.NUM: whitespace-separated `qid count docid...` groups, wrapped over lines; every
/// listed document is relevant (grade 1). LISA.REL is damaged upstream and is not read.
[[nodiscard]] Qrels read_lisa_qrels(const std::string& path);

}  // namespace cascade
