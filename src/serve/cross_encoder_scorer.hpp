#pragma once
/// The PairScorer of a cascade cross-encoder model folder.

#include <filesystem>
#include <memory>

#include "model/text_encoders.hpp"
#include "serve/batcher.hpp"

namespace cascade::serve {

/// Loads a cross-encoder (tokenizer.json + ...ForSequenceClassification weights). Throws
/// cascade::Error when the folder is not a usable cross-encoder.
[[nodiscard]] std::unique_ptr<PairScorer> load_cross_encoder(const std::filesystem::path& dir,
                                                             model::EncoderOptions options);

}  // namespace cascade::serve
