#pragma once
/// The chat formats the LLM re-rankers build their prompts in (cascade's own templates, no
/// Jinja engine), chosen by the model option `chat_template`:
///
/// - `chatml`: Qwen2 / Qwen3 (and Qwen3-Reranker): `<|im_start|>role\n … <|im_end|>\n`; with a
///   `<think>` token (Qwen3) the assistant turn opens with an empty think block, as Qwen3's
///   template does with thinking off.
/// - `llama3`: Llama 3.x instruct models: `<|begin_of_text|>` once, then
///   `<|start_header_id|>role<|end_header_id|>\n\n … <|eot_id|>` (Meta's Llama 3 prompt
///   format; the same turns as the chat_template of Llama-3.1-8B-Instruct's tokenizer_config.json
///   without its optional date/tools system header).
/// - `auto` (default): `chatml` when the tokenizer has `<|im_start|>`, else `llama3` when it has
///   `<|start_header_id|>`.
///
/// Every marker must be one added token of the tokenizer, so that the prompt's text tokenizes
/// to exactly the ids the model was trained on; the turns are built as text and tokenized whole.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace cascade::runtime {

enum class ChatTemplate { Auto, ChatMl, Llama3 };

/// "auto", "chatml" or "llama3" -> the template; UsageError naming `chat_template` otherwise.
[[nodiscard]] ChatTemplate parse_chat_template(std::string_view text);
[[nodiscard]] std::string_view to_string(ChatTemplate t);

class ChatFormat {
public:
    /// Resolves `requested` (Auto from the tokenizer's tokens) and checks that every marker of
    /// the format is a single token. InputError naming `file` and the missing tokens otherwise.
    ChatFormat(const model::Tokenizer& tokenizer, const std::filesystem::path& file,
               ChatTemplate requested = ChatTemplate::Auto);

    /// ChatMl or Llama3 (never Auto).
    [[nodiscard]] ChatTemplate kind() const { return m_kind; }

    /// What a prompt starts with: "" (ChatML) or "<|begin_of_text|>" (Llama 3).
    [[nodiscard]] const std::string& begin_text() const { return m_begin; }
    /// A turn's opening: "<|im_start|>role\n" or "<|start_header_id|>role<|end_header_id|>\n\n".
    [[nodiscard]] std::string open_text(std::string_view role) const;
    /// A turn's end: "<|im_end|>\n" or "<|eot_id|>".
    [[nodiscard]] const std::string& close_text() const { return m_close_text; }
    /// The assistant turn's opening, with Qwen3's empty think block where the tokenizer has one.
    [[nodiscard]] const std::string& assistant_text() const { return m_assistant_text; }

    /// The same as token ids.
    [[nodiscard]] const std::vector<std::int32_t>& begin() const { return m_begin_ids; }
    [[nodiscard]] std::vector<std::int32_t> open(std::string_view role) const;
    [[nodiscard]] const std::vector<std::int32_t>& close() const { return m_close; }
    [[nodiscard]] const std::vector<std::int32_t>& assistant() const { return m_assistant; }
    /// The token that ends a turn (and a generated answer): <|im_end|> or <|eot_id|>.
    [[nodiscard]] std::int32_t end_id() const { return m_end; }

private:
    const model::Tokenizer* m_tokenizer;
    ChatTemplate m_kind = ChatTemplate::ChatMl;
    std::string m_begin;
    std::string m_close_text;
    std::string m_assistant_text;
    std::vector<std::int32_t> m_begin_ids;
    std::vector<std::int32_t> m_close;
    std::vector<std::int32_t> m_assistant;
    std::int32_t m_end = 0;
};

}  // namespace cascade::runtime
