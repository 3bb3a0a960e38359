#include "collection/sparse_vectors.hpp"

#include <array>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collection/text_fields.hpp"
#include "util/utf8.hpp"

namespace cascade {

namespace {

using nlohmann::json;

/// Top-level keys of a record; the first present of each group wins.
enum Slot : std::size_t { kId, kDocid, kUnderscoreId, kContents, kText, kVector, kNumSlots };
constexpr std::string_view kSlotNames[kNumSlots] = {"id",       "docid", "_id",
                                                    "contents", "text",  "vector"};

/// A top-level scalar of a record as far as the reader cares.
struct Scalar {
    enum class Kind { kAbsent, kNull, kString, kInteger, kOther } kind = Kind::kAbsent;
    std::string text;
    const char* type_name = "";
};

/// SAX handler building one record without a DOM: top-level id/contents scalars and the
/// `vector` object's (term, weight) pairs. A semantic problem stops the parse with `error`.
class VectorHandler final : public nlohmann::json_sax<json> {
public:
    std::array<Scalar, kNumSlots> scalars;
    SparseVector* vector = nullptr;
    std::string error;       ///< semantic error (what is wrong with a field)
    std::string json_error;  ///< nlohmann's parse error
    bool root_is_object = false;
    bool vector_is_object = false;

    void reset(SparseVector& out) {
        for (Scalar& s : scalars) {
            s.kind = Scalar::Kind::kAbsent;
            s.text.clear();
        }
        vector = &out;
        vector->clear();
        m_seen.clear();
        error.clear();
        json_error.clear();
        root_is_object = false;
        vector_is_object = false;
        m_depth = 0;
        m_slot = kNumSlots;
        m_in_vector = false;
    }

    bool null() override { return value(Scalar::Kind::kNull, {}, "null"); }
    bool boolean(bool) override { return value(Scalar::Kind::kOther, {}, "boolean"); }
    bool number_integer(number_integer_t v) override {
        if (m_in_vector && m_depth == 2) {
            return weight(static_cast<double>(v), true, std::to_string(v));
        }
        return value(Scalar::Kind::kInteger, std::to_string(v), "number");
    }
    bool number_unsigned(number_unsigned_t v) override {
        if (m_in_vector && m_depth == 2) {
            return weight(static_cast<double>(v), true, std::to_string(v));
        }
        return value(Scalar::Kind::kInteger, std::to_string(v), "number");
    }
    bool number_float(number_float_t v, const string_t& raw) override {
        if (m_in_vector && m_depth == 2) {
            return weight(v, std::isfinite(v) && v == std::floor(v), raw);
        }
        return value(Scalar::Kind::kOther, {}, "number");
    }
    bool string(string_t& s) override {
        return value(Scalar::Kind::kString, std::move(s), "string");
    }
    bool binary(binary_t&) override { return value(Scalar::Kind::kOther, {}, "binary"); }
    bool start_object(std::size_t) override { return open("object"); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open("array"); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (m_depth == 1) {
            m_slot = kNumSlots;
            for (std::size_t i = 0; i < kNumSlots; ++i) {
                if (k == kSlotNames[i]) {
                    m_slot = i;
                }
            }
        } else if (m_in_vector && m_depth == 2) {
            m_term = std::move(k);
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& e) override {
        std::string_view what = e.what();
        auto bracket = what.find("] ");
        json_error.assign(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
        return false;
    }

private:
    bool fail(std::string what) {
        error = std::move(what);
        return false;
    }

    /// A scalar: a top-level field, or (inside `vector`) a weight of the wrong type.
    bool value(Scalar::Kind kind, std::string text, const char* type_name) {
        if (m_in_vector && m_depth == 2) {
            return fail(fmt::format("vector term '{}': the weight must be a number, got {}", m_term,
                                    type_name));
        }
        if (m_depth == 1 && m_slot < kNumSlots) {
            scalars[m_slot] = {kind, std::move(text), type_name};
        }
        return true;
    }

    bool weight(double w, bool integral, std::string_view raw) {
        if (m_term.empty()) {
            return fail("vector: an empty term");
        }
        for (const char c : m_term) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
                return fail(fmt::format(
                    "vector term '{}' contains whitespace (terms are joined and split on "
                    "whitespace by Anserini's pseudo-documents and the TSV queries)",
                    m_term));
            }
        }
        if (!std::isfinite(w)) {
            return fail(
                fmt::format("vector term '{}': weight {} is not a finite number", m_term, raw));
        }
        if (w < 0) {
            return fail(fmt::format("vector term '{}': negative weight {}", m_term, raw));
        }
        if (!m_seen.insert(m_term).second) {
            return fail(fmt::format("vector term '{}' appears twice", m_term));
        }
        vector->terms.push_back(m_term);
        vector->weights.push_back(w);
        vector->integral = vector->integral && integral;
        return true;
    }

