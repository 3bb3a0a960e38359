#pragma once
/// Unigram language-model tokenization (Kudo 2018, "Subword Regularization"; SentencePiece,
/// as XLM-R uses): the segmentation of a word with the highest total piece log-probability,
/// found by Viterbi; characters no piece covers become unk (score min - 10, consecutive unks
/// fused) or, with byte_fallback, `<0xXX>` pieces (HF models/unigram, `encode_optimized`).

#include "model/tokenizer/model.hpp"
#include "model/tokenizer/prefix_trie.hpp"

namespace cascade::model::tok {

class Unigram final : public Model {
public:
    /// From a tokenizer.json "model" object of type Unigram: vocab [[piece, score], ...].
    explicit Unigram(const nlohmann::json& config);

    void tokenize(std::string_view word, std::vector<std::int32_t>& ids) const override;

private:
    std::vector<double> m_scores;
    std::optional<std::int32_t> m_unk_id;
    bool m_byte_fallback = false;
    bool m_fuse_unk = true;
    double m_min_score = 0.0;
    PrefixTrie m_trie;
};

}  // namespace cascade::model::tok
