/// The public collection helpers that are not the collection layer's own: JSONL string rows.
#include <cascade/collection.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "util/line_reader.hpp"

namespace cascade {

std::vector<std::vector<std::string>> read_jsonl_strings(const std::string& path,
                                                         const std::vector<std::string>& keys) {
    std::vector<std::string> shapes;
    shapes.reserve(keys.size());
    for (const std::string& key : keys) {
        shapes.push_back(fmt::format("\"{}\": ...", key));
    }
    const std::string expected = fmt::format("{{{}}}", fmt::join(shapes, ", "));
    LineReader reader(path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (reader.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            reader.fail("malformed JSON (expected " + expected + ")");
        }
        std::vector<std::string> row;
        for (const std::string& key : keys) {
            if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
                reader.fail(fmt::format("missing string field \"{}\"", key));
            }
            auto value = j[key].get<std::string>();
            if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
                reader.fail(fmt::format("empty {}", key));
            }
            row.push_back(std::move(value));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace cascade
