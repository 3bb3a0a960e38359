#pragma once
/// Truncation of one sequence or a pair before special tokens are added, as HF's
/// `truncate_encodings` (tokenizers/src/utils/truncation.rs) does, direction Right, stride 0.

#include <cstddef>

#include "model/tokenizer/post_processor.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace cascade::model::tok {

/// `max_length` less the `added` special tokens; throws Error when they do not fit.
std::size_t effective_length(std::size_t max_length, std::size_t added);

/// Cuts `a` (and `b`) so that together they hold at most `max_length` tokens. longest_first
/// keeps the shorter sequence whole when the longer can absorb the cut, otherwise halves
/// max_length, the odd token going to the longer sequence (the second on equal lengths).
/// only_first / only_second throw Error when the chosen sequence is too short to remove
/// enough (or absent).
///
/// HF tokenizers 0.23 encodes, when truncation is on, only the prefix of each sequence's
/// pre-token words that first reaches the requested max_length (a word straddling the limit
/// is kept whole), and truncates those lengths: so a sequence of 3-piece words can enter this
/// function with 130 tokens against a 128-token partner and take the odd token. Callers get
/// that by encoding with the word limit (Tokenizer::encode_pair does). Probed through npm
/// `tokenizers@0.23.2` (docs/tokenizers.md).
void truncate(IdSequence& a, IdSequence* b, std::size_t max_length, TruncationStrategy strategy);

}  // namespace cascade::model::tok
