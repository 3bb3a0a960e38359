#include "collection/jsonl.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

namespace {

using nlohmann::json;

/// Keys a record may carry; the first present one of each group wins.
enum Key : std::size_t { kUnderscoreId, kId, kTitle, kText, kContents, kQuery, kNumKeys };
constexpr std::array<std::string_view, kNumKeys> kKeyNames = {"_id",  "id",       "title",
                                                              "text", "contents", "query"};

/// The index of `key` in kKeyNames, kNumKeys when it is none of them.
std::size_t key_slot(std::string_view key) {
    for (std::size_t k = 0; k < kNumKeys; ++k) {
        if (key == kKeyNames[k]) {
            return k;
        }
    }
    return kNumKeys;
}

/// One top-level value of a record: absent, null, a string, an integer, or another type.
struct Value {
    enum class Kind { kAbsent, kNull, kString, kInteger, kOther } kind = Kind::kAbsent;
    std::string text;            ///< the string, or the integer's digits
    const char* type_name = "";  ///< for kOther: object, array, number, boolean
};

/// SAX handler that keeps only the top-level fields in kKeyNames, so nested metadata (BEIR's
/// evidence dictionaries) is scanned but never built into a DOM.
class RecordHandler final : public nlohmann::json_sax<json> {
public:
    std::array<Value, kNumKeys> values;
    std::string error;
    bool root_is_object = false;

    void reset() {
        for (auto& v : values) {
            v.kind = Value::Kind::kAbsent;
            v.text.clear();
        }
        error.clear();
        root_is_object = false;
        m_depth = 0;
        m_slot = kNumKeys;
    }

