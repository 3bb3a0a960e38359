#pragma once
/// Small string helpers shared by the collection readers (internal to the collection layer).

#include <string>
#include <string_view>
#include <vector>

namespace cascade::collection_detail {

/// True for space, tab, CR, LF, vertical tab and form feed.
[[nodiscard]] constexpr bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/// `s` without leading and trailing whitespace.
[[nodiscard]] std::string_view trim(std::string_view s);

/// True when `s` holds only whitespace.
[[nodiscard]] bool is_blank(std::string_view s);

/// Splits on runs of whitespace; `out` is cleared first. Views point into `s`.
void split_ws(std::string_view s, std::vector<std::string_view>& out);

/// Splits on every `sep` (empty fields kept); `out` is cleared first. Views point into `s`.
void split_on(std::string_view s, char sep, std::vector<std::string_view>& out);

/// Appends `piece` (trimmed) to `out`, separated by one space; empty pieces add nothing.
void append_words(std::string& out, std::string_view piece);

/// True when `path` ends with `suffix` or `suffix + ".gz"`.
[[nodiscard]] bool has_extension(std::string_view path, std::string_view suffix);

/// True when `s` is a non-empty run of ASCII digits.
[[nodiscard]] bool is_digits(std::string_view s);

/// `s` with leading zeros removed ("017" -> "17", "0" stays "0").
[[nodiscard]] std::string strip_leading_zeros(std::string_view s);

}  // namespace cascade::collection_detail
