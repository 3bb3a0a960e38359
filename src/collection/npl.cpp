#include "collection/npl.hpp"

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

using collection_detail::append_words;
using collection_detail::is_digits;
using collection_detail::split_ws;
using collection_detail::strip_leading_zeros;
using collection_detail::trim;

bool SlashRecordReader::next(std::string& id, std::string& content) {
    id.clear();
    content.clear();
    while (m_reader.next(m_line)) {
        sanitize_utf8_inplace(m_line);
        std::string_view t = trim(m_line);
        if (id.empty()) {
            if (t.empty()) {
                continue;
            }
            if (!is_digits(t)) {
                m_reader.fail(fmt::format("field 'id': expected a record id line, got '{}'", t));
            }
            id = strip_leading_zeros(t);
            m_record_line = m_reader.line_number();
            continue;
        }
        if (t == "/") {
            return true;
        }
        append_words(content, t);
    }
    if (!id.empty()) {
        m_reader.fail(fmt::format("end of file inside record {} (missing '/' line)", id));
    }
    return false;
}

bool NplDocumentReader::next(Document& doc) {
    doc.title.clear();
    return m_records.next(doc.id, doc.text);
}

std::vector<Query> read_npl_queries(const std::string& path) {
    SlashRecordReader records(path);
    std::vector<Query> queries;
    Query q;
    while (records.next(q.id, q.text)) {
        if (q.text.empty()) {
            throw InputError(path, records.record_line(),
                             fmt::format("query {} has no text", q.id));
        }
        queries.push_back(q);
    }
    return queries;
}

Qrels read_npl_qrels(const std::string& path) {
    SlashRecordReader records(path);
    Qrels qrels;
    std::string qid;
    std::string content;
    std::vector<std::string_view> ids;
    while (records.next(qid, content)) {
        split_ws(content, ids);
        for (auto id : ids) {
            if (!is_digits(id)) {
                throw InputError(
                    path, records.record_line(),
                    fmt::format("field 'docid': query {}: '{}' is not an integer", qid, id));
            }
            qrels.by_query[qid][strip_leading_zeros(id)] = 1;
        }
    }
    return qrels;
}

}  // namespace cascade
