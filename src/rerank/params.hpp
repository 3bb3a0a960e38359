#pragma once
/// Stage parameters from a pipeline file: typed getters over one YAML mapping that remember
/// which keys the stage accepts, so that unknown keys and bad values become errors naming the
/// file, the line and the accepted values.

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "util/error.hpp"

namespace cascade::rerank {

/// The parameters of one stage: a YAML mapping such as `{type: rm3, k: 1000, fb_docs: 10}`.
/// Every getter records its key as accepted; check_unknown() then rejects the rest.
class StageParams {
public:
    /// `file` names the pipeline file in messages. Throws InputError unless `node` is a map.
    StageParams(const YAML::Node& node, std::string file);

    /// The `type` key (required).
    [[nodiscard]] std::string type() const;

    [[nodiscard]] bool has(std::string_view key) const;
    /// A number in [min, max]; `fallback` when the key is absent.
    double number(std::string_view key, double fallback, double min, double max);
    /// An integer in [min, max]; `fallback` when absent.
    std::size_t count(std::string_view key, std::size_t fallback, std::size_t min = 0,
                      std::size_t max = static_cast<std::size_t>(1) << 40);
    /// A required integer in [min, max].
    std::size_t required_count(std::string_view key, std::size_t min = 0,
                               std::size_t max = static_cast<std::size_t>(1) << 40);
    /// A scalar string; `fallback` when absent.
    std::string string(std::string_view key, std::string fallback);
    /// A required scalar string.
    std::string required_string(std::string_view key);
    /// One of `choices`; `fallback` when absent.
    std::string choice(std::string_view key, std::string fallback,
                       std::initializer_list<std::string_view> choices);
    bool flag(std::string_view key, bool fallback);
    /// The raw node of `key` (marked accepted), null node when absent.
    YAML::Node node(std::string_view key);

    /// Throws InputError at the first key no getter asked for, listing the accepted keys.
    void check_unknown() const;

    /// An InputError located at `key`'s value (or at the mapping when absent).
    [[nodiscard]] InputError error(std::string_view key, std::string_view what) const;
    /// An InputError located at `node`.
    [[nodiscard]] InputError error_at(const YAML::Node& node, std::string_view what) const;
    [[nodiscard]] const std::string& file() const { return m_file; }
    [[nodiscard]] const YAML::Node& yaml() const { return m_node; }

private:
    YAML::Node value(std::string_view key);

    YAML::Node m_node;
    std::string m_file;
    std::vector<std::string> m_accepted{"type"};
};

/// 1-based line of a node in its file (yaml-cpp marks are 0-based; 0 when unknown).
[[nodiscard]] std::size_t line_of(const YAML::Node& node);

}  // namespace cascade::rerank
