#pragma once
/// TREC topic files: the SGML `<top>` layout of TREC ad hoc, Robust and many Anserini topic
/// files, and the XML `<topic number="N"><query>` layout of the TREC Web tracks.

#include <string>
#include <vector>

#include "collection/types.hpp"

namespace cascade {

/// Reads topics; the query text is the title field (`<title>`, or `<query>` in the XML
/// layout), with a leading "Topic:" (TREC-1..3) removed and whitespace collapsed. The id is
/// the `<num>` value without its "Number:" label (or the `number` attribute). A topic without
/// an id or title, or an unclosed topic, is an InputError at its line.
[[nodiscard]] std::vector<Query> read_trec_topics(const std::string& path);

}  // namespace cascade
