#pragma once
/// WordPiece (Wu et al. 2016, "Google's Neural Machine Translation System"; BERT, Devlin et al.
/// 2019): greedy longest-match-first over the vocab, `##` marking word-internal pieces, the
/// whole word becoming [UNK] when any part cannot be matched (HF models/wordpiece).

#include "model/tokenizer/model.hpp"
#include "model/tokenizer/prefix_trie.hpp"

namespace cascade::model::tok {

class WordPiece final : public Model {
public:
    /// From a tokenizer.json "model" object of type WordPiece.
    explicit WordPiece(const nlohmann::json& config);
    /// From a bare vocab (vocab.txt) with BERT's defaults: `##`, 100 characters per word.
    WordPiece(Vocab vocab, const std::string& unk_token);

    void tokenize(std::string_view word, std::vector<std::int32_t>& ids) const override;

private:
    void set_unk(const std::string& unk_token);
    void build_tries();

    std::string m_prefix = "##";
    std::size_t m_max_chars = 100;
    std::int32_t m_unk_id = 0;
    PrefixTrie m_word_start;    // every token, matched at the start of a word
    PrefixTrie m_continuation;  // tokens with the prefix, stored without it
};

}  // namespace cascade::model::tok
