#include "collection/text_fields.hpp"

#include <algorithm>

namespace cascade::collection_detail {

std::string_view trim(std::string_view s) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && is_space(s[b])) {
        ++b;
    }
    while (e > b && is_space(s[e - 1])) {
        --e;
    }
    return s.substr(b, e - b);
}

bool is_blank(std::string_view s) {
    return trim(s).empty();
}

void split_ws(std::string_view s, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j])) {
            ++j;
        }
        if (j > i) {
            out.push_back(s.substr(i, j - i));
        }
        i = j;
    }
}

void split_on(std::string_view s, char sep, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t start = 0;
    for (;;) {
        std::size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

void append_words(std::string& out, std::string_view piece) {
    piece = trim(piece);
    if (piece.empty()) {
        return;
    }
    if (!out.empty()) {
        out.push_back(' ');
    }
    out.append(piece);
}

bool has_extension(std::string_view path, std::string_view suffix) {
    if (path.ends_with(".gz")) {
        path.remove_suffix(3);
    }
    return path.ends_with(suffix);
}

bool is_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    return std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

std::string strip_leading_zeros(std::string_view s) {
    std::size_t i = 0;
    while (i + 1 < s.size() && s[i] == '0') {
        ++i;
    }
    return std::string(s.substr(i));
}

}  // namespace cascade::collection_detail
