#pragma once
/// Static embedding models: a text's vector is the mean of fixed per-token vectors, with no
/// network to run (word vectors such as GloVe, Pennington et al. 2014; Model2Vec, Tulkens & van
/// Dongen 2024, which distils a sentence transformer into such a table). Two folder layouts:
///
/// - Model2Vec (`StaticModel.save_pretrained`): `config.json` (`"normalize": true|false`,
///   default false), `model.safetensors` with a 2-D tensor `embeddings` [vocab, dim] (F32, F16
///   or BF16), `tokenizer.json`. As `StaticModel.encode` does, the text is first cut to
///   max_length × (median vocab token length) code points, encoded without special tokens, the
///   tokenizer model's unk token id is dropped, and the ids are cut to max_length.
/// - sentence-transformers (`models.StaticEmbedding`): `modules.json` whose first module is
///   `sentence_transformers.models.StaticEmbedding` in a subfolder (e.g. `0_StaticEmbedding/`)
///   holding `model.safetensors` (tensor `embedding.weight`, or `embeddings` as
///   sentence-transformers also accepts) and `tokenizer.json`; only a
///   `sentence_transformers.models.Normalize` module may follow, and means normalize. As its
///   `nn.EmbeddingBag` does, every id counts, unk included; the ids are cut to max_length.
///
/// A text with no ids left embeds as the zero vector, normalized or not (as both libraries do).
/// Folders Model2Vec writes carry a `modules.json` too (StaticEmbedding at path "."); they are
/// read as Model2Vec folders, since their `config.json` says so. See docs/model.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace cascade::model {

/// How a static embedding folder is laid out (and so how its texts are pooled).
enum class StaticLayout {
    Model2Vec,             ///< config.json + model.safetensors `embeddings` + tokenizer.json
    SentenceTransformers,  ///< modules.json -> StaticEmbedding subfolder (+ Normalize)
};

/// Whether `dir` looks like a static embedding folder in either layout: its modules.json names
/// StaticEmbedding first, or its config.json is a Model2Vec one (`"model_type": "model2vec"`,
/// or neither `model_type` nor `architectures`, as early Model2Vec files) beside a
/// model.safetensors. Reads only the two small JSON files; never throws.
[[nodiscard]] bool is_static_embedding_folder(const std::filesystem::path& dir);

/// A loaded static embedding model. Immutable; all methods are thread-safe.
class StaticEmbedding {
public:
    /// Model2Vec's default truncation (`StaticModel.encode(max_length=512)`), used by both
    /// layouts when the caller sets none.
    static constexpr std::size_t kDefaultMaxLength = 512;

    /// Loads `dir`. Throws InputError naming the file and field when the folder is in neither
    /// layout, a file or the tensor is missing, the tensor is not 2-D or not floating point,
    /// or its row count differs from the tokenizer's vocabulary size.
    explicit StaticEmbedding(const std::filesystem::path& dir);

    [[nodiscard]] StaticLayout layout() const { return m_layout; }
    /// Floats per vector.
    [[nodiscard]] std::size_t dimension() const { return m_dim; }
    /// Rows of the table (= the tokenizer's vocabulary size).
    [[nodiscard]] std::size_t rows() const { return m_rows; }
    /// Whether embeddings are L2-normalized.
    [[nodiscard]] bool normalize() const { return m_normalize; }
    [[nodiscard]] const Tokenizer& tokenizer() const { return m_tokenizer; }

    /// The ids whose vectors are averaged for `text`, at most `max_length` (> 0) of them, as
    /// the layout's library selects them (see the file comment).
    [[nodiscard]] std::vector<std::int32_t> token_ids(std::string_view text,
                                                      std::size_t max_length) const;
    /// Mean of the rows of `ids` (each < rows()), L2-normalized if normalize(), into `out`
    /// (dimension() floats); zeros when `ids` is empty. Sums in double.
    void pool(std::span<const std::int32_t> ids, std::span<float> out) const;
    /// pool(token_ids(text, max_length)).
    [[nodiscard]] std::vector<float> embed(std::string_view text,
                                           std::size_t max_length = kDefaultMaxLength) const;

    struct Files;  ///< where a layout keeps its parts (static_embedding.cpp)

private:
    explicit StaticEmbedding(const Files& files);
    void load_table(const Files& files);

    StaticLayout m_layout = StaticLayout::Model2Vec;
    Tokenizer m_tokenizer;
    std::vector<float> m_table;  // rows x dim, row-major
    std::size_t m_rows = 0;
    std::size_t m_dim = 0;
    bool m_normalize = false;
    std::int32_t m_skip_id = -1;           // Model2Vec: the unk id dropped from every text
    std::size_t m_median_token_chars = 0;  // Model2Vec: for the character pre-cut
};

}  // namespace cascade::model
