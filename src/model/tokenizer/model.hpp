#pragma once
/// Tokenization models of Hugging Face `tokenizers` (tokenizers/src/models/): WordPiece, BPE,
/// Unigram and WordLevel. A model turns one pre-tokenized word into token ids.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

/// Hash for heterogeneous std::string / std::string_view lookups.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// Token string to id map with the reverse table.
class Vocab {
public:
    /// Adds `token` with `id`; a duplicate token keeps its first id.
    void add(std::string token, std::int32_t id);
    [[nodiscard]] std::optional<std::int32_t> find(std::string_view token) const {
        auto it = m_ids.find(token);
        return it == m_ids.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
    }
    /// The token of `id`, or empty when `id` is out of range or unused.
    [[nodiscard]] const std::string& token(std::int32_t id) const;
    /// One past the largest id.
    [[nodiscard]] std::size_t size() const { return m_tokens.size(); }
    /// Every (token, id) entry, in no particular order.
    [[nodiscard]] std::vector<std::pair<std::string, std::int32_t>> entries() const {
        return {m_ids.begin(), m_ids.end()};
    }

private:
    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> m_ids;
    std::vector<std::string> m_tokens;
};

/// Maps a word to ids. Implementations are thread-safe for concurrent tokenize() calls.
class Model {
public:
    virtual ~Model() = default;
    /// Appends the ids of `word` (non-empty, well-formed UTF-8) to `ids`.
    virtual void tokenize(std::string_view word, std::vector<std::int32_t>& ids) const = 0;
    [[nodiscard]] const Vocab& vocab() const { return m_vocab; }

protected:
    Vocab m_vocab;
};

/// Builds the model described by the "model" object of a tokenizer.json; throws Error naming
/// an unsupported type.
std::unique_ptr<Model> make_model(const nlohmann::json& config);

/// WordPiece from a BERT `vocab.txt` (one token per line, id = line number - 1).
std::unique_ptr<Model> make_wordpiece_from_vocab_txt(const std::string& path,
                                                     const std::string& unk_token = "[UNK]");

}  // namespace cascade::model::tok
