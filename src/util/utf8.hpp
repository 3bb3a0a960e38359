#pragma once
/// UTF-8 validation and repair.

#include <string>
#include <string_view>

namespace cascade {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s);

/// Returns `s` with every ill-formed sequence replaced by U+FFFD, following the Unicode
/// "maximal subpart" practice (one replacement per maximal invalid prefix).
[[nodiscard]] std::string sanitize_utf8(std::string_view s);

/// Repairs `s` in place; returns true when something was replaced.
bool sanitize_utf8_inplace(std::string& s);

/// Appends code point `cp` (at most U+10FFFF) to `out` as UTF-8, in 1 to 4 bytes.
void append_utf8(std::string& out, char32_t cp);

}  // namespace cascade
