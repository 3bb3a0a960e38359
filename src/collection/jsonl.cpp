#include "collection/jsonl.hpp"

#include <initializer_list>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

namespace {

using nlohmann::json;

json parse_object(const LineReader& reader, std::string& line) {
    sanitize_utf8_inplace(line);
    json j;
    try {
        j = json::parse(line);
    } catch (const json::parse_error& e) {
        std::string_view what = e.what();
        auto bracket = what.find("] ");
        if (bracket != std::string_view::npos) {
            what.remove_prefix(bracket + 2);
        }
        reader.fail(fmt::format("invalid JSON: {}", what));
    }
    if (!j.is_object()) {
        reader.fail(fmt::format("expected a JSON object, got {}", j.type_name()));
    }
    return j;
}

/// The id from the first present key; numbers are accepted (some JSONL files write them).
std::string read_id(const LineReader& reader, const json& j) {
    for (const char* key : {"_id", "id"}) {
        auto it = j.find(key);
        if (it == j.end()) {
            continue;
        }
        std::string id;
        if (it->is_string()) {
            id = it->get<std::string>();
        } else if (it->is_number_integer()) {
            id = it->dump();
        } else {
            reader.fail(fmt::format("field '{}': expected a string or integer id, got {}", key,
                                    it->type_name()));
        }
        if (collection_detail::trim(id).empty()) {
            reader.fail(fmt::format("field '{}': empty id", key));
        }
        return id;
    }
    reader.fail("field '_id': missing (expected '_id' or 'id')");
}

/// The first present string field among `keys`; null or missing gives "".
std::string read_text(const LineReader& reader, const json& j,
                      std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) {
            continue;
        }
        if (!it->is_string()) {
            reader.fail(
                fmt::format("field '{}': expected a string, got {}", key, it->type_name()));
        }
        return it->get<std::string>();
    }
    return {};
}

}  // namespace

JsonlDocumentReader::JsonlDocumentReader(std::string path) : m_reader(std::move(path)) {}

bool JsonlDocumentReader::next(Document& doc) {
    while (m_reader.next(m_line)) {
        if (collection_detail::is_blank(m_line)) {
            continue;
        }
        json j = parse_object(m_reader, m_line);
        doc.id = read_id(m_reader, j);
        doc.title = read_text(m_reader, j, {"title"});
        doc.text = read_text(m_reader, j, {"text", "contents"});
        return true;
    }
    return false;
}

std::vector<Query> read_jsonl_queries(const std::string& path) {
    LineReader reader(path);
    std::vector<Query> queries;
    std::string line;
    while (reader.next(line)) {
        if (collection_detail::is_blank(line)) {
            continue;
        }
        json j = parse_object(reader, line);
        Query q;
        q.id = read_id(reader, j);
        q.text = read_text(reader, j, {"text", "query", "contents", "title"});
        queries.push_back(std::move(q));
    }
    return queries;
}

}  // namespace cascade
