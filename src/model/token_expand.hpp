#pragma once
/// TILDE as a passage expansion model (Zhuang & Zuccon, 2021, "Fast Passage Re-ranking with
/// Contextualized Exact Term Matching and Efficient Passage Expansion", section 3.2), the
/// expansion TILDEv2 is trained and indexed with. Follows ielab/TILDE's expansion.py:
/// - folder: a Hugging Face `BertLMHeadModel` (ielab/TILDE): the encoder under `bert.` and the
///   cls.predictions MLM head as BertForMaskedLM has it (loaded by SpladeEncoder's code), run
///   bidirectionally (a config with is_decoder true is refused: TILDE never sets it);
/// - input: `[CLS] passage [SEP]` cut to 128 tokens, its first id replaced by 1 (TILDE's
///   passage marker, `[unused0]` in BERT's vocabulary), token types 0;
/// - the vocabulary logits at that first position; the top m ids (m before filtering; 200 for
///   TILDEv2-TILDE200-exp), less the ids of the input itself and the bad ids of clean_vacab
///   (tilde_expansion_bad_ids), kept in descending logit order (ties: lower id first);
/// - the expanded passage is the input's ids after the marker (text then [SEP]) followed by the
///   new ids; TILDEv2 encodes it as `[CLS] ids [SEP]` cut to its passage length
///   (TildeEncoder::encode_ids).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "model/token_splade.hpp"

namespace cascade::model {

class TildeExpander {
public:
    /// expansion.py's p_max_len: passage tokens, specials included.
    static constexpr std::size_t kDefaultMaxLength = 128;
    /// m in the paper and ielab's TILDEv2-TILDE200-exp model: ids taken before filtering.
    static constexpr std::size_t kDefaultTerms = 200;
    /// The id that replaces [CLS] in a passage input (train_tilde.py's [DOC]).
    static constexpr std::int32_t kPassageMarker = 1;

    /// Loads a BertLMHeadModel folder; `max_length` 0 means kDefaultMaxLength. UsageError
    /// naming the folder and its architecture for another kind, or is_decoder true.
    TildeExpander(const std::filesystem::path& dir, EncoderOptions options,
                  std::size_t max_length = 0);

    [[nodiscard]] const Tokenizer& tokenizer() const { return m_mlm.tokenizer(); }
    [[nodiscard]] std::size_t max_length() const { return m_max_length; }
    [[nodiscard]] std::size_t vocab_size() const { return m_mlm.vocab_size(); }

    /// The model's input for a passage: `[CLS] text [SEP]` cut to max_length(), the first id
    /// replaced by kPassageMarker.
    [[nodiscard]] Encoding encode_passage(std::string_view text) const;
    /// Vocabulary logits at the first position of each encoding, [encodings, vocab_size()].
    [[nodiscard]] std::vector<float> logits(const std::vector<Encoding>& encodings,
                                            std::size_t threads);
    /// The new ids of each encoding (from encode_passage), in descending logit order: the
    /// top `terms` ids less those in the encoding and the bad ids. `terms` above
    /// vocab_size() takes the whole vocabulary; UsageError for 0.
    [[nodiscard]] std::vector<std::vector<std::int32_t>> expand(
        const std::vector<Encoding>& encodings, std::size_t terms, std::size_t threads);
    /// The expanded passage as ielab stores it: the encoding's ids after the marker, padding
    /// dropped, then `expansion`.
    [[nodiscard]] static std::vector<std::int32_t> expanded_ids(
        const Encoding& encoding, const std::vector<std::int32_t>& expansion);
    /// Whether expansion never adds `id`.
    [[nodiscard]] bool is_bad(std::int32_t id) const;

private:
    SpladeEncoder m_mlm;
    std::size_t m_max_length = 0;
    std::vector<bool> m_bad;
};

}  // namespace cascade::model
