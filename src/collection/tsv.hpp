#pragma once
/// Tab-separated collections (MS MARCO `collection.tsv` style) and query files (Anserini
/// `topics.*.tsv[.gz]`, MS MARCO `queries.*.tsv`).

#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams `id<TAB>text` or `id<TAB>title<TAB>text` lines. A first line whose first field is
/// `id`, `_id`, `docid` or `doc_id` is a header naming the columns (`text`/`contents`,
/// `title`), which then may come in any order (DPR's `psgs_w100.tsv` is `id text title`).
/// Blank lines are skipped; a line with another number of fields is an InputError.
class TsvDocumentReader final : public DocumentReader {
public:
    explicit TsvDocumentReader(std::string path);
    bool next(Document& doc) override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_reader.bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_reader.file_size(); }
    [[nodiscard]] std::string location() const override;

private:
    bool read_header();

    LineReader m_reader;
    std::string m_line;
    std::vector<std::string_view> m_fields;
    std::size_t m_num_columns = 0;  ///< 0 until the first line fixed it (2 or 3, or header)
    int m_title_column = -1;
    int m_text_column = 1;
};

/// Reads `qid<TAB>text` lines (extra columns are an error; blank lines skipped). A first line
/// `qid|query_id|query-id|id<TAB>...` is taken as a header and skipped.
[[nodiscard]] std::vector<Query> read_tsv_queries(const std::string& path);

}  // namespace cascade
