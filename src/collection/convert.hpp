#pragma once
/// Conversion of any supported collection into a BEIR folder (`corpus.jsonl`,
/// `queries.jsonl`, `qrels/<split>.tsv`), the layout of Thakur et al. 2021 (arXiv:2104.08663).
/// ConvertOptions, ConvertReport and convert_to_beir are public (cascade/collection.hpp).

#include <cascade/collection.hpp>
