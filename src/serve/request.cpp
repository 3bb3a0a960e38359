#include "serve/request.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/utf8.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
using Error = std::optional<RequestError>;

RequestError bad(std::string field, std::string message, int status = 400) {
    return RequestError{status, std::move(message), std::move(field)};
}

/// Deepest nesting of arrays/objects outside strings; stops counting past `limit`.
std::size_t json_depth(std::string_view body, std::size_t limit) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : body) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '[' || c == '{')
            deepest = std::max(deepest, ++depth);
        else if ((c == ']' || c == '}') && depth > 0)
            --depth;
        if (deepest > limit)
            break;
    }
    return deepest;
}

std::size_t first_invalid_utf8(std::string_view body) {
    std::size_t i = 0;
    while (i < body.size()) {
        auto lead = static_cast<unsigned char>(body[i]);
        std::size_t len = lead < 0x80U ? 1 : lead >= 0xF0U ? 4 : lead >= 0xE0U ? 3 : 2;
        if (i + len > body.size() || !is_valid_utf8(body.substr(i, len)))
            return i;
        i += len;
    }
    return i;
}

/// Parses the body into an object, checking size, UTF-8 and depth first.
Error parse_object(std::string_view body, const Limits& limits, json& out) {
    if (body.size() > limits.max_body_bytes)
        return bad("body",
                   fmt::format("request body of {} bytes exceeds the limit of {} bytes",
                               body.size(), limits.max_body_bytes),
                   413);
    if (!is_valid_utf8(body))
        return bad("body", fmt::format("request body is not valid UTF-8 (near byte {})",
                                       first_invalid_utf8(body)));
    if (json_depth(body, limits.max_json_depth) > limits.max_json_depth)
        return bad("body", fmt::format("JSON nested deeper than {} levels", limits.max_json_depth));
    out = json::parse(body.begin(), body.end(), nullptr, false);
    if (out.is_discarded())
        return bad("body", "malformed JSON");
    if (!out.is_object())
        return bad("body", "the request body must be a JSON object");
    return std::nullopt;
}

Error get_text(const json& obj, const char* key, std::size_t max_chars, bool required,
               bool allow_empty, std::string& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required)
            return bad(key, fmt::format("missing required field \"{}\"", key));
        return std::nullopt;
    }
    if (!it->is_string())
        return bad(key, fmt::format("\"{}\" must be a string", key));
    const auto& s = it->get_ref<const std::string&>();
    if (!allow_empty && s.find_first_not_of(" \t\r\n") == std::string::npos)
        return bad(key, fmt::format("\"{}\" must not be empty", key));
    if (count_code_points(s) > max_chars)
        return bad(key, fmt::format("\"{}\" exceeds the limit of {} characters", key, max_chars),
                   413);
    out = s;
    return std::nullopt;
}

Error get_bool(const json& obj, const char* key, bool& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    if (!it->is_boolean())
        return bad(key, fmt::format("\"{}\" must be true or false", key));
    out = it->get<bool>();
    return std::nullopt;
}

Error get_count(const json& obj, const char* key, std::size_t max, std::size_t& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number_integer())
        return bad(key, fmt::format("\"{}\" must be an integer", key));
    if (it->is_number_unsigned()) {
        auto v = it->get<std::uint64_t>();
        if (v >= 1 && v <= max) {
            out = static_cast<std::size_t>(v);
            return std::nullopt;
        }
    }
    return bad(key, fmt::format("\"{}\" must be between 1 and {}", key, max));
}

/// A count that may be 0 (`zero` says what 0 means in the message); absent or null: nullopt.
Error get_optional_count(const json& obj, const char* key, std::size_t max, const char* zero,
                         std::optional<std::size_t>& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number_integer())
        return bad(key, fmt::format("\"{}\" must be an integer", key));
    if (it->is_number_unsigned() && it->get<std::uint64_t>() <= max) {
        out = static_cast<std::size_t>(it->get<std::uint64_t>());
        return std::nullopt;
    }
    return bad(key, fmt::format("\"{}\" must be between 0 ({}) and {}", key, zero, max));
}

Error get_method(const json& obj, std::optional<RerankMethod>& out) {
    auto it = obj.find("method");
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    out = it->is_string() ? parse_rerank_method(it->get_ref<const std::string&>()) : std::nullopt;
    if (!out)
        return bad("method",
                   "\"method\" must be one of \"pointwise\", \"listwise\", "
                   "\"first\", \"icr\"");
    return std::nullopt;
}

/// documents / texts: an array of strings, or (when `allow_objects`) of {"text": string}.
Error get_documents(const json& obj, const char* key, bool allow_objects, const Limits& limits,
                    std::vector<std::string>& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return bad(key, fmt::format("missing required field \"{}\"", key));
    if (!it->is_array())
        return bad(key, fmt::format("\"{}\" must be an array", key));
    if (it->empty())
        return bad(key, fmt::format("\"{}\" must not be empty", key));
    if (it->size() > limits.max_documents)
        return bad(key,
                   fmt::format("{} {} exceed the limit of {} per request", it->size(), key,
                               limits.max_documents),
                   413);
    out.clear();
    out.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& d = (*it)[i];
        std::string field = fmt::format("{}[{}]", key, i);
        const json* text = &d;
        if (allow_objects && d.is_object()) {
            auto t = d.find("text");
            if (t == d.end())
                return bad(field + ".text", "missing required field \"text\"");
            text = &*t;
            field += ".text";
        }
        if (!text->is_string())
            return bad(field, allow_objects ? "a document must be a string or {\"text\": string}"
                                            : "must be a string");
        const auto& s = text->get_ref<const std::string&>();
        if (count_code_points(s) > limits.max_document_chars)
            return bad(field,
                       fmt::format("document exceeds the limit of {} characters",
                                   limits.max_document_chars),
                       413);
        out.push_back(s);
    }
    return std::nullopt;
}

}  // namespace

