#include "model/tokenizer/prefix_trie.hpp"

#include <algorithm>
#include <map>

namespace cascade::model::tok {

PrefixTrie::PrefixTrie(const std::vector<std::pair<std::string, std::int32_t>>& tokens) {
    // Build with ordered child maps, then flatten breadth-first into sorted edge arrays.
    struct Node {
        std::map<unsigned char, std::uint32_t> children;
        std::int32_t id = -1;
    };
    std::vector<Node> nodes(1);
    for (const auto& [token, id] : tokens) {
        if (token.empty())
            continue;
        std::uint32_t n = 0;
        for (char ch : token) {
            auto c = static_cast<unsigned char>(ch);
            auto it = nodes[n].children.find(c);
            if (it == nodes[n].children.end()) {
                auto next = static_cast<std::uint32_t>(nodes.size());
                nodes[n].children.emplace(c, next);
                nodes.emplace_back();
                n = next;
            } else {
                n = it->second;
            }
        }
        if (nodes[n].id < 0)
            nodes[n].id = id;
    }
    m_first.reserve(nodes.size() + 1);
    m_ids.reserve(nodes.size());
    for (const auto& node : nodes) {
        m_first.push_back(static_cast<std::uint32_t>(m_labels.size()));
        m_ids.push_back(node.id);
        for (auto [label, target] : node.children) {
            m_labels.push_back(label);
            m_targets.push_back(target);
        }
    }
    m_first.push_back(static_cast<std::uint32_t>(m_labels.size()));
}

std::uint32_t PrefixTrie::child(std::uint32_t node, unsigned char byte) const {
    const unsigned char* begin = m_labels.data() + m_first[node];
    const unsigned char* end = m_labels.data() + m_first[node + 1];
    if (end - begin <= 8) {
        for (const unsigned char* p = begin; p != end; ++p) {
            if (*p == byte)
                return m_targets[static_cast<std::size_t>(p - m_labels.data())];
        }
        return kNone;
    }
    const unsigned char* p = std::lower_bound(begin, end, byte);
    if (p == end || *p != byte)
        return kNone;
    return m_targets[static_cast<std::size_t>(p - m_labels.data())];
}

}  // namespace cascade::model::tok
