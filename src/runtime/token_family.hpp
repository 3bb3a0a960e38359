#pragma once
/// The token-level model families behind the runtime's Model seam, on the CPU encoders of
/// src/model/token_*.hpp:
///
/// | folder (config.json architectures) | Task         | forward() per encoding              |
/// |------------------------------------|--------------|-------------------------------------|
/// | BertForMaskedLM (SPLADE)           | SparseTexts  | vocabulary-size weights             |
/// | HF_ColBERT (ColBERT, colbert-ai)   | TokenVectors | kept tokens × dim, L2-normalised    |
/// | TILDEv2 (ielab/TILDE)              | TokenWeights | one weight per token                |
///
/// A ColBERT model serves queries and documents through one scheduler: encode_queries() and
/// encode_texts() (documents) make encodings that carry their side ([Q] or [D] marker), so
/// both can share a forward pass. Outputs are ragged; run_split() splits them per text.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/token_colbert.hpp"
#include "model/token_expand.hpp"
#include "model/token_splade.hpp"
#include "model/token_tilde.hpp"
#include "runtime/model.hpp"
#include "runtime/model_options.hpp"
#include "runtime/model_pool.hpp"

namespace cascade::runtime {

/// Whether `task` is one of SparseTexts, TokenVectors, TokenWeights.
[[nodiscard]] bool is_token_task(Task task);
/// Whether `dir` holds a token-level model (model::token_model_kind is not None).
[[nodiscard]] bool is_token_folder(const std::filesystem::path& dir);

/// Loads one replica of the token-level model in `options.dir` for `task` with `threads`
/// forward-pass threads; options.precision int8 quantizes the encoder (heads stay fp32).
/// options.max_length: SPLADE's truncation (0: tokenizer.json's, else the position limit),
/// ColBERT's doc_maxlen (0: artifact.metadata's), TILDEv2's passage length (0: 192). Throws
/// UsageError naming the folder, what it holds and what it can do when folder and task do not
/// match (e.g. a cross-encoder asked for sparse texts, a SPLADE folder asked to embed).
[[nodiscard]] std::unique_ptr<Model> load_token_model(const ModelOptions& options, Task task,
                                                      std::size_t threads);

/// SPLADE: SparseTexts.
class SpladeModel final : public Model {
public:
    SpladeModel(const ModelOptions& options, std::size_t threads);
    Task task() const override { return Task::SparseTexts; }
    std::size_t max_length() const override { return m_encoder.max_length(); }
    std::size_t output_width() const override { return m_encoder.vocab_size(); }
    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override;
    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override;
    /// The vocabulary entry of `id` (empty when none).
    [[nodiscard]] std::string term(std::int32_t id) const;

private:
    model::SpladeEncoder m_encoder;
};

/// ColBERT: TokenVectors for queries (encode_queries) and documents (encode_texts).
class ColbertModel final : public Model {
public:
    ColbertModel(const ModelOptions& options, std::size_t threads);
    Task task() const override { return Task::TokenVectors; }
    /// doc_maxlen: the longest document encoding.
    std::size_t max_length() const override { return m_encoder.settings().doc_maxlen; }
    std::size_t output_width() const override { return m_encoder.dim(); }
    std::size_t output_size(const model::Encoding& encoding) const override {
        return m_encoder.vectors_in(encoding) * m_encoder.dim();
    }
    /// Document encodings, `[CLS] [D] text [SEP]`, at most `max_length` ids (0: doc_maxlen).
    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override;
    /// Query encodings: query_maxlen tokens, [MASK]-augmented.
    [[nodiscard]] std::vector<model::Encoding> encode_queries(
        std::span<const std::string> texts) const;
    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override;
    [[nodiscard]] const model::ColbertSettings& settings() const { return m_encoder.settings(); }

private:
    model::ColbertEncoder m_encoder;
};

/// TILDEv2: TokenWeights of documents; queries are tokenised only (query_tokens).
class TildeModel final : public Model {
public:
    TildeModel(const ModelOptions& options, std::size_t threads);
    Task task() const override { return Task::TokenWeights; }
    std::size_t max_length() const override { return m_encoder.max_length(); }
    std::size_t output_width() const override { return 1; }
    std::size_t output_size(const model::Encoding& encoding) const override {
        return encoding.ids.size();
    }
    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override;
    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override;
    /// model::TildeEncoder::distinct_weights: the weights TILDEv2 stores for a document.
    [[nodiscard]] std::vector<std::pair<std::int32_t, float>> distinct_weights(
        std::span<const std::int32_t> ids, std::span<const float> weights) const {
        return m_encoder.distinct_weights(ids, weights);
    }
    /// model::TildeEncoder::query_tokens: the ids a query scores with.
    [[nodiscard]] std::vector<std::int32_t> query_tokens(const std::string& text) const {
        return m_encoder.query_tokens(text);
    }
    /// The vocabulary entry of `id` (empty when none).
    [[nodiscard]] std::string term(std::int32_t id) const;
    /// model::TildeEncoder::encode_ids per content, cut to `max_length` (0: max_length()).
    [[nodiscard]] std::vector<model::Encoding> encode_ids(
        std::span<const std::vector<std::int32_t>> contents, std::size_t max_length) const;
    [[nodiscard]] const model::Tokenizer& tokenizer() const { return m_encoder.tokenizer(); }

private:
    model::TildeEncoder m_encoder;
};

/// TILDE passage expansion at index time (model::TildeExpander), outside the scheduler: one
/// caller, `threads` forward-pass threads.
class TildeExpansion {
public:
    /// options.dir: a BertLMHeadModel folder; options.max_length its passage length (0: 128).
    /// UsageError for terms 0 or a folder of another kind.
    TildeExpansion(const ModelOptions& options, std::size_t threads, std::size_t terms);
    /// Per text, the expanded passage ids as ielab's expansion.py stores them ("psg"): the
    /// passage's ids after the marker (text then [SEP]) and the new ids.
    [[nodiscard]] std::vector<std::vector<std::int32_t>> expand(std::span<const std::string> texts);
    [[nodiscard]] std::size_t terms() const { return m_terms; }
    /// The tokenizer's entries and the vocabulary entry of `id` (empty when none): the new
    /// ids are fed to TILDEv2 as they are, so its vocabulary must be the same.
    [[nodiscard]] std::size_t tokenizer_size() const { return m_expander.tokenizer().vocab_size(); }
    [[nodiscard]] std::string term(std::int32_t id) const {
        return m_expander.tokenizer().id_to_token(id);
    }

private:
    model::TildeExpander m_expander;
    std::string m_dir;
    std::size_t m_threads = 1;
    std::size_t m_terms = 0;
};

/// Queues `encodings` on `model`'s scheduler as one request, waits, and splits the floats per
/// encoding by Model::output_size: one vector per encoding, in order. Throws QueueFull and
/// what the forward pass throws.
[[nodiscard]] std::vector<std::vector<float>> run_split(
    LoadedModel& model, std::vector<model::Encoding> encodings,
    LoadedModel::Clock::time_point deadline = LoadedModel::Clock::time_point::max());

}  // namespace cascade::runtime
