#pragma once
/// A byte trie over token strings for prefix matching: WordPiece's longest match and
/// Unigram's lattice walk visit each byte of a word once instead of hashing every substring.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cascade::model::tok {

class PrefixTrie {
public:
    /// Builds the trie over (token, id) pairs; empty tokens are ignored.
    explicit PrefixTrie(const std::vector<std::pair<std::string, std::int32_t>>& tokens = {});

    /// Calls `visit(length, id)` for every token that is a prefix of `text`, shortest first.
    template <typename Visit>
    void for_each_prefix(std::string_view text, Visit&& visit) const {
        std::uint32_t node = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            node = child(node, static_cast<unsigned char>(text[i]));
            if (node == kNone)
                return;
            if (m_ids[node] >= 0)
                visit(i + 1, m_ids[node]);
        }
    }

    /// The longest token that is a prefix of `text`: (length, id), or (0, -1) when none.
    [[nodiscard]] std::pair<std::size_t, std::int32_t> longest_prefix(std::string_view text) const {
        std::pair<std::size_t, std::int32_t> best{0, -1};
        for_each_prefix(text, [&](std::size_t len, std::int32_t id) { best = {len, id}; });
        return best;
    }

private:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
    [[nodiscard]] std::uint32_t child(std::uint32_t node, unsigned char byte) const;

    // Node n's edges are m_labels / m_targets[m_first[n] .. m_first[n + 1]), sorted by label.
    std::vector<std::uint32_t> m_first;
    std::vector<unsigned char> m_labels;
    std::vector<std::uint32_t> m_targets;
    std::vector<std::int32_t> m_ids;  // token id ending at the node, or -1
};

}  // namespace cascade::model::tok
