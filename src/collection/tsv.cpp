#include "collection/tsv.hpp"

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

using collection_detail::is_blank;
using collection_detail::split_on;
using collection_detail::trim;

TsvDocumentReader::TsvDocumentReader(std::string path) : m_reader(std::move(path)) {}

bool TsvDocumentReader::read_header() {
    split_on(m_line, '\t', m_fields);
    std::string_view first = trim(m_fields[0]);
    if (first != "id" && first != "_id" && first != "docid" && first != "doc_id") {
        return false;
    }
    m_text_column = -1;
    for (std::size_t i = 1; i < m_fields.size(); ++i) {
        std::string_view name = trim(m_fields[i]);
        if (name == "text" || name == "contents" || name == "passage" || name == "body") {
            m_text_column = static_cast<int>(i);
        } else if (name == "title") {
            m_title_column = static_cast<int>(i);
        }
    }
    if (m_text_column < 0) {
        m_reader.fail(
            "header: no 'text' column (expected e.g. 'id<TAB>text' or "
            "'id<TAB>title<TAB>text')");
    }
    m_num_columns = m_fields.size();
    return true;
}

bool TsvDocumentReader::next(Document& doc) {
    while (m_reader.next(m_line)) {
        if (is_blank(m_line)) {
            continue;
        }
        sanitize_utf8_inplace(m_line);
        if (m_reader.line_number() == 1 && read_header()) {
            continue;
        }
        split_on(m_line, '\t', m_fields);
        if (m_num_columns == 0) {
            if (m_fields.size() != 2 && m_fields.size() != 3) {
                m_reader.fail(fmt::format(
                    "expected 'id<TAB>text' or 'id<TAB>title<TAB>text', got {} field(s)",
                    m_fields.size()));
            }
            m_num_columns = m_fields.size();
            m_title_column = m_num_columns == 3 ? 1 : -1;
            m_text_column = m_num_columns == 3 ? 2 : 1;
        }
        if (m_fields.size() != m_num_columns) {
            m_reader.fail(
                fmt::format("expected {} tab-separated fields like the first line, "
                            "got {}",
                            m_num_columns, m_fields.size()));
        }
        std::string_view id = trim(m_fields[0]);
        if (id.empty()) {
            m_reader.fail("field 'id': empty");
        }
        doc.id.assign(id);
        doc.title = m_title_column >= 0 ? std::string(trim(m_fields[m_title_column])) : "";
        doc.text.assign(trim(m_fields[m_text_column]));
        return true;
    }
    return false;
}

std::vector<Query> read_tsv_queries(const std::string& path) {
    LineReader reader(path);
    std::vector<Query> queries;
    std::string line;
    std::vector<std::string_view> fields;
    while (reader.next(line)) {
        if (is_blank(line)) {
            continue;
        }
        sanitize_utf8_inplace(line);
        split_on(line, '\t', fields);
        std::string_view id = trim(fields[0]);
        if (reader.line_number() == 1 &&
            (id == "qid" || id == "query_id" || id == "query-id" || id == "id")) {
            continue;
        }
        if (fields.size() != 2) {
            reader.fail(fmt::format("expected 'qid<TAB>text', got {} field(s)", fields.size()));
        }
        if (id.empty()) {
            reader.fail("field 'qid': empty");
        }
        queries.push_back(Query{std::string(id), std::string(trim(fields[1]))});
    }
    return queries;
}

std::string TsvDocumentReader::location() const {
    return fmt::format("{}:{}", m_reader.path(), m_reader.line_number());
}

}  // namespace cascade
