#pragma once
/// SentencePiece `.model` files (Kudo & Richardson 2018) turned into the equivalent
/// tokenizer.json, for model folders that ship only `tokenizer.model` (Llama 2 style).

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

/// Reads a serialized SentencePiece ModelProto of type BPE and returns the tokenizer.json that
/// Hugging Face's Llama conversion produces: Prepend("▁") (add_dummy_prefix) and
/// Replace(" ", "▁") normalizers, no pre-tokenizer, BPE with byte_fallback and fused unks, merges
/// derived from the piece scores (a pair merges with the score of the piece it forms), the
/// control and unknown pieces as special added tokens and a `<s> $A` template. Throws
/// InputError for a malformed file and for what is not implemented (Unigram models,
/// remove_extra_whitespaces).
nlohmann::json sentencepiece_bpe_to_json(const std::string& path);

}  // namespace cascade::model::tok
