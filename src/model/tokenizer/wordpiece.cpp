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
}

WordPiece::WordPiece(Vocab vocab, const std::string& unk_token) {
    m_vocab = std::move(vocab);
    set_unk(unk_token);
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
    // Greedy longest-match-first (Wu et al. 2016; google-research/bert tokenization.py).
    std::size_t mark = ids.size();
    std::string candidate;
    std::size_t start = 0;
    while (start < word.size()) {
        std::size_t end = word.size();
        std::optional<std::int32_t> found;
        while (start < end) {
            candidate.clear();
            if (start > 0) {
                candidate += m_prefix;
            }
            candidate.append(word.substr(start, end - start));
            found = m_vocab.find(candidate);
            if (found) {
                break;
            }
            do {  // step back one code point
                --end;
            } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
        }
        if (!found) {
            ids.resize(mark);
            ids.push_back(m_unk_id);
            return;
        }
        ids.push_back(*found);
        start = end;
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