    bool open(const char* type_name) {
        if (m_in_vector && m_depth == 2) {
            return fail(fmt::format("vector term '{}': the weight must be a number, got {}", m_term,
                                    type_name));
        }
        if (m_depth == 0) {
            root_is_object = std::string_view(type_name) == "object";
        } else if (m_depth == 1 && m_slot < kNumSlots) {
            scalars[m_slot] = {Scalar::Kind::kOther, {}, type_name};
            if (m_slot == kVector && std::string_view(type_name) == "object") {
                if (vector_is_object) {
                    return fail("field 'vector' appears twice");
                }
                vector_is_object = true;
                m_in_vector = true;
            }
        }
        ++m_depth;
        return true;
    }
    bool close() {
        --m_depth;
        if (m_depth == 1) {
            m_in_vector = false;
        }
        return true;
    }

    std::unordered_set<std::string> m_seen;
    std::string m_term;
    int m_depth = 0;
    std::size_t m_slot = kNumSlots;
    bool m_in_vector = false;
};

/// Python's json.dumps writes NaN and infinite floats as these bare words, which are not JSON.
bool mentions_non_finite(std::string_view line) {
    return line.find("NaN") != std::string_view::npos ||
           line.find("Infinity") != std::string_view::npos;
}

void parse_line(const LineReader& reader, std::string& line, VectorHandler& handler,
                SparseRecord& record) {
    sanitize_utf8_inplace(line);
    handler.reset(record.vector);
    const bool ok = json::sax_parse(line, &handler);
    if (!handler.error.empty()) {
        reader.fail(handler.error);
    }
    if (!ok || !handler.json_error.empty()) {
        if (mentions_non_finite(line)) {
            reader.fail(
                fmt::format("invalid JSON: {} (NaN and Infinity are not JSON numbers; "
                            "weights must be finite)",
                            handler.json_error));
        }
        reader.fail(fmt::format("invalid JSON: {}", handler.json_error));
    }
    if (!handler.root_is_object) {
        reader.fail("expected a JSON object per line");
    }
}

std::string take_id(const LineReader& reader, VectorHandler& h) {
    for (Slot slot : {kId, kDocid, kUnderscoreId}) {
        Scalar& s = h.scalars[slot];
        if (s.kind == Scalar::Kind::kAbsent) {
            continue;
        }
        if (s.kind != Scalar::Kind::kString && s.kind != Scalar::Kind::kInteger) {
            reader.fail(fmt::format("field '{}': expected a string or integer id, got {}",
                                    kSlotNames[slot], s.type_name));
        }
        if (collection_detail::trim(s.text).empty()) {
            reader.fail(fmt::format("field '{}': empty id", kSlotNames[slot]));
        }
        return std::move(s.text);
    }
    reader.fail("no id (expected a field 'id' or 'docid')");
}

std::string take_contents(const LineReader& reader, VectorHandler& h) {
    for (Slot slot : {kContents, kText}) {
        Scalar& s = h.scalars[slot];
        if (s.kind == Scalar::Kind::kAbsent || s.kind == Scalar::Kind::kNull) {
            continue;
        }
        if (s.kind != Scalar::Kind::kString) {
            reader.fail(fmt::format("field '{}': expected a string, got {}", kSlotNames[slot],
                                    s.type_name));
        }
        return std::move(s.text);
    }
    return {};
}

void check_vector(const LineReader& reader, const VectorHandler& h, const SparseVector& v) {
    const Scalar& s = h.scalars[kVector];
    if (s.kind == Scalar::Kind::kAbsent) {
        reader.fail("no field 'vector' (an object of term: weight)");
    }
    if (!h.vector_is_object) {
        reader.fail(
            fmt::format("field 'vector': expected an object of term: weight, got {}", s.type_name));
    }
    if (v.size() == 0) {
        reader.fail("field 'vector': empty (at least one term is needed)");
    }
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

/// `qid<TAB>term term ...`: weight of a term = its occurrences, order of first occurrence.
SparseRecord parse_tsv_query(const LineReader& reader, const std::string& line) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) {
        reader.fail("expected qid<TAB>terms (pre-tokenised query: terms separated by spaces)");
    }
    SparseRecord q;
    q.id = std::string(collection_detail::trim(std::string_view(line).substr(0, tab)));
    if (q.id.empty()) {
        reader.fail("empty query id");
    }
    q.contents = std::string(collection_detail::trim(std::string_view(line).substr(tab + 1)));
    q.vector = parse_pretokenized(q.contents);
    if (q.vector.size() == 0) {
        reader.fail(fmt::format("query '{}' has no terms", q.id));
    }
    return q;
}

}  // namespace

