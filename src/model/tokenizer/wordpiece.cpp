#include <nlohmann/json.hpp>

#include "model/tokenizer/model.hpp"
#include "model/tokenizer/unicode.hpp"
#include "model/tokenizer/wordpiece.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade::model::tok {

WordPiece::WordPiece(const nlohmann::json& c) {
    for (const auto& [token, id] : c.at("vocab").items()) {
        m_vocab.add(token, id.get<std::int32_t>());
    }
    m_prefix = c.value("continuing_subword_prefix", std::string("##"));
    m_max_chars = c.value("max_input_chars_per_word", std::size_t{100});
    set_unk(c.value("unk_token", std::string("[UNK]")));
    build_tries();
}

WordPiece::WordPiece(Vocab vocab, const std::string& unk_token) {
    m_vocab = std::move(vocab);
    set_unk(unk_token);
    build_tries();
}

void WordPiece::build_tries() {
    auto entries = m_vocab.entries();
    m_word_start = PrefixTrie(entries);
    std::vector<std::pair<std::string, std::int32_t>> continuation;
    for (auto& [token, id] : entries) {
        if (token.compare(0, m_prefix.size(), m_prefix) == 0) {
            continuation.emplace_back(token.substr(m_prefix.size()), id);
        }
    }
    m_continuation = PrefixTrie(continuation);
}

void WordPiece::set_unk(const std::string& unk_token) {
    auto id = m_vocab.find(unk_token);
    if (!id) {
        throw Error("tokenizer.json: WordPiece unk_token '" + unk_token + "' is not in the vocab");
    }
    m_unk_id = *id;
}

void WordPiece::tokenize(std::string_view word, std::vector<std::int32_t>& ids) const {
    if (count_code_points(word) > m_max_chars) {
        ids.push_back(m_unk_id);
        return;
    }
    // Greedy longest-match-first (Wu et al. 2016; google-research/bert tokenization.py): the
    // longest vocab entry at each position, "##"-prefixed ones after the first.
    std::size_t mark = ids.size();
    for (std::size_t start = 0; start < word.size();) {
        const PrefixTrie& trie = start == 0 ? m_word_start : m_continuation;
        auto [length, id] = trie.longest_prefix(word.substr(start));
        if (id < 0) {
            ids.resize(mark);
            ids.push_back(m_unk_id);
            return;
        }
        ids.push_back(id);
        start += length;
    }
}

std::unique_ptr<Model> make_wordpiece_from_vocab_txt(const std::string& path,
                                                     const std::string& unk_token) {
    LineReader reader(path);
    Vocab vocab;
    std::string line;
    std::int32_t id = 0;
    while (reader.next(line)) {
        vocab.add(line, id++);
    }
    if (id == 0) {
        throw InputError(path, "empty vocab.txt");
    }
    try {
        return std::make_unique<WordPiece>(std::move(vocab), unk_token);
    } catch (const Error& e) {
        throw InputError(path, e.what());
    }
}

}  // namespace cascade::model::tok
