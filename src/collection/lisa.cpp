#include "collection/lisa.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

namespace fs = std::filesystem;
using collection_detail::append_words;
using collection_detail::is_blank;
using collection_detail::is_digits;
using collection_detail::split_ws;
using collection_detail::strip_leading_zeros;
using collection_detail::trim;

namespace {

bool is_separator(std::string_view line) {
    std::string_view t = trim(line);
    return t.size() >= 10 && t.find_first_not_of('*') == std::string_view::npos;
}

/// The id of a `Document N` header line, "" when `line` is not a header.
std::string_view header_id(std::string_view line) {
    if (!line.starts_with("Document")) {
        return {};
    }
    return trim(line.substr(8));
}

}  // namespace

std::vector<std::string> LisaDocumentReader::document_files(const std::string& folder) {
    static const std::regex kName(R"(LISA\d\.\d{3})");
    if (!fs::is_directory(folder)) {
        throw InputError(folder, "LISA needs the collection folder (LISA0.001 ... LISA5.850)");
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.is_regular_file() && std::regex_match(entry.path().filename().string(), kName)) {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

LisaDocumentReader::LisaDocumentReader(const std::string& folder)
    : m_files(document_files(folder)) {
    if (m_files.empty()) {
        throw InputError(folder, "no LISA document files (LISA0.001 ... LISA5.850)");
    }
    for (const auto& f : m_files) {
        m_total_bytes += fs::file_size(f);
    }
    m_reader = std::make_unique<LineReader>(m_files[0]);
}

std::uint64_t LisaDocumentReader::bytes_consumed() const {
    return m_done_bytes + (m_reader ? m_reader->bytes_consumed() : 0);
}

bool LisaDocumentReader::next_line() {
    while (m_reader) {
        if (m_reader->next(m_line)) {
            sanitize_utf8_inplace(m_line);
            return true;
        }
        m_done_bytes += m_reader->file_size();
        m_reader.reset();
        if (++m_file_index < m_files.size()) {
            m_reader = std::make_unique<LineReader>(m_files[m_file_index]);
        }
    }
    return false;
}

/// Reads one record (header or not) up to its `*` line; returns false at the end of input.
bool LisaDocumentReader::read_record(Document& doc) {
    doc.id.clear();
    doc.title.clear();
    doc.text.clear();
    bool any = false;
    bool in_title = true;
    while (next_line()) {
        if (is_separator(m_line)) {
            return true;
        }
        if (!any && is_blank(m_line)) {
            continue;
        }
        std::string_view id = header_id(m_line);
        if (!any && !id.empty()) {
            if (!is_digits(id)) {
                m_reader->fail(fmt::format("field 'Document': expected a number, got '{}'", id));
            }
            doc.id = strip_leading_zeros(id);
            any = true;
            continue;
        }
        any = true;
        if (in_title && is_blank(m_line)) {
            in_title = false;
            continue;
        }
        append_words(in_title ? doc.title : doc.text, m_line);
    }
    if (any) {
        throw InputError(m_files.back(), "end of input inside a record (missing '****' line)");
    }
    return false;
}

bool LisaDocumentReader::next(Document& doc) {
    while (read_record(doc)) {
        std::string where = fmt::format("{}:{}", m_reader->path(), m_reader->line_number());
        if (doc.id.empty()) {
            m_warnings.push_back(
                fmt::format("{}: record without a 'Document N' header skipped", where));
            continue;
        }
        if (!m_seen.insert(doc.id).second) {
            m_warnings.push_back(fmt::format(
                "{}: duplicate document {} skipped (first occurrence kept)", where, doc.id));
            continue;
        }
        if (doc.text.empty()) {  // a record without the blank line: all of it is text
            std::swap(doc.title, doc.text);
        }
        return true;
    }
    return false;
}

std::vector<Query> read_lisa_queries(const std::string& path) {
    LineReader reader(path);
    std::vector<Query> queries;
    std::string line;
    Query q;
    std::size_t start = 0;
    while (reader.next(line)) {
        sanitize_utf8_inplace(line);
        std::string_view t = trim(line);
        if (q.id.empty()) {
            if (t.empty()) {
                continue;
            }
            if (!is_digits(t)) {
                reader.fail(fmt::format("field 'id': expected a query number, got '{}'", t));
            }
            q.id = strip_leading_zeros(t);
            start = reader.line_number();
            continue;
        }
        bool last = t.ends_with('#');
        append_words(q.text, last ? t.substr(0, t.size() - 1) : t);
        if (last) {
            queries.push_back(std::move(q));
            q = Query{};
        }
    }
    if (!q.id.empty()) {
        throw InputError(path, start, fmt::format("query {} does not end with '#'", q.id));
    }
    return queries;
}

Qrels read_lisa_qrels(const std::string& path) {
    LineReader reader(path);
    Qrels qrels;
    std::string line;
    std::vector<std::string_view> tokens;
    std::string qid;
    long remaining = -1;  // -1: expecting a qid; -2: expecting the count
    while (reader.next(line)) {
        split_ws(line, tokens);
        for (auto token : tokens) {
            if (!is_digits(token)) {
                reader.fail(fmt::format("expected an integer, got '{}'", token));
            }
            if (remaining == -1) {
                qid = strip_leading_zeros(token);
                remaining = -2;
            } else if (remaining == -2) {
                if (token.size() > 9) {
                    reader.fail(fmt::format("query {}: count '{}' is too large", qid, token));
                }
                remaining = std::stol(std::string(token));
                if (remaining == 0) {
                    remaining = -1;
                }
            } else {
                qrels.by_query[qid][strip_leading_zeros(token)] = 1;
                if (--remaining == 0) {
                    remaining = -1;
                }
            }
        }
    }
    if (remaining != -1) {
        reader.fail(fmt::format("query {}: the file ends before its judgments do", qid));
    }
    return qrels;
}

}  // namespace cascade
