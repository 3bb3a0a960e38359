#include "collection/smart.hpp"

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

using collection_detail::append_words;
using collection_detail::is_digits;
using collection_detail::is_space;
using collection_detail::split_ws;
using collection_detail::strip_leading_zeros;
using collection_detail::trim;

namespace {

/// The field letter when `line` is a marker (`.X` alone or followed by whitespace), else 0.
char marker_letter(std::string_view line) {
    if (line.size() < 2 || line[0] != '.' || line[1] < 'A' || line[1] > 'Z') {
        return 0;
    }
    if (line.size() > 2 && !is_space(line[2])) {
        return 0;
    }
    return line[1];
}

}  // namespace

SmartRecordReader::SmartRecordReader(std::string path) : m_reader(std::move(path)) {}

void SmartRecordReader::start_record(SmartRecord& record) {
    sanitize_utf8_inplace(m_line);
    std::string_view id = trim(std::string_view(m_line).substr(2));
    if (id.empty() || id.find_first_of(" \t") != std::string_view::npos) {
        m_reader.fail(fmt::format("field '.I': expected '.I <id>', got '{}'", m_line));
    }
    record.id = is_digits(id) ? strip_leading_zeros(id) : std::string(id);
    record.line = m_reader.line_number();
    for (auto& f : record.fields) {
        f.clear();
    }
}

bool SmartRecordReader::next(SmartRecord& record) {
    if (!m_pending) {
        for (;;) {
            if (!m_reader.next(m_line)) {
                return false;
            }
            if (marker_letter(m_line) == 'I') {
                break;
            }
            if (!collection_detail::is_blank(m_line)) {
                m_reader.fail("expected a record start '.I <id>'");
            }
        }
    }
    start_record(record);
    m_pending = false;
    char current = 0;
    std::uint32_t seen = 0;
    while (m_reader.next(m_line)) {
        sanitize_utf8_inplace(m_line);
        char letter = marker_letter(m_line);
        if (letter == 'I') {
            m_pending = true;
            return true;
        }
        std::string_view rest = m_line;
        if (letter != 0) {
            std::uint32_t bit = 1U << (letter - 'A');
            rest.remove_prefix(2);
            if ((seen & bit) == 0 || current == 0) {
                current = letter;
                seen |= bit;
            } else if (letter != current) {
                m_warnings.push_back(fmt::format(
                    "{}:{}: record {}: repeated field marker '.{}' kept as text of '.{}'",
                    m_reader.path(), m_reader.line_number(), record.id, letter, current));
            }
        } else if (current == 0) {
            if (collection_detail::is_blank(m_line)) {
                continue;
            }
            m_reader.fail(
                fmt::format("record {}: text before any field marker (.T, .W, ...)", record.id));
        }
        append_words(record.fields[current - 'A'], rest);
    }
    return true;
}

bool SmartDocumentReader::next(Document& doc) {
    if (!m_records.next(m_record)) {
        return false;
    }
    for (auto& w : m_records.warnings()) {
        m_warnings.push_back(std::move(w));
    }
    m_records.warnings().clear();
    doc.id = m_record.id;
    doc.title = m_record.field('T');
    doc.text = m_record.field('W');
    return true;
}

std::vector<Query> read_smart_queries(const std::string& path, bool ids_by_position) {
    SmartRecordReader records(path);
    SmartRecord record;
    std::vector<Query> queries;
    while (records.next(record)) {
        Query q;
        q.id = ids_by_position ? std::to_string(queries.size() + 1) : record.id;
        q.text = record.field('W').empty() ? record.field('T') : record.field('W');
        if (q.text.empty()) {
            throw InputError(path, record.line,
                             fmt::format("field '.W': query {} has no text", record.id));
        }
        queries.push_back(std::move(q));
    }
    return queries;
}

Qrels read_pair_qrels(const std::string& path) {
    LineReader reader(path);
    Qrels qrels;
    std::string line;
    std::vector<std::string_view> f;
    while (reader.next(line)) {
        split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        if (f.size() < 2) {
            reader.fail("expected 'qid docid ...', got 1 field");
        }
        if (!is_digits(f[0])) {
            reader.fail(fmt::format("field 'qid' must be an integer, got '{}'", f[0]));
        }
        if (!is_digits(f[1])) {
            reader.fail(fmt::format("field 'docid' must be an integer, got '{}'", f[1]));
        }
        qrels.by_query[strip_leading_zeros(f[0])][strip_leading_zeros(f[1])] = 1;
    }
    return qrels;
}

std::string SmartDocumentReader::location() const {
    return fmt::format("{}:{}", m_records.lines().path(), m_record.line);
}

}  // namespace cascade
