#pragma once
/// The model-family seam: what the scheduler needs from one loaded copy (replica) of a model
/// on one device. A family (BERT cross-encoder, BERT bi-encoder, decoder yes/no re-rankers,
/// the token-level SPLADE / ColBERT / TILDEv2 encoders; a GPU backend later) implements it;
/// callers never see which one they got.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace cascade::runtime {

/// What a model computes for one work item.
enum class Task {
    ScorePairs,  ///< (query, document) pair -> one relevance score (a logit)
    EmbedTexts,  ///< text -> one vector of output_width() floats
    /// text -> one weight per vocabulary entry (output_width() = vocabulary size): SPLADE
    SparseTexts,
    /// query or document -> n × output_width() floats, one L2-normalised vector per kept
    /// token (n = output_size() / output_width()): ColBERT. The encoding says which side it is.
    TokenVectors,
    /// document -> one weight per token of its encoding (output_width() = 1): TILDEv2
    TokenWeights,
};

[[nodiscard]] std::string_view to_string(Task task);

/// One replica of a loaded model. encode_*() are const and run on callers' threads
/// concurrently; forward() runs on the scheduler worker that owns this replica.
class Model {
public:
    virtual ~Model() = default;

    [[nodiscard]] virtual Task task() const = 0;
    /// The longest sequence, special tokens included, the model accepts.
    [[nodiscard]] virtual std::size_t max_length() const = 0;
    /// Floats forward() returns per item: 1 for ScorePairs, the embedding size for EmbedTexts,
    /// the vocabulary size for SparseTexts; for the ragged tasks the floats per unit of output
    /// (a token vector's dimension for TokenVectors, 1 for TokenWeights).
    [[nodiscard]] virtual std::size_t output_width() const = 0;
    /// Floats forward() returns for `encoding`: output_width() for the fixed-width tasks (the
    /// default), and what the encoding's tokens make for the ragged ones (TokenVectors: kept
    /// tokens × dimension; TokenWeights: tokens). The scheduler splits outputs by it.
    [[nodiscard]] virtual std::size_t output_size(const model::Encoding& /*encoding*/) const {
        return output_width();
    }

    /// Token ids of each (query, document) pair, truncated to `max_length` tokens
    /// (ScorePairs models). `instruction` is the task text of models whose prompt has one
    /// (LLM re-rankers; empty: the one the model was loaded with); other families ignore it.
    /// It is per call, not per loaded copy, so callers with different instructions share
    /// the weights.
    [[nodiscard]] virtual std::vector<model::Encoding> encode_pairs(
        const std::string& query, std::span<const std::string> documents, std::size_t max_length,
        std::string_view instruction = {}) const;
    /// Token ids of each text, truncated to `max_length` tokens (EmbedTexts models).
    [[nodiscard]] virtual std::vector<model::Encoding> encode_texts(
        std::span<const std::string> texts, std::size_t max_length) const;

    /// output_size() floats per encoding, concatenated in input order, computed on `threads`
    /// threads (at least 1).
    [[nodiscard]] virtual std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                                                     std::size_t threads) = 0;
};

}  // namespace cascade::runtime
