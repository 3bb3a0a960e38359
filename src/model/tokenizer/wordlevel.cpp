#include "model/tokenizer/wordlevel.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cascade::model::tok {

WordLevel::WordLevel(const nlohmann::json& c) {
    const auto vocab = c.find("vocab");
    if (vocab == c.end() || !vocab->is_object()) {
        throw Error("tokenizer.json: WordLevel model lacks its \"vocab\" object");
    }
    for (const auto& [token, id] : vocab->items()) {
        m_vocab.add(token, id.get<std::int32_t>());
    }
    const auto unk = c.find("unk_token");
    if (unk == c.end() || !unk->is_string()) {
        throw Error("tokenizer.json: WordLevel model lacks \"unk_token\"");
    }
    m_unk_token = unk->get<std::string>();
    m_unk_id = m_vocab.find(m_unk_token);
}

void WordLevel::tokenize(std::string_view word, std::vector<std::int32_t>& ids) const {
    if (auto id = m_vocab.find(word)) {
        ids.push_back(*id);
        return;
    }
    if (!m_unk_id) {
        throw Error("WordLevel tokenizer: '" + std::string(word) +
                    "' is not in the vocab, and neither is its unk_token '" + m_unk_token + "'");
    }
    ids.push_back(*m_unk_id);
}

}  // namespace cascade::model::tok
