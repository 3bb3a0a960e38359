#include "collection/time_magazine.hpp"

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

using collection_detail::append_words;
using collection_detail::is_blank;
using collection_detail::is_digits;
using collection_detail::split_ws;
using collection_detail::strip_leading_zeros;

namespace {

/// The second whitespace token of a `*TEXT 017 ...` / `*FIND  1` line.
std::string header_number(const LineReader& reader, std::string_view line, std::string_view tag) {
    std::vector<std::string_view> f;
    split_ws(line, f);
    if (f.size() < 2 || !is_digits(f[1])) {
        reader.fail(fmt::format("field '{}': expected '{} <number>', got '{}'", tag, tag, line));
    }
    return std::string(f[1]);
}

}  // namespace

bool TimeDocumentReader::next(Document& doc) {
    if (m_stopped) {
        return false;
    }
    while (!m_pending) {
        if (!m_reader.next(m_line)) {
            return false;
        }
        if (m_line.starts_with("*TEXT")) {
            m_pending = true;
        } else if (m_line.starts_with("*STOP")) {
            m_stopped = true;
            return false;
        } else if (!is_blank(m_line)) {
            m_reader.fail("expected an article header '*TEXT <number> ...'");
        }
    }
    doc.id = header_number(m_reader, m_line, "*TEXT");
    doc.title.clear();
    doc.text.clear();
    m_pending = false;
    while (m_reader.next(m_line)) {
        if (m_line.starts_with("*TEXT")) {
            m_pending = true;
            break;
        }
        if (m_line.starts_with("*STOP")) {
            m_stopped = true;
            break;
        }
        sanitize_utf8_inplace(m_line);
        append_words(doc.text, m_line);
    }
    return true;
}

std::vector<Query> read_time_queries(const std::string& path) {
    LineReader reader(path);
    std::vector<Query> queries;
    std::string line;
    while (reader.next(line)) {
        if (line.starts_with("*STOP")) {
            break;
        }
        if (line.starts_with("*FIND")) {
            queries.push_back(Query{strip_leading_zeros(header_number(reader, line, "*FIND")), ""});
            continue;
        }
        if (is_blank(line)) {
            continue;
        }
        if (queries.empty()) {
            reader.fail("expected a query header '*FIND <number>'");
        }
        sanitize_utf8_inplace(line);
        append_words(queries.back().text, line);
    }
    for (const auto& q : queries) {
        if (q.text.empty()) {
            throw InputError(path, fmt::format("query {} has no text", q.id));
        }
    }
    return queries;
}

Qrels read_time_qrels(const std::string& path, const std::vector<std::string>& doc_ids,
                      std::vector<std::string>& warnings) {
    LineReader reader(path);
    Qrels qrels;
    std::string line;
    std::vector<std::string_view> f;
    while (reader.next(line)) {
        split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        for (auto field : f) {
            if (!is_digits(field) || field.size() > 9) {
                reader.fail(fmt::format("expected integers 'qid pos pos ...', got '{}'", field));
            }
        }
        std::string qid = strip_leading_zeros(f[0]);
        for (std::size_t i = 1; i < f.size(); ++i) {
            std::size_t pos = std::stoul(std::string(f[i]));
            if (pos == 0 || pos > doc_ids.size()) {
                warnings.push_back(fmt::format(
                    "{}:{}: query {}: article position {} is past the {} articles of the "
                    "collection; judgment dropped",
                    path, reader.line_number(), qid, pos, doc_ids.size()));
                continue;
            }
            qrels.by_query[qid][doc_ids[pos - 1]] = 1;
        }
    }
    return qrels;
}

}  // namespace cascade
