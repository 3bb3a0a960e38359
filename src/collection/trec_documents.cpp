#include "collection/trec_documents.hpp"

#include <cctype>

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

using collection_detail::append_words;
using collection_detail::is_blank;
using collection_detail::trim;

namespace {

/// True when `line` (trimmed) starts with the tag `tag` (case-insensitive, e.g. "<DOC>").
bool starts_with_tag(std::string_view line, std::string_view tag) {
    line = trim(line);
    if (line.size() < tag.size()) {
        return false;
    }
    for (std::size_t i = 0; i < tag.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(line[i])) != tag[i]) {
            return false;
        }
    }
    return true;
}

/// Appends the words of `line` with tags (`<` letter or `/` ... `>`) removed.
void append_untagged(std::string& out, std::string_view line) {
    std::size_t i = 0;
    while (i < line.size()) {
        std::size_t lt = line.find('<', i);
        std::size_t gt = lt == std::string_view::npos ? lt : line.find('>', lt);
        bool tag = gt != std::string_view::npos && lt + 1 < gt &&
                   (std::isalpha(static_cast<unsigned char>(line[lt + 1])) != 0 ||
                    line[lt + 1] == '/' || line[lt + 1] == '!');
        std::string_view piece = line.substr(i, tag ? lt - i : std::string_view::npos);
        std::size_t w = 0;
        while (w < piece.size()) {  // word by word, so runs of spaces collapse
            std::size_t e = w;
            while (e < piece.size() && !collection_detail::is_space(piece[e])) {
                ++e;
            }
            append_words(out, piece.substr(w, e - w));
            w = e + 1;
        }
        if (!tag) {
            return;
        }
        i = gt + 1;
    }
}

/// The DOCNO value of a `<DOCNO> id </DOCNO>` line, "" when the line has none.
std::string_view docno(std::string_view line) {
    std::string_view t = trim(line);
    auto close = t.find("</DOCNO>");
    if (close == std::string_view::npos) {
        close = t.find("</docno>");
    }
    if (close == std::string_view::npos) {
        return {};
    }
    return trim(t.substr(7, close - 7));
}

}  // namespace

bool TrecDocumentReader::next(Document& doc) {
    bool found = false;
    while (!found && m_reader.next(m_line)) {
        found = starts_with_tag(m_line, "<DOC>");
        if (!found && !is_blank(m_line)) {
            m_reader.fail("expected '<DOC>'");
        }
    }
    if (!found) {
        return false;
    }
    const std::size_t start = m_reader.line_number();
    m_record_line = start;
    doc.id.clear();
    doc.title.clear();
    doc.text.clear();
    while (m_reader.next(m_line)) {
        sanitize_utf8_inplace(m_line);
        if (starts_with_tag(m_line, "</DOC>")) {
            if (doc.id.empty()) {
                throw InputError(m_reader.path(), start, "field 'DOCNO': record without <DOCNO>");
            }
            return true;
        }
        if (doc.id.empty() && starts_with_tag(m_line, "<DOCNO>")) {
            doc.id.assign(docno(m_line));
            if (doc.id.empty()) {
                m_reader.fail("field 'DOCNO': expected '<DOCNO> id </DOCNO>' on one line");
            }
            continue;
        }
        append_untagged(doc.text, m_line);
    }
    throw InputError(m_reader.path(), start, "end of file inside <DOC> (missing </DOC>)");
}

std::string TrecDocumentReader::location() const {
    return fmt::format("{}:{}", m_reader.path(), m_record_line);
}

}  // namespace cascade
