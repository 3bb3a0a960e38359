#pragma once
/// ColBERT (Khattab & Zaharia, 2020, "ColBERT: Efficient and Effective Passage Search via
/// Contextualized Late Interaction over BERT"; ColBERTv2, Santhanam et al., 2022): one
/// L2-normalised vector per token, from a BERT encoder and a bias-free linear projection.
///
/// Folders: colbert-ai's `HF_ColBERT` layout as published by colbert-ir/colbertv2.0: config.json
/// with architectures ["HF_ColBERT"], the encoder under `bert.` (`roberta.` for XLM-R), the
/// projection `linear.weight` [dim, hidden], and `artifact.metadata` (colbert-ai's
/// ColBERTConfig as JSON). Tokenisation and masking reproduce colbert-ai
/// (colbert/modeling/tokenization/query_tokenization.py, doc_tokenization.py and
/// colbert/modeling/colbert.py):
/// - query: `[CLS] [Q] text [SEP]`, the text cut so that this is at most query_maxlen tokens,
///   then padded with [MASK] to exactly query_maxlen (query augmentation); the [MASK] padding
///   is not attended to unless attend_to_mask_tokens; every one of the query_maxlen vectors is
///   kept. [Q] is the token query_token_id names ([unused0]).
/// - document: `[CLS] [D] text [SEP]`, at most doc_maxlen tokens; the vectors of punctuation
///   tokens (when mask_punctuation: the first token id of each character of Python's
///   string.punctuation) and of [PAD] are dropped. [D] is doc_token_id ([unused1]).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/layers.hpp"
#include "model/token_encoder.hpp"

namespace cascade::model {

/// The artifact.metadata fields the encoder uses, with colbert-ai's ColBERTConfig defaults
/// (colbert/infra/config/settings.py) for those absent.
struct ColbertSettings {
    std::size_t query_maxlen = 32;
    std::size_t doc_maxlen = 220;
    std::string query_token_id = "[unused0]";  ///< the [Q] marker's vocabulary entry
    std::string doc_token_id = "[unused1]";    ///< the [D] marker's vocabulary entry
    bool mask_punctuation = true;
    bool attend_to_mask_tokens = false;
    std::optional<std::size_t> dim;  ///< when given, linear.weight must have this many rows
    bool from_metadata = false;      ///< false: no artifact.metadata, every default applies
};

/// Reads `dir/artifact.metadata` (a JSON object; its fields at the top level or under
/// "config", as colbert-ai's BaseConfig.from_path accepts). A folder without one gets the
/// defaults, as colbert-ai gives it. Throws InputError naming the file and field for a wrong
/// type or value, and for a similarity other than "cosine" or an interaction other than
/// "colbert" (the MaxSim over normalised vectors every consumer here computes).
[[nodiscard]] ColbertSettings read_colbert_settings(const std::filesystem::path& dir);

class ColbertEncoder {
public:
    /// Loads an HF_ColBERT folder; `doc_maxlen` > 0 overrides the metadata's. Throws
    /// UsageError naming the folder and architecture for a folder of another kind, Error for
    /// a missing `linear.weight` or marker token, InputError for bad metadata.
    ColbertEncoder(const std::filesystem::path& dir, EncoderOptions options,
                   std::size_t doc_maxlen = 0);

    [[nodiscard]] const ColbertSettings& settings() const { return m_settings; }
    [[nodiscard]] const Tokenizer& tokenizer() const { return m_core.tokenizer(); }
    /// Floats per token vector.
    [[nodiscard]] std::size_t dim() const { return m_linear.out_features(); }
    /// Token ids whose document vectors are dropped (punctuation), sorted; empty when
    /// mask_punctuation is false.
    [[nodiscard]] const std::vector<std::int32_t>& skiplist() const { return m_skiplist; }

    /// The query encoding: query_maxlen ids, attention mask 1 on [CLS] [Q] text [SEP] and
    /// 0 on the [MASK] padding (1 everywhere when attend_to_mask_tokens).
    [[nodiscard]] Encoding encode_query(std::string_view text) const;
    /// The document encoding: `[CLS] [D] text [SEP]`, at most `max_length` ids (0:
    /// doc_maxlen), mask all 1.
    [[nodiscard]] Encoding encode_document(std::string_view text, std::size_t max_length = 0) const;
    /// Whether `encoding` is a query (its second id is the [Q] marker) or a document.
    [[nodiscard]] bool is_query(const Encoding& encoding) const;
    /// Vectors vectors() returns for `encoding`: all its tokens for a query, the kept ones
    /// (not in the skiplist, not [PAD]) for a document.
    [[nodiscard]] std::size_t vectors_in(const Encoding& encoding) const;
    /// vectors_in(e) × dim() floats per encoding, concatenated in input order: each kept
    /// token's projection, L2-normalised (x / max(‖x‖, 1e-12), torch.nn.functional.normalize).
    [[nodiscard]] std::vector<float> vectors(const std::vector<Encoding>& encodings,
                                             std::size_t threads);

private:
    ColbertEncoder(const std::filesystem::path& dir, EncoderOptions options, std::size_t doc_maxlen,
                   const WeightStore& store);
    [[nodiscard]] bool keeps(const Encoding& encoding, std::size_t position) const;
    [[nodiscard]] std::int32_t special_id(const std::filesystem::path& dir,
                                          std::initializer_list<const char*> names) const;

    ColbertSettings m_settings;
    TokenEncoderCore m_core;
    Linear m_linear;  ///< [dim, hidden], no bias
    std::int32_t m_query_marker = 0;
    std::int32_t m_doc_marker = 0;
    std::int32_t m_mask_id = 0;
    std::int32_t m_pad_id = 0;
    std::vector<std::int32_t> m_skiplist;
    std::vector<bool> m_skip;  ///< m_skip[id]: id is in the skiplist
};

}  // namespace cascade::model
