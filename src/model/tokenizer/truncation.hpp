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
/// max_length, the odd token going to the longer sequence, or to the second when both hold at
/// least `requested_length` tokens (the caller's limit before special tokens are taken off;
/// HF tokenizers 0.23 as probed through npm). only_first / only_second throw Error when the chosen sequence
/// is too short to remove enough (or absent).
void truncate(IdSequence& a, IdSequence* b, std::size_t max_length, TruncationStrategy strategy,
              std::size_t requested_length = 0);

}  // namespace cascade::model::tok