Error parse_rerank(std::string_view body, const Limits& limits, RerankRequest& out) {
    json j;
    if (auto e = parse_object(body, limits, j))
        return e;
    if (auto e = get_text(j, "model", 256, false, true, out.model))
        return e;
    if (auto e = get_text(j, "query", limits.max_query_chars, true, false, out.query))
        return e;
    if (auto e = get_documents(j, "documents", true, limits, out.documents))
        return e;
    if (auto e = get_count(j, "top_n", limits.max_documents, out.top_n))
        return e;
    if (auto e = get_text(j, "instruction", limits.max_query_chars, false, false, out.instruction))
        return e;
    if (auto e = get_method(j, out.method))
        return e;
    if (auto e = get_count(j, "window", kMaxWindow, out.window))
        return e;
    if (auto e = get_count(j, "stride", kMaxWindow, out.stride))
        return e;
    if (out.stride > (out.window > 0 ? out.window : kDefaultWindow))
        return bad("stride",
                   fmt::format("\"stride\" {} is larger than the window {}: passages between "
                               "windows would never be compared",
                               out.stride, out.window > 0 ? out.window : kDefaultWindow));
    if (auto e = get_optional_count(j, "passage_tokens", kMaxPassageTokens, "whole documents",
                                    out.passage_tokens))
        return e;
    return get_bool(j, "return_documents", out.return_documents);
}

Error parse_tei_rerank(std::string_view body, const Limits& limits, TeiRerankRequest& out) {
    json j;
    if (auto e = parse_object(body, limits, j))
        return e;
    if (auto e = get_text(j, "query", limits.max_query_chars, true, false, out.query))
        return e;
    // TEI's `texts`, or the `documents` (strings) that Elasticsearch's hugging_face service sends.
    const bool documents = !j.contains("texts") && j.contains("documents");
    if (auto e = get_documents(j, documents ? "documents" : "texts", false, limits, out.texts))
        return e;
    if (auto e = get_bool(j, "raw_scores", out.raw_scores))
        return e;
    if (auto e = get_bool(j, "return_text", out.return_text))
        return e;
    if (!j.contains("return_text"))
        if (auto e = get_bool(j, "return_documents", out.return_text))
            return e;
    if (auto e = get_count(j, "top_n", limits.max_documents, out.top_n))
        return e;
    return get_bool(j, "truncate", out.truncate);
}

Error parse_search(std::string_view body, const Limits& limits, SearchRequest& out) {
    json j;
    if (auto e = parse_object(body, limits, j))
        return e;
    if (auto e = get_text(j, "query", limits.max_query_chars, true, false, out.query))
        return e;
    if (auto e = get_count(j, "k", limits.max_k, out.k))
        return e;
    return get_text(j, "pipeline", 256, false, true, out.pipeline);
}

std::optional<RerankMethod> parse_rerank_method(std::string_view text) {
    if (text == "pointwise")
        return RerankMethod::Pointwise;
    if (text == "listwise")
        return RerankMethod::Listwise;
    if (text == "first")
        return RerankMethod::First;
    if (text == "icr")
        return RerankMethod::Icr;
    return std::nullopt;
}

std::string_view rerank_method_name(RerankMethod method) {
    switch (method) {
        case RerankMethod::Pointwise:
            return "pointwise";
        case RerankMethod::Listwise:
            return "listwise";
        case RerankMethod::First:
            return "first";
        case RerankMethod::Icr:
            return "icr";
    }
    return "pointwise";
}

std::string error_body(const RequestError& error) {
    json j = {{"error",
               {{"message", error.message},
                {"field", error.field.empty() ? json(nullptr) : json(error.field)},
                {"status", error.status}}}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void rank_scores(std::vector<IndexedScore>& scores, std::size_t top_n) {
    auto before = [](const IndexedScore& a, const IndexedScore& b) {
        if (a.score != b.score)
            return a.score > b.score;
        return a.index < b.index;
    };
    // NaN would break the strict weak order; rank it last.
    for (auto& s : scores)
        if (std::isnan(s.score))
            s.score = -INFINITY;
    std::size_t n = top_n == 0 ? scores.size() : std::min(top_n, scores.size());
    std::partial_sort(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(n), scores.end(),
                      before);
    scores.resize(n);
}

float sigmoid(float x) {
    if (x >= 0)
        return 1.0F / (1.0F + std::exp(-x));
    float e = std::exp(x);
    return e / (1.0F + e);
}

std::size_t count_code_points(std::string_view text) {
    std::size_t n = 0;
    for (char c : text)
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    return n;
}

std::string snippet(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t end = 0;
    while (end < text.size()) {
        if ((static_cast<unsigned char>(text[end]) & 0xC0U) != 0x80U) {
            if (chars == max_chars)
                break;
            ++chars;
        }
        ++end;
    }
    if (end >= text.size())
        return std::string(text);
    std::size_t space = text.rfind(' ', end);
    if (space != std::string_view::npos && space > end - end / 5)
        end = space;
    return std::string(text.substr(0, end)) + "\u2026";
}

}  // namespace cascade::serve