    bool null() override { return scalar(Value::Kind::kNull, {}, ""); }
    bool boolean(bool) override { return scalar(Value::Kind::kOther, {}, "boolean"); }
    bool number_integer(number_integer_t v) override {
        return scalar(Value::Kind::kInteger, std::to_string(v), "");
    }
    bool number_unsigned(number_unsigned_t v) override {
        return scalar(Value::Kind::kInteger, std::to_string(v), "");
    }
    bool number_float(number_float_t, const string_t&) override {
        return scalar(Value::Kind::kOther, {}, "number");
    }
    bool string(string_t& s) override { return scalar(Value::Kind::kString, std::move(s), ""); }
    bool binary(binary_t&) override { return scalar(Value::Kind::kOther, {}, "binary"); }
    bool start_object(std::size_t) override { return open("object"); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open("array"); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (m_depth == 1) {
            m_slot = key_slot(k);
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& e) override {
        std::string_view what = e.what();
        auto bracket = what.find("] ");
        error.assign(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
        return false;
    }

private:
    bool scalar(Value::Kind kind, std::string text, const char* type_name) {
        if (m_depth == 0) {
            root_is_object = false;
        } else if (m_depth == 1 && m_slot < kNumKeys) {
            values[m_slot].kind = kind;
            values[m_slot].text = std::move(text);
            values[m_slot].type_name = type_name;
        }
        return true;
    }
    bool open(const char* type_name) {
        if (m_depth == 0) {
            root_is_object = std::string_view(type_name) == "object";
        } else if (m_depth == 1 && m_slot < kNumKeys) {
            values[m_slot].kind = Value::Kind::kOther;
            values[m_slot].type_name = type_name;
        }
        ++m_depth;
        return true;
    }
    bool close() {
        --m_depth;
        return true;
    }

    int m_depth = 0;
    std::size_t m_slot = kNumKeys;
};

/// The common record shape read without nlohmann's lexer (which builds every string a byte at
/// a time): one object whose values are strings free of escapes and control characters, or
/// empty objects or arrays (BEIR's `"metadata": {}`). Fills `handler` exactly as the SAX parse
/// would and returns true; returns false, having filled nothing that matters, on anything
/// else (escapes, numbers, null, nesting, bad syntax), which the full parser then reads and,
/// where it must, reports.
bool parse_flat_record(std::string_view line, RecordHandler& handler) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    auto skip_ws = [&] {
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r')) {
            ++i;
        }
    };
    // A plain string at line[i] == '"': its contents, or nothing when it needs the full lexer.
    auto plain_string = [&](std::string_view& out) {
        const std::size_t start = ++i;
        while (i < n) {
            const auto c = static_cast<unsigned char>(line[i]);
            if (c == '"') {
                out = line.substr(start, i - start);
                ++i;
                return true;
            }
            if (c == '\\' || c < 0x20) {
                return false;
            }
            ++i;
        }
        return false;
    };
    skip_ws();
    if (i >= n || line[i] != '{') {
        return false;
    }
    ++i;
    skip_ws();
    std::array<std::string_view, kNumKeys> found{};
    std::array<bool, kNumKeys> present{};
    bool first = true;
    while (true) {
        if (i < n && line[i] == '}' && first) {
            ++i;
            break;
        }
        std::string_view key;
        if (i >= n || line[i] != '"' || !plain_string(key)) {
            return false;
        }
        skip_ws();
        if (i >= n || line[i] != ':') {
            return false;
        }
        ++i;
        skip_ws();
        const std::size_t slot = key_slot(key);
        if (i < n && line[i] == '"') {
            std::string_view value;
            if (!plain_string(value)) {
                return false;
            }
            if (slot < kNumKeys) {
                found[slot] = value;
                present[slot] = true;
            }
        } else if (slot == kNumKeys && i + 1 < n && (line[i] == '{' || line[i] == '[')) {
            // An empty object or array under a key nobody reads.
            const char close = line[i] == '{' ? '}' : ']';
            ++i;
            skip_ws();
            if (i >= n || line[i] != close) {
                return false;
            }
            ++i;
        } else {
            return false;
        }
        skip_ws();
        first = false;
        if (i < n && line[i] == ',') {
            ++i;
            skip_ws();
            continue;
        }
        if (i < n && line[i] == '}') {
            ++i;
            break;
        }
        return false;
    }
    skip_ws();
    if (i != n) {
        return false;
    }
    handler.reset();
    handler.root_is_object = true;
    for (std::size_t k = 0; k < kNumKeys; ++k) {
        if (present[k]) {
            handler.values[k].kind = Value::Kind::kString;
            handler.values[k].text.assign(found[k]);
            handler.values[k].type_name = "";
        }
    }
    return true;
}

void parse_record(const LineReader& reader, std::string& line, RecordHandler& handler) {
    sanitize_utf8_inplace(line);
    if (parse_flat_record(line, handler)) {
        return;
    }
    handler.reset();
    bool ok = json::sax_parse(line, &handler);
    if (!ok || !handler.error.empty()) {
        reader.fail(fmt::format("invalid JSON: {}", handler.error));
    }
    if (!handler.root_is_object) {
        reader.fail("expected a JSON object per line");
    }
}

/// The id from `_id` or `id`; numbers are accepted (some JSONL files write them).
std::string take_id(const LineReader& reader, RecordHandler& h) {
    for (Key key : {kUnderscoreId, kId}) {
        Value& v = h.values[key];
        if (v.kind == Value::Kind::kAbsent) {
            continue;
        }
        if (v.kind != Value::Kind::kString && v.kind != Value::Kind::kInteger) {
            reader.fail(fmt::format("field '{}': expected a string or integer id, got {}",
                                    kKeyNames[key],
                                    v.kind == Value::Kind::kNull ? "null" : v.type_name));
        }
        if (collection_detail::trim(v.text).empty()) {
            reader.fail(fmt::format("field '{}': empty id", kKeyNames[key]));
        }
        return std::move(v.text);
    }
    reader.fail("field '_id': missing (expected '_id' or 'id')");
}

/// The first present string among `keys`; null or absent gives "".
std::string take_text(const LineReader& reader, RecordHandler& h, std::initializer_list<Key> keys) {
    for (Key key : keys) {
        Value& v = h.values[key];
        if (v.kind == Value::Kind::kAbsent || v.kind == Value::Kind::kNull) {
            continue;
        }
        if (v.kind != Value::Kind::kString) {
            reader.fail(fmt::format("field '{}': expected a string, got {}", kKeyNames[key],
                                    v.kind == Value::Kind::kInteger ? "number" : v.type_name));
        }
        return std::move(v.text);
    }
    return {};
}

}  // namespace

JsonlDocumentReader::JsonlDocumentReader(std::string path) : m_reader(std::move(path)) {}

bool JsonlDocumentReader::next(Document& doc) {
    // One handler per thread, reset for every record: the SAX interface is not copyable into
    // the public header, and a record never spans two calls.
    thread_local RecordHandler handler;
    while (m_reader.next(m_line)) {
        if (collection_detail::is_blank(m_line)) {
            continue;
        }
        parse_record(m_reader, m_line, handler);
        doc.id = take_id(m_reader, handler);
        doc.title = take_text(m_reader, handler, {kTitle});
        doc.text = take_text(m_reader, handler, {kText, kContents});
        return true;
    }
    return false;
}

bool JsonlDocumentReader::skip() {
    while (m_reader.next(m_line)) {
        if (!collection_detail::is_blank(m_line)) {
            return true;
        }
    }
    return false;
}

std::vector<Query> read_jsonl_queries(const std::string& path) {
    LineReader reader(path);
    RecordHandler handler;
    std::vector<Query> queries;
    std::string line;
    while (reader.next(line)) {
        if (collection_detail::is_blank(line)) {
            continue;
        }
        parse_record(reader, line, handler);
        Query q;
        q.id = take_id(reader, handler);
        q.text = take_text(reader, handler, {kText, kQuery, kContents, kTitle});
        queries.push_back(std::move(q));
    }
    return queries;
}

std::string JsonlDocumentReader::location() const {
    return fmt::format("{}:{}", m_reader.path(), m_reader.line_number());
}

}  // namespace cascade
