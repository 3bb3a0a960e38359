#include "model/tokenizer/unigram.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

/// SentencePiece's penalty for an unknown character below the lowest piece score
/// (sentencepiece unigram_model.cc kUnkPenalty; HF K_UNK_PENALTY).
constexpr double kUnkPenalty = 10.0;

}  // namespace

Unigram::Unigram(const nlohmann::json& c) {
    std::int32_t id = 0;
    m_min_score = std::numeric_limits<double>::infinity();
    for (const auto& entry : c.at("vocab")) {
        if (!entry.is_array() || entry.size() != 2) {
            throw Error("tokenizer.json: Unigram vocab entry is not [piece, score]: " +
                        entry.dump());
        }
        auto piece = entry.at(0).get<std::string>();
        double score = entry.at(1).get<double>();
        m_vocab.add(std::move(piece), id++);
        m_scores.push_back(score);
        m_min_score = std::min(m_min_score, score);
    }
    if (id == 0) {
        throw Error("tokenizer.json: Unigram vocab is empty");
    }
    if (auto it = c.find("unk_id"); it != c.end() && !it->is_null()) {
        auto unk = it->get<std::int32_t>();
        if (unk < 0 || unk >= id) {
            throw Error("tokenizer.json: Unigram unk_id " + std::to_string(unk) + " out of range");
        }
        m_unk_id = unk;
    }
    m_byte_fallback = c.value("byte_fallback", false);
    m_trie = PrefixTrie(m_vocab.entries());
}

void Unigram::tokenize(std::string_view word, std::vector<std::int32_t>& ids) const {
    struct Node {
        double score = 0.0;
        std::size_t start = 0;
        std::int32_t id = -1;
        bool reached = false;
    };
    const std::size_t n = word.size();
    std::vector<Node> best(n + 1);
    best[0].reached = true;
    const double unk_score = m_min_score - kUnkPenalty;
    for (std::size_t start = 0; start < n;) {
        std::size_t char_len =
            std::min(utf8_length(static_cast<unsigned char>(word[start])), n - start);
        const double base = best[start].score;
        bool single_char = false;
        m_trie.for_each_prefix(word.substr(start), [&](std::size_t length, std::int32_t id) {
            double candidate = base + m_scores[static_cast<std::size_t>(id)];
            Node& target = best[start + length];
            if (!target.reached || candidate > target.score) {
                target = {candidate, start, id, true};
            }
            single_char = single_char || length == char_len;
        });
        if (!single_char) {
            Node& target = best[start + char_len];
            double candidate = base + unk_score;
            if (!target.reached || candidate > target.score) {
                target = {candidate, start, m_unk_id.value_or(-1), true};
            }
        }
        start += char_len;
    }
    // Backtrack, fusing runs of unknown pieces into one.
    std::vector<std::pair<std::size_t, std::size_t>> pieces;  // [begin, end) byte ranges
    std::vector<bool> unknown;
    for (std::size_t end = n; end > 0;) {
        const Node& node = best[end];
        bool is_unk = node.id < 0 || (m_unk_id && node.id == *m_unk_id);
        if (is_unk && !unknown.empty() && unknown.back()) {
            pieces.back().first = node.start;
        } else {
            pieces.emplace_back(node.start, end);
            unknown.push_back(is_unk);
        }
        end = node.start;
    }
    char name[8];
    for (std::size_t k = pieces.size(); k-- > 0;) {
        auto [b, e] = pieces[k];
        std::string_view piece = word.substr(b, e - b);
        if (auto id = m_vocab.find(piece)) {
            ids.push_back(*id);
            continue;
        }
        if (m_byte_fallback) {
            std::vector<std::int32_t> bytes;
            for (char ch : piece) {
                std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(ch));
                if (auto id = m_vocab.find(name))
                    bytes.push_back(*id);
                else
                    break;
            }
            if (bytes.size() == piece.size()) {
                ids.insert(ids.end(), bytes.begin(), bytes.end());
                continue;
            }
        }
        if (!m_unk_id) {
            throw Error("Unigram tokenizer has no unk_id for an unknown piece");
        }
        ids.push_back(*m_unk_id);
    }
}

}  // namespace cascade::model::tok
