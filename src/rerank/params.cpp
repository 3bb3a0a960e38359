#include "rerank/params.hpp"

#include <cmath>

#include <fmt/format.h>

namespace cascade::rerank {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += out.empty() ? "" : ", ";
        out += item;
    }
    return out;
}

}  // namespace

std::size_t line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    return mark.line < 0 ? 0 : static_cast<std::size_t>(mark.line) + 1;
}

StageParams::StageParams(const YAML::Node& node, std::string file)
    : m_node(node), m_file(std::move(file)) {
    if (!m_node.IsMap()) {
        throw InputError(m_file, line_of(m_node),
                         "a stage must be a mapping such as {type: bm25, k: 1000}");
    }
}

InputError StageParams::error_at(const YAML::Node& node, std::string_view what) const {
    std::size_t line = line_of(node);
    return line == 0 ? InputError(m_file, line_of(m_node), what) : InputError(m_file, line, what);
}

InputError StageParams::error(std::string_view key, std::string_view what) const {
    YAML::Node v = m_node[std::string(key)];
    return error_at(v ? v : m_node, what);
}

std::string StageParams::type() const {
    YAML::Node t = m_node["type"];
    if (!t || !t.IsScalar() || t.Scalar().empty()) {
        throw error_at(m_node, "stage without 'type' (e.g. type: bm25)");
    }
    return t.Scalar();
}

bool StageParams::has(std::string_view key) const {
    return bool(m_node[std::string(key)]);
}

YAML::Node StageParams::value(std::string_view key) {
    std::string k(key);
    if (std::find(m_accepted.begin(), m_accepted.end(), k) == m_accepted.end()) {
        m_accepted.push_back(k);
    }
    return m_node[k];
}

YAML::Node StageParams::node(std::string_view key) {
    return value(key);
}

double StageParams::number(std::string_view key, double fallback, double min, double max) {
    YAML::Node v = value(key);
    if (!v) {
        return fallback;
    }
    double x = 0.0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, x) || !std::isfinite(x)) {
        throw error(key, fmt::format("'{}' must be a number in [{}, {}]", key, min, max));
    }
    if (x < min || x > max) {
        throw error(key, fmt::format("'{}' is {}; accepted: a number in [{}, {}]", key, v.Scalar(),
                                     min, max));
    }
    return x;
}

std::size_t StageParams::count(std::string_view key, std::size_t fallback, std::size_t min,
                               std::size_t max) {
    YAML::Node v = value(key);
    if (!v) {
        return fallback;
    }
    long long x = 0;
    if (!v.IsScalar() || !YAML::convert<long long>::decode(v, x) || x < 0 ||
        static_cast<unsigned long long>(x) < min || static_cast<unsigned long long>(x) > max) {
        throw error(key, fmt::format("'{}' is {}; accepted: an integer in [{}, {}]", key,
                                     v.IsScalar() ? v.Scalar() : "not a number", min, max));
    }
    return static_cast<std::size_t>(x);
}

std::size_t StageParams::required_count(std::string_view key, std::size_t min, std::size_t max) {
    if (!has(key)) {
        value(key);
        throw error_at(m_node, fmt::format("missing required key '{}' (an integer in [{}, {}])",
                                           key, min, max));
    }
    return count(key, 0, min, max);
}

std::string StageParams::string(std::string_view key, std::string fallback) {
    YAML::Node v = value(key);
    if (!v) {
        return fallback;
    }
    if (!v.IsScalar()) {
        throw error(key, fmt::format("'{}' must be a single value", key));
    }
    return v.Scalar();
}

std::string StageParams::required_string(std::string_view key) {
    if (!has(key)) {
        value(key);
        throw error_at(m_node, fmt::format("missing required key '{}'", key));
    }
    return string(key, "");
}

std::string StageParams::choice(std::string_view key, std::string fallback,
                                std::initializer_list<std::string_view> choices) {
    std::string s = string(key, std::move(fallback));
    for (std::string_view c : choices) {
        if (s == c) {
            return s;
        }
    }
    std::vector<std::string> names(choices.begin(), choices.end());
    throw error(key, fmt::format("'{}' is '{}'; accepted: {}", key, s, join(names)));
}

bool StageParams::flag(std::string_view key, bool fallback) {
    YAML::Node v = value(key);
    if (!v) {
        return fallback;
    }
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
        throw error(key, fmt::format("'{}' must be true or false", key));
    }
    return b;
}

void StageParams::check_unknown() const {
    for (const auto& kv : m_node) {
        const std::string key = kv.first.as<std::string>("");
        if (std::find(m_accepted.begin(), m_accepted.end(), key) == m_accepted.end()) {
            throw error_at(kv.first, fmt::format("unknown key '{}' for stage type '{}'; "
                                                 "accepted keys: {}",
                                                 key, type(), join(m_accepted)));
        }
    }
}

}  // namespace cascade::rerank
