#pragma once
/// The TIME magazine collection (1963 articles; from Ed Fox's Virginia Disc 1, via
/// R. Krovetz): `*TEXT` articles, `*FIND` queries and judgments by article position. Quirks
/// as in ../shared/data/time/SOURCE.md.

#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "collection/types.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams TIME.ALL: each article opens with `*TEXT NNN MM/DD/YY PAGE NNN`; the id is the
/// TEXT number as written (e.g. "017"); the text runs to the next `*TEXT` or `*STOP`.
/// Articles have no title.
class TimeDocumentReader final : public DocumentReader {
public:
    explicit TimeDocumentReader(std::string path) : m_reader(std::move(path)) {}
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_reader.bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_reader.file_size(); }

private:
    LineReader m_reader;
    std::string m_line;
    bool m_pending = false;  ///< m_line holds the next `*TEXT` header
    bool m_stopped = false;
};

/// TIME.QUE: `*FIND n` then the query text, up to the next `*FIND` or `*STOP`.
[[nodiscard]] std::vector<Query> read_time_queries(const std::string& path);

/// TIME.REL: `qid pos pos ...` per line, where pos is the 1-based position of an article in
/// TIME.ALL (not its TEXT number). `doc_ids` lists the articles' ids in file order; positions
/// past its end (3 in the distributed file, which lacks 2 of the README's 425 articles) are
/// dropped with a warning.
[[nodiscard]] Qrels read_time_qrels(const std::string& path,
                                    const std::vector<std::string>& doc_ids,
                                    std::vector<std::string>& warnings);

}  // namespace cascade
