#pragma once
/// Text in, scores or vectors out: a tokenizer plus an Encoder from one model folder.
/// CrossEncoder scores (query, document) pairs (Nogueira & Cho, 2019, "Passage Re-ranking with
/// BERT"); BiEncoder embeds texts (Reimers & Gurevych, 2019, "Sentence-BERT").

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "model/encoder.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace cascade::model {

/// Shared loading: tokenizer, encoder and the effective maximum length.
class TextModel {
public:
    /// `max_length` 0 means: the tokenizer.json truncation length if it has one, else the
    /// model's position limit; a larger value is an error.
    TextModel(const std::filesystem::path& dir, EncoderOptions options, std::size_t max_length);
    [[nodiscard]] const ModelConfig& config() const { return m_encoder.config(); }
    [[nodiscard]] std::size_t max_length() const { return m_max_length; }
    [[nodiscard]] const Tokenizer& tokenizer() const { return m_tokenizer; }

protected:
    [[nodiscard]] std::vector<std::vector<float>> run(const std::vector<Encoding>& encodings);
    /// The same on `threads` threads (clamped to [1, EncoderOptions::threads]; Encoder::run).
    [[nodiscard]] std::vector<std::vector<float>> run(const std::vector<Encoding>& encodings,
                                                      std::size_t threads);

private:
    Tokenizer m_tokenizer;
    Encoder m_encoder;
    std::size_t m_max_length = 0;
};

/// A sequence-classification model used as a re-ranker.
class CrossEncoder : public TextModel {
public:
    CrossEncoder(const std::filesystem::path& dir, EncoderOptions options,
                 std::size_t max_length = 0);
    /// One score per pair, in input order: the raw logit for num_labels = 1, and the logit of
    /// label 1 ("relevant") for two-label models. Pairs are encoded `[CLS] q [SEP] d [SEP]`
    /// and truncated longest-first to max_length.
    [[nodiscard]] std::vector<float> score(
        const std::vector<std::pair<std::string, std::string>>& pairs);
};

/// An embedding model (pooling head).
class BiEncoder : public TextModel {
public:
    BiEncoder(const std::filesystem::path& dir, EncoderOptions options, std::size_t max_length = 0);
    /// One pooled (and, if the model says so, L2-normalised) vector per text, in input order.
    [[nodiscard]] std::vector<std::vector<float>> embed(const std::vector<std::string>& texts);
};

}  // namespace cascade::model
