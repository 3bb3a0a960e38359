#pragma once
/// Lower-casing as Lucene's LowerCaseFilter does it.

#include <string>
#include <string_view>

namespace cascade::text {

/// Replaces `out` with `in` lower-cased code point by code point with the simple (1:1) Unicode
/// case mapping, as java.lang.Character.toLowerCase(int) in Lucene's LowerCaseFilter (no
/// context-sensitive or 1:n mappings, so "İ" becomes "i" and "ẞ" becomes "ß"). `in` must be
/// well-formed UTF-8. Pure-ASCII input takes a byte loop.
void lower_case(std::string_view in, std::string& out);

}  // namespace cascade::text
