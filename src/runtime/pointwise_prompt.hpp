#pragma once
/// The prompt of a pointwise yes/no LLM re-ranker, in Qwen3-Reranker's format: the model card
/// of https://huggingface.co/Qwen/Qwen3-Reranker-0.6B (its `prefix`, `suffix` and
/// `format_instruction`), checked against the same text in vLLM Ascend's Qwen3-Reranker
/// tutorial (`docs/source/tutorials/Qwen3_reranker.md`: `prefix`, `suffix`,
/// `query_template`, `document_template`):
///
///     <|im_start|>system\n
///     Judge whether the Document meets the requirements based on the Query and the Instruct
///     provided. Note that the answer can only be "yes" or "no".<|im_end|>\n
///     <|im_start|>user\n
///     <Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}
///     <|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n
///
/// (one line above wrapped for reading; the system text is one line). As the model card does,
/// the system part, the user text and the assistant part are tokenized separately and
/// concatenated; a document too long for the model is cut at its end.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"
#include "runtime/chat_format.hpp"

namespace cascade::runtime {

/// Builds token ids of (instruction, query, document) prompts. Every document of one query
/// shares the ids up to and including `<Document>:` (the space after it belongs to the
/// document: byte-level BPE merges it into the document's first word); those ids are marked
/// with type id 0, the document and the assistant suffix with 1, so a model can compute the
/// shared part once (DecoderReranker::forward).
class PointwisePrompt {
public:
    /// The turns in `chat_template`'s format (ChatFormat: the system line and the empty think
    /// block as above in ChatML; in Llama 3's the same system and user text in its turns).
    /// Throws InputError naming `tokenizer_file` when the tokenizer lacks the format's tokens.
    PointwisePrompt(model::Tokenizer tokenizer, std::filesystem::path tokenizer_file,
                    ChatTemplate chat_template = ChatTemplate::Auto);

    /// One encoding per document, each at most `max_length` tokens: documents are cut at their
    /// end to fit. Throws Error naming `limit_source` when the prompt without the document
    /// does not leave room for one document token.
    [[nodiscard]] std::vector<model::Encoding> encode(std::string_view instruction,
                                                      std::string_view query,
                                                      std::span<const std::string> documents,
                                                      std::size_t max_length,
                                                      std::string_view limit_source) const;

    /// The id of `token` as one vocabulary entry; InputError naming the tokenizer file and
    /// `option` (e.g. "yes_token") when the tokenizer has no such entry.
    [[nodiscard]] std::int32_t token_id(std::string_view token, std::string_view option) const;

    [[nodiscard]] const model::Tokenizer& tokenizer() const { return m_tokenizer; }

private:
    [[nodiscard]] std::vector<std::int32_t> ids(std::string_view text) const;

    model::Tokenizer m_tokenizer;
    std::filesystem::path m_file;
    std::vector<std::int32_t> m_system;  ///< system turn + the user turn's opening
    std::vector<std::int32_t> m_suffix;  ///< end of the user turn + the assistant's opening
};

}  // namespace cascade::runtime
