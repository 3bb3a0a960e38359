#include "runtime/pointwise_prompt.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::runtime {
namespace {

constexpr std::string_view kSystem =
    "Judge whether the Document meets the requirements based on the Query and the Instruct "
    "provided. Note that the answer can only be \"yes\" or \"no\".";

}  // namespace

PointwisePrompt::PointwisePrompt(model::Tokenizer tokenizer, std::filesystem::path tokenizer_file,
                                 ChatTemplate chat_template)
    : m_tokenizer(std::move(tokenizer)), m_file(std::move(tokenizer_file)) {
    const ChatFormat chat(m_tokenizer, m_file, chat_template);
    // Qwen3-Reranker's prefix and suffix, in the chosen chat format, each tokenized whole.
    m_system = ids(chat.begin_text() + chat.open_text("system") + std::string(kSystem) +
                   chat.close_text() + chat.open_text("user"));
    m_suffix = ids(chat.close_text() + chat.assistant_text());
}

std::vector<std::int32_t> PointwisePrompt::ids(std::string_view text) const {
    return m_tokenizer.encode(text, false).ids;
}

std::int32_t PointwisePrompt::token_id(std::string_view token, std::string_view option) const {
    const auto id = m_tokenizer.token_to_id(token);
    if (!id)
        throw InputError(m_file.string(),
                         fmt::format("the tokenizer has no token '{}' (the {} option names the "
                                     "vocabulary entry whose logit the re-ranker reads)",
                                     token, option));
    return *id;
}

std::vector<model::Encoding> PointwisePrompt::encode(std::string_view instruction,
                                                     std::string_view query,
                                                     std::span<const std::string> documents,
                                                     std::size_t max_length,
                                                     std::string_view limit_source) const {
    // Tokenized at "<Document>:" | " {document}": the pre-tokenizer ends a word at ':' before
    // a space, so the split gives the ids of tokenizing the whole user text at once.
    std::vector<std::int32_t> shared = m_system;
    const auto user =
        ids(fmt::format("<Instruct>: {}\n<Query>: {}\n<Document>:", instruction, query));
    shared.insert(shared.end(), user.begin(), user.end());
    const std::size_t fixed = shared.size() + m_suffix.size();
    if (fixed + 1 > max_length)
        throw Error(
            fmt::format("the LLM re-ranker prompt needs {} tokens besides the document "
                        "(instruction and query included), but the limit is {} tokens ({}); "
                        "shorten the query or instruction or raise the limit",
                        fixed, max_length, limit_source));
    const std::size_t room = max_length - fixed;
    std::vector<model::Encoding> out;
    out.reserve(documents.size());
    for (const std::string& document : documents) {
        auto doc = ids(" " + document);
        if (doc.size() > room)
            doc.resize(room);
        model::Encoding e;
        e.ids.reserve(fixed + doc.size());
        e.ids = shared;
        e.ids.insert(e.ids.end(), doc.begin(), doc.end());
        e.ids.insert(e.ids.end(), m_suffix.begin(), m_suffix.end());
        e.type_ids.assign(e.ids.size(), 1);
        std::fill_n(e.type_ids.begin(), shared.size(), 0);
        e.attention_mask.assign(e.ids.size(), 1);
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace cascade::runtime
