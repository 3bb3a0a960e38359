#pragma once
/// ICR, in-context re-ranking (Chen et al., 2024, "Attention in Large Language Models Yields
/// Efficient Zero-Shot Re-Rankers", ICLR 2025): no training, no generation. The documents go into
/// the context, then the query; a document's score is the attention probability the query's tokens
/// put on that document's tokens (summed over the document's tokens, every layer and head,
/// averaged over the query's tokens, as the authors' code does), minus the same measured with a
/// content-free query ("N/A"), which removes the model's position and length biases. The paper
/// needs two forward passes; here the documents' part of the prompt (the same in both) runs once
/// and both queries continue from copies of its KV cache.
///
/// Prompt (ChatML user turn, then the query as its last tokens):
///   "Here are some paragraphs:\n\n[1] {doc}\n\n[2] {doc}\n\n…Please find information that is
///    relevant to the following query in the paragraphs above.\n\nQuery:" + " {query}"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/decoder_lm.hpp"

namespace cascade::runtime {

/// The content-free query of the calibration pass.
inline constexpr std::string_view kIcrCalibrationQuery = "N/A";

struct IcrPrompt {
    std::vector<std::int32_t> prefix;  ///< instruction and documents, up to "Query:"
    /// [begin, end) positions of each document's tokens in prefix
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::vector<std::int32_t> query;        ///< " {query}"
    std::vector<std::int32_t> calibration;  ///< " N/A"
};

/// Documents cut to `passage_tokens` tokens (0: no cut). Throws Error when the prompt does not
/// fit the model's context.
[[nodiscard]] IcrPrompt build_icr_prompt(const DecoderLm& lm, std::string_view query,
                                         std::span<const std::string> documents,
                                         std::size_t passage_tokens);

/// One score per document: mass(query) − mass(N/A), in document order.
[[nodiscard]] std::vector<double> icr_scores(const DecoderLm& lm, const IcrPrompt& prompt);

}  // namespace cascade::runtime
