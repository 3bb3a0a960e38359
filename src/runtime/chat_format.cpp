#include "runtime/chat_format.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::runtime {

ChatTemplate parse_chat_template(std::string_view text) {
    if (text == "auto")
        return ChatTemplate::Auto;
    if (text == "chatml")
        return ChatTemplate::ChatMl;
    if (text == "llama3")
        return ChatTemplate::Llama3;
    throw UsageError(fmt::format("chat_template: expected auto, chatml or llama3, got '{}'", text));
}

std::string_view to_string(ChatTemplate t) {
    switch (t) {
        case ChatTemplate::ChatMl:
            return "chatml";
        case ChatTemplate::Llama3:
            return "llama3";
        case ChatTemplate::Auto:
            break;
    }
    return "auto";
}

namespace {

// The markers each format needs as single tokens.
std::vector<std::string_view> markers(ChatTemplate t) {
    if (t == ChatTemplate::Llama3)
        return {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};
    return {"<|im_start|>", "<|im_end|>"};
}

bool single_token(const model::Tokenizer& tokenizer, std::string_view text) {
    const auto id = tokenizer.token_to_id(text);
    return id && tokenizer.encode(text, false).ids == std::vector<std::int32_t>{*id};
}

}  // namespace

ChatFormat::ChatFormat(const model::Tokenizer& tokenizer, const std::filesystem::path& file,
                       ChatTemplate requested)
    : m_tokenizer(&tokenizer), m_kind(requested) {
    if (m_kind == ChatTemplate::Auto) {
        if (single_token(tokenizer, "<|im_start|>"))
            m_kind = ChatTemplate::ChatMl;
        else if (single_token(tokenizer, "<|start_header_id|>"))
            m_kind = ChatTemplate::Llama3;
        else
            throw InputError(file.string(),
                             "has neither <|im_start|> / <|im_end|> (ChatML: Qwen2, Qwen3) nor "
                             "<|start_header_id|> / <|eot_id|> (Llama 3) as tokens: the LLM "
                             "re-rankers build their prompts in one of those two chat formats");
    }
    for (std::string_view marker : markers(m_kind))
        if (!single_token(tokenizer, marker))
            throw InputError(
                file.string(),
                fmt::format("has no single token {}, which the {} chat format (chat_template) "
                            "needs",
                            marker, to_string(m_kind)));
    if (m_kind == ChatTemplate::Llama3) {
        m_begin = "<|begin_of_text|>";
        m_close_text = "<|eot_id|>";
        m_end = *tokenizer.token_to_id("<|eot_id|>");
    } else {
        m_close_text = "<|im_end|>\n";
        m_end = *tokenizer.token_to_id("<|im_end|>");
    }
    m_assistant_text = open_text("assistant");
    if (m_kind == ChatTemplate::ChatMl && tokenizer.token_to_id("<think>") &&
        tokenizer.token_to_id("</think>"))
        m_assistant_text += "<think>\n\n</think>\n\n";
    m_begin_ids = tokenizer.encode(m_begin, false).ids;
    m_close = tokenizer.encode(m_close_text, false).ids;
    m_assistant = tokenizer.encode(m_assistant_text, false).ids;
}

std::string ChatFormat::open_text(std::string_view role) const {
    if (m_kind == ChatTemplate::Llama3)
        return fmt::format("<|start_header_id|>{}<|end_header_id|>\n\n", role);
    return fmt::format("<|im_start|>{}\n", role);
}

std::vector<std::int32_t> ChatFormat::open(std::string_view role) const {
    return m_tokenizer->encode(open_text(role), false).ids;
}

}  // namespace cascade::runtime
