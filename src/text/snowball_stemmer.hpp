#pragma once
/// Snowball's `porter` stemmer from libstemmer (https://snowballstem.org/algorithms/porter/).

#include <string>

namespace cascade::text {

/// Stems one lower-cased UTF-8 word in place with libstemmer's "porter" algorithm. Thread-safe:
/// each thread keeps its own libstemmer instance (they are not safe to share).
void snowball_porter_stem(std::string& word);

}  // namespace cascade::text
