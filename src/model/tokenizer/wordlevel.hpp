#pragma once
/// WordLevel (HF models/wordlevel): each pre-tokenized word is looked up whole in the vocab;
/// a word that is not there becomes the unk token. Used by word-vector models (GloVe-style
/// static embeddings), where the pre-tokenizer does all the splitting.

#include "model/tokenizer/model.hpp"

namespace cascade::model::tok {

class WordLevel final : public Model {
public:
    /// From a tokenizer.json "model" object of type WordLevel: {"vocab": {token: id},
    /// "unk_token": "..."}. `unk_token` is required, as in HF's serialization; it need not be
    /// in the vocab until a word is missing (then tokenize() throws, as HF does).
    explicit WordLevel(const nlohmann::json& config);

    /// The word's id, else the unk token's id. Throws Error when neither is in the vocab.
    void tokenize(std::string_view word, std::vector<std::int32_t>& ids) const override;

private:
    std::string m_unk_token;
    std::optional<std::int32_t> m_unk_id;
};

}  // namespace cascade::model::tok
