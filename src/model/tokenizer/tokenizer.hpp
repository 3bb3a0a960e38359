#pragma once
/// Hugging Face tokenizers, natively: loads a `tokenizer.json` (or a BERT `vocab.txt`) and
/// encodes text to the token ids, token type ids and attention mask that a transformer takes.
///
/// The pipeline is that of HF `tokenizers` (https://github.com/huggingface/tokenizers, Rust):
/// added tokens are cut out first, then each remaining segment is normalized, pre-tokenized
/// into words, and each word is tokenized by the model (WordPiece, BPE or Unigram); sequences
/// are truncated and the post-processor adds special tokens. Every component type a
/// tokenizer.json names must be supported, otherwise loading fails with an Error that names it.
/// See docs/tokenizers.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cascade::model {

/// One encoded input: parallel vectors, one entry per token.
struct Encoding {
    std::vector<std::int32_t> ids;
    /// Segment ids (BERT token_type_ids): 0 for the first sequence, 1 for the second.
    std::vector<std::int32_t> type_ids;
    /// 1 for real tokens, 0 for padding.
    std::vector<std::int32_t> attention_mask;

    [[nodiscard]] std::size_t size() const { return ids.size(); }
};

/// How a pair is cut down to max_length (HF `TruncationStrategy`).
enum class TruncationStrategy {
    longest_first,  ///< shorten the longer sequence first, then both evenly
    only_first,     ///< cut only the first sequence (the query)
    only_second,    ///< cut only the second sequence (the document)
};

/// The "truncation" section of a tokenizer.json.
struct TruncationSettings {
    std::size_t max_length = 512;
    TruncationStrategy strategy = TruncationStrategy::longest_first;
    std::size_t stride = 0;
};

/// The "padding" section of a tokenizer.json.
struct PaddingSettings {
    /// Fixed length to pad to; nullopt pads to the longest in a batch.
    std::optional<std::size_t> fixed_length;
    std::int32_t pad_id = 0;
    std::int32_t pad_type_id = 0;
    std::string pad_token = "[PAD]";
};

/// A loaded tokenizer. Immutable after loading; encode calls are thread-safe. Copies share
/// the loaded state.
class Tokenizer {
public:
    /// Loads a tokenizer.json. Throws InputError (file, reason) for unreadable or malformed
    /// files and Error naming any component type that is not implemented.
    static Tokenizer from_file(const std::filesystem::path& tokenizer_json);
    /// Loads tokenizer.json text; `origin` names it in errors.
    static Tokenizer from_json(std::string_view json_text, std::string_view origin = "<json>");
    /// A BERT tokenizer from a bare `vocab.txt`: BertNormalizer (lower-casing and accent
    /// stripping when `lowercase`), BertPreTokenizer, WordPiece, `[CLS] A [SEP] B [SEP]`.
    static Tokenizer from_vocab_txt(const std::filesystem::path& vocab_txt, bool lowercase = true);
    /// A SentencePiece BPE `tokenizer.model` (Llama 2 style), converted as Hugging Face's
    /// Llama converter does (see sentencepiece.hpp).
    static Tokenizer from_sentencepiece(const std::filesystem::path& model_file);
    /// A model folder: its tokenizer.json, else its vocab.txt (lower-cased unless the folder's
    /// tokenizer_config.json says `"do_lower_case": false`), else its tokenizer.model.
    static Tokenizer from_model_dir(const std::filesystem::path& dir);

    /// Encodes one text. `max_length` > 0 truncates to that many tokens including the special
    /// tokens; 0 does not truncate. Invalid UTF-8 is repaired (U+FFFD) first.
    [[nodiscard]] Encoding encode(std::string_view text, bool add_special_tokens = true,
                                  std::size_t max_length = 0) const;

    /// Encodes a pair (query, document) as the model expects, e.g. `[CLS] a [SEP] b [SEP]`,
    /// truncated so that the result, special tokens included, has at most `max_length` tokens
    /// (0: no truncation). Throws Error when `only_first`/`only_second` cannot remove enough.
    [[nodiscard]] Encoding encode_pair(
        std::string_view first, std::string_view second, std::size_t max_length = 0,
        TruncationStrategy strategy = TruncationStrategy::longest_first,
        bool add_special_tokens = true) const;

    /// encode() over many texts, in order.
    [[nodiscard]] std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                                     bool add_special_tokens = true,
                                                     std::size_t max_length = 0) const;
    /// encode_pair() over many pairs, in order.
    [[nodiscard]] std::vector<Encoding> encode_pair_batch(
        const std::vector<std::pair<std::string, std::string>>& pairs, std::size_t max_length = 0,
        TruncationStrategy strategy = TruncationStrategy::longest_first) const;

    /// Pads every encoding to `length` (0: to the longest) with pad_id / pad_type_id and mask 0.
    void pad(std::vector<Encoding>& batch, std::size_t length = 0) const;

    /// Id of `token` in the added tokens or the model vocab.
    [[nodiscard]] std::optional<std::int32_t> token_to_id(std::string_view token) const;
    /// Token string of `id`; empty when unknown.
    [[nodiscard]] std::string id_to_token(std::int32_t id) const;
    /// Text of `ids` through the tokenizer.json "decoder" (tokenizers' `decode`): unknown ids
    /// are dropped, and added tokens marked special too when `skip_special_tokens`.
    [[nodiscard]] std::string decode(std::span<const std::int32_t> ids,
                                     bool skip_special_tokens = true) const;
    /// Whether `id` is an added token marked special (e.g. <|im_end|>).
    [[nodiscard]] bool is_special(std::int32_t id) const;
    /// One past the largest id, added tokens included (the embedding matrix rows needed).
    [[nodiscard]] std::size_t vocab_size() const;
    /// Special tokens the post-processor adds to one sequence or a pair.
    [[nodiscard]] std::size_t num_special_tokens(bool pair) const;

    /// The tokenizer.json "truncation" section, if any (informative: callers pass max_length).
    [[nodiscard]] const std::optional<TruncationSettings>& truncation() const;
    /// The tokenizer.json "padding" section, if any (informative: callers choose padding).
    [[nodiscard]] const std::optional<PaddingSettings>& padding() const;
    /// The id used for padding: the padding section's pad_id, else [PAD] / <pad>, else 0.
    [[nodiscard]] std::int32_t pad_id() const;
    /// The model type: "WordPiece", "BPE" or "Unigram".
    [[nodiscard]] const std::string& model_type() const;

    struct Impl;

private:
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace cascade::model
