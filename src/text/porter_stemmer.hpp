#pragma once
/// The Porter stemmer exactly as Lucene's PorterStemFilter applies it.
///
/// Algorithm: M. F. Porter, "An algorithm for suffix stripping", Program 14(3):130-137, 1980,
/// in the form of Porter's own reference implementation ("Release 3", which Lucene's
/// org.apache.lucene.analysis.en.PorterStemmer derives from). That form departs from the paper
/// (and from Snowball's `porter`) in a few places, which is why cascade carries its own
/// implementation instead of libstemmer's for Anserini-exact terms:
///   - step 2 maps -bli to -ble (the paper: -abli to -able) and adds -logi to -log;
///   - words of one or two characters are never stemmed;
///   - letters are compared as UTF-16 code units and every non-ASCII unit is a consonant.
/// Measured differences to Snowball on real vocabulary are in docs/analysis.md.

#include <string>

namespace cascade::text {

/// Stems one lower-cased UTF-8 word in place. Never lengthens the word. Thread-safe.
void porter_stem(std::string& word);

/// Stems a UTF-16 word in place (the form Lucene stems); exposed for tests.
void porter_stem(std::u16string& word);

}  // namespace cascade::text
