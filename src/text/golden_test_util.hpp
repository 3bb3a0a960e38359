#pragma once
/// Test helpers: reading the golden files under tests/golden/text/.

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace cascade::text::testing {

/// Resolves \uXXXX, \UXXXXXXXX and \t.
inline std::string unescape(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char kind = s[i + 1];
            if (kind == 't') {
                out += '\t';
                ++i;
                continue;
            }
            const std::size_t digits = kind == 'u' ? 4 : kind == 'U' ? 8 : 0;
            if (digits != 0 && i + 1 + digits < s.size() + 0 + 1) {
                append_utf8(
                    out, static_cast<char32_t>(std::stoul(s.substr(i + 2, digits), nullptr, 16)));
                i += 1 + digits;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

/// One golden row: input and expected outputs, split at " | ".
struct GoldenRow {
    std::size_t line = 0;
    std::string input;
    std::vector<std::string> expected;
};

inline std::vector<std::string> split_bar(const std::string& s) {
    std::vector<std::string> out;
    if (s.empty())
        return out;
    std::size_t start = 0;
    while (true) {
        const std::size_t bar = s.find(" | ", start);
        out.push_back(unescape(s.substr(start, bar - start)));
        if (bar == std::string::npos)
            break;
        start = bar + 3;
    }
    return out;
}

/// Reads input<TAB>a | b | c rows; '#' lines are comments.
inline std::vector<GoldenRow> read_golden(const std::string& path) {
    std::vector<GoldenRow> rows;
    std::ifstream in(path);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line[0] == '#')
            continue;
        const std::size_t tab = line.find('\t');
        if (tab == std::string::npos)
            continue;
        rows.push_back(
            GoldenRow{number, unescape(line.substr(0, tab)), split_bar(line.substr(tab + 1))});
    }
    return rows;
}

}  // namespace cascade::text::testing