SparseVectorReader::SparseVectorReader(std::string path) : m_reader(std::move(path)) {}

std::string SparseVectorReader::location() const {
    return fmt::format("{}:{}", m_reader.path(), m_reader.line_number());
}

bool SparseVectorReader::next(SparseRecord& record) {
    thread_local VectorHandler handler;
    while (m_reader.next(m_line)) {
        if (collection_detail::is_blank(m_line)) {
            continue;
        }
        parse_line(m_reader, m_line, handler, record);
        record.id = take_id(m_reader, handler);
        record.contents = take_contents(m_reader, handler);
        check_vector(m_reader, handler, record.vector);
        return true;
    }
    return false;
}

bool SparseCollectionReader::next(Document& doc) {
    if (!m_reader.next(m_record)) {
        return false;
    }
    doc.id = std::move(m_record.id);
    doc.title.clear();
    doc.text = std::move(m_record.contents);
    return true;
}

SparseVector parse_pretokenized(std::string_view text) {
    SparseVector v;
    std::unordered_map<std::string_view, std::size_t> at;
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && is_space(text[i])) {
            ++i;
        }
        std::size_t j = i;
        while (j < text.size() && !is_space(text[j])) {
            ++j;
        }
        if (j > i) {
            const std::string_view term = text.substr(i, j - i);
            auto [it, fresh] = at.emplace(term, v.size());
            if (fresh) {
                v.terms.emplace_back(term);
                v.weights.push_back(1.0);
            } else {
                v.weights[it->second] += 1.0;
            }
        }
        i = j;
    }
    return v;
}

std::vector<SparseRecord> read_sparse_queries(const std::string& path) {
    LineReader reader(path);
    std::vector<SparseRecord> queries;
    std::unordered_map<std::string, std::size_t> line_of;
    VectorHandler handler;
    std::string line;
    bool decided = false;
    bool jsonl = false;
    while (reader.next(line)) {
        if (collection_detail::is_blank(line)) {
            continue;
        }
        if (!decided) {
            jsonl = collection_detail::trim(line).front() == '{';
            decided = true;
        }
        SparseRecord q;
        if (jsonl) {
            parse_line(reader, line, handler, q);
            q.id = take_id(reader, handler);
            q.contents = take_contents(reader, handler);
            check_vector(reader, handler, q.vector);
        } else {
            q = parse_tsv_query(reader, line);
        }
        auto [it, fresh] = line_of.emplace(q.id, reader.line_number());
        if (!fresh) {
            reader.fail(
                fmt::format("query id '{}' appears twice (first on line {})", q.id, it->second));
        }
        queries.push_back(std::move(q));
    }
    return queries;
}

}  // namespace cascade
