#pragma once
/// TILDEv2 (Zhuang & Zuccon, 2021, "Fast Passage Re-ranking with Contextualized Exact Term
/// Matching and Efficient Passage Expansion"): a BERT encoder and a linear scorer `tok_proj`
/// [1, hidden] give every passage token a weight ReLU(tok_proj(h)); a query is only tokenised,
/// and a passage scores the sum, over query tokens, of the passage's weight for that token.
///
/// Folders: TILDEv2 as ielab/TILDE's modelingv2.py saves it: config.json with architectures
/// ["TILDEv2"], the encoder under `bert.` (its pooler unused), `tok_proj.weight` [1, hidden] and
/// `tok_proj.bias` [1]. What is stored and scored follows ielab/TILDE exactly:
/// - passage (indexingv2.py): `[CLS] passage [SEP]` cut to p_max_len tokens (192 by default);
///   the weights of tokens in the stop-id set are not stored, and each distinct remaining id
///   keeps the max weight over its occurrences (inferencev2.py's direct index). [CLS], [SEP]
///   and the other special tokens are in the stop-id set, so they are never stored.
/// - query (inferencev2.py): the ids without special tokens, stop ids removed, duplicates
///   kept (a repeated query token counts once per occurrence).
/// - stop ids (tools.py get_stop_ids, plus the tokenizer's special ids): the single-token NLTK
///   English stop words other than what/which/who/when/where/why/how, `##s`, and every
///   vocabulary entry not starting with '#' that is not made of [A-Za-z0-9_-] only (symbols,
///   non-ASCII letters, [unused*] entries).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "model/layers.hpp"
#include "model/token_encoder.hpp"

namespace cascade::model {

class TildeEncoder {
public:
    /// ielab/TILDE indexingv2.py's --p_max_len default: passage tokens, specials included.
    static constexpr std::size_t kDefaultMaxLength = 192;

    /// Loads a TILDEv2 folder; `max_length` 0 means kDefaultMaxLength. Throws UsageError
    /// naming the folder and architecture for a folder of another kind, Error naming a missing
    /// tensor.
    TildeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                 std::size_t max_length = 0);

    [[nodiscard]] const Tokenizer& tokenizer() const { return m_core.tokenizer(); }
    [[nodiscard]] std::size_t max_length() const { return m_max_length; }

    /// `[CLS] passage [SEP]` cut to `max_length` tokens (0: max_length()).
    [[nodiscard]] Encoding encode_document(std::string_view text, std::size_t max_length = 0) const;
    /// `[CLS] content [SEP]` from token ids (the tokenizer's special tokens around an empty
    /// text), `content` cut to fit `max_length` tokens (0: max_length()): how ielab/TILDE's
    /// indexingv2.py encodes an expanded passage stored as ids (encode_plus of an id list,
    /// truncation only_first).
    [[nodiscard]] Encoding encode_ids(std::span<const std::int32_t> content,
                                      std::size_t max_length = 0) const;
    /// One weight per token of each encoding, concatenated in input order: ReLU(tok_proj(h))
    /// for tokens with attention mask 1, 0 for padding. Runs on `threads` threads.
    [[nodiscard]] std::vector<float> token_weights(const std::vector<Encoding>& encodings,
                                                   std::size_t threads);
    /// The stored weights of a passage from its ids and token_weights(): one (id, weight)
    /// per distinct id not in the stop-id set, the max over its occurrences, by id ascending.
    /// Weights can be 0 (ReLU); TILDEv2 stores those too.
    [[nodiscard]] std::vector<std::pair<std::int32_t, float>> distinct_weights(
        std::span<const std::int32_t> ids, std::span<const float> weights) const;
    /// The query's ids as TILDEv2 scores them: no special tokens, stop ids removed, in order,
    /// duplicates kept. Empty when nothing is left (e.g. only stop words).
    [[nodiscard]] std::vector<std::int32_t> query_tokens(std::string_view text) const;
    /// Whether `id` is in the stop-id set.
    [[nodiscard]] bool is_stop(std::int32_t id) const;
    /// The stop-id set, sorted.
    [[nodiscard]] std::vector<std::int32_t> stop_ids() const;

private:
    TildeEncoder(const std::filesystem::path& dir, EncoderOptions options, std::size_t max_length,
                 const WeightStore& store);
    void build_stop_ids();

    TokenEncoderCore m_core;
    Linear m_scorer;  ///< tok_proj: [1, hidden] + bias
    std::size_t m_max_length = 0;
    std::vector<bool> m_stop;  ///< m_stop[id]: id is a stop id
};

/// The ids ielab/TILDE's expansion.py (clean_vacab) never adds to a passage, as flags per id
/// (size max(vocab, tok.vocab_size())): the single-token NLTK English stop words (the whole
/// list, question words included) and "definition", `##s`, and every vocabulary entry not
/// starting with '#' that is not made of [A-Za-z0-9_-] only (so the bracketed special tokens
/// too). Ids without a vocabulary entry are not flagged, as there.
[[nodiscard]] std::vector<bool> tilde_expansion_bad_ids(const Tokenizer& tok, std::size_t vocab);

}  // namespace cascade::model
