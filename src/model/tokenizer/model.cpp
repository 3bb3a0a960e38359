#include "model/tokenizer/model.hpp"

#include <nlohmann/json.hpp>

#include "model/tokenizer/bpe.hpp"
#include "model/tokenizer/unigram.hpp"
#include "model/tokenizer/wordlevel.hpp"
#include "model/tokenizer/wordpiece.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

void Vocab::add(std::string token, std::int32_t id) {
    // Real vocabularies stay far below 2^24 (XLM-R 250k, Qwen 152k); a larger id is corrupt
    // and would otherwise allocate the reverse table up to it.
    constexpr std::int32_t kMaxId = 1 << 24;
    if (id < 0 || id >= kMaxId) {
        throw Error("tokenizer.json: token id " + std::to_string(id) + " of '" + token +
                    "' is outside [0, 2^24)");
    }
    auto index = static_cast<std::size_t>(id);
    if (index >= m_tokens.size()) {
        m_tokens.resize(index + 1);
    }
    if (m_tokens[index].empty()) {
        m_tokens[index] = token;
    }
    m_ids.emplace(std::move(token), id);
}

const std::string& Vocab::token(std::int32_t id) const {
    static const std::string kEmpty;
    if (id < 0 || static_cast<std::size_t>(id) >= m_tokens.size()) {
        return kEmpty;
    }
    return m_tokens[static_cast<std::size_t>(id)];
}

std::unique_ptr<Model> make_model(const nlohmann::json& config) {
    std::string type = config.value("type", std::string());
    if (type.empty()) {
        // Old files omit the type; HF then guesses from the fields.
        if (config.contains("merges"))
            type = "BPE";
        else if (config.contains("vocab") && config.at("vocab").is_array())
            type = "Unigram";
        else if (config.contains("continuing_subword_prefix"))
            type = "WordPiece";
    }
    if (type == "WordPiece")
        return std::make_unique<WordPiece>(config);
    if (type == "BPE")
        return std::make_unique<Bpe>(config);
    if (type == "Unigram")
        return std::make_unique<Unigram>(config);
    if (type == "WordLevel")
        return std::make_unique<WordLevel>(config);
    throw Error("tokenizer.json: not implemented: model " + (type.empty() ? "<none>" : type) +
                " (supported: WordPiece, BPE, Unigram, WordLevel)");
}

}  // namespace cascade::model::tok
