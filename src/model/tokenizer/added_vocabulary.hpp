#pragma once
/// Added tokens of a tokenizer.json ("added_tokens"): special and user tokens that are cut out
/// of the text before the model sees it, as HF's AddedVocabulary does
/// (tokenizers/src/tokenizer/added_vocabulary.rs).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::model::tok {

/// One added token with HF's matching flags.
struct AddedToken {
    std::int32_t id = 0;
    std::string content;
    bool single_word = false;  ///< match only when not inside a word
    bool lstrip = false;       ///< swallow whitespace on the left
    bool rstrip = false;       ///< swallow whitespace on the right
    bool normalized = false;   ///< match on normalized rather than raw text
    bool special = false;
};

/// A byte range of the input and, for a token match, the token id (-1 for ordinary text).
struct Segment {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::int32_t token_id = -1;
};

/// Finds added tokens, leftmost-longest, in a text.
class AddedTokenMatcher {
public:
    /// Matches `tokens`, whose content is given as `patterns` (raw or normalized content).
    void add(const AddedToken& token, std::string pattern);
    [[nodiscard]] bool empty() const { return m_entries.empty(); }
    /// Splits `text` into ordinary segments and token matches, covering all of it except
    /// whitespace swallowed by lstrip/rstrip. Empty ordinary segments are omitted.
    [[nodiscard]] std::vector<Segment> split(std::string_view text) const;

private:
    struct Entry {
        std::string pattern;
        AddedToken token;
    };
    std::vector<Entry> m_entries;           // sorted by pattern length, longest first
    std::array<bool, 256> m_first_bytes{};  // first bytes of the patterns
};

}  // namespace cascade::model::tok
