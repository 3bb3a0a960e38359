#include "model/tokenizer/bpe.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

std::pair<std::string, std::string> parse_merge(const nlohmann::json& m) {
    if (m.is_array()) {
        if (m.size() != 2) {
            throw Error("tokenizer.json: BPE merge is not a pair: " + m.dump());
        }
        return {m.at(0).get<std::string>(), m.at(1).get<std::string>()};
    }
    std::string s = m.get<std::string>();
    auto space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        throw Error("tokenizer.json: BPE merge is not 'a b': '" + s + "'");
    }
    return {s.substr(0, space), s.substr(space + 1)};
}

std::optional<std::string> optional_string(const nlohmann::json& c, const char* key) {
    auto it = c.find(key);
    if (it == c.end() || it->is_null()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

}  // namespace

Bpe::Bpe(const nlohmann::json& c) {
    for (const auto& [token, id] : c.at("vocab").items()) {
        m_vocab.add(token, id.get<std::int32_t>());
    }
    if (auto d = c.find("dropout"); d != c.end() && !d->is_null() && d->get<double>() > 0.0) {
        throw Error("tokenizer.json: not implemented: BPE dropout (inference uses none)");
    }
    m_prefix = optional_string(c, "continuing_subword_prefix").value_or("");
    m_suffix = optional_string(c, "end_of_word_suffix").value_or("");
    m_fuse_unk = c.value("fuse_unk", false);
    m_byte_fallback = c.value("byte_fallback", false);
    m_ignore_merges = c.value("ignore_merges", false);
    if (auto unk = optional_string(c, "unk_token")) {
        m_unk_id = m_vocab.find(*unk);
        if (!m_unk_id) {
            throw Error("tokenizer.json: BPE unk_token '" + *unk + "' is not in the vocab");
        }
    }
    const auto& merges = c.at("merges");
    m_merges.reserve(merges.size());
    std::int32_t rank = 0;
    for (const auto& m : merges) {
        auto [a, b] = parse_merge(m);
        auto a_id = m_vocab.find(a);
        auto b_id = m_vocab.find(b);
        std::string merged = a + b.substr(std::min(m_prefix.size(), b.size()));
        auto new_id = m_vocab.find(merged);
        if (!a_id || !b_id || !new_id) {
            // NOLINTNEXTLINE(performance-inefficient-string-concatenation): once, then throws
            throw Error("tokenizer.json: BPE merge '" + a + " " + b +
                        "' uses a token not in the "
                        "vocab");
        }
        m_merges.emplace(pair_key(*a_id, *b_id), Merge{rank++, *new_id});
    }
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        m_byte_ids[static_cast<std::size_t>(byte)] = m_vocab.find(name).value_or(-1);
    }
}

void Bpe::initial_symbols(std::string_view word, std::vector<std::int32_t>& ids,
                          std::vector<std::uint32_t>& lens) const {
    std::string piece;
    bool last_unk = false;
    for (std::size_t i = 0; i < word.size();) {
        std::size_t start = i;
        i += std::min(utf8_length(static_cast<unsigned char>(word[i])), word.size() - i);
        std::string_view ch = word.substr(start, i - start);
        piece.clear();
        if (start > 0)
            piece += m_prefix;
        piece += ch;
        if (i == word.size())
            piece += m_suffix;
        if (auto id = m_vocab.find(piece)) {
            ids.push_back(*id);
            lens.push_back(static_cast<std::uint32_t>(ch.size()));
            last_unk = false;
            continue;
        }
        if (m_byte_fallback) {
            bool all = std::all_of(ch.begin(), ch.end(), [&](char b) {
                return m_byte_ids[static_cast<unsigned char>(b)] >= 0;
            });
            if (all) {
                for (char b : ch) {
                    ids.push_back(m_byte_ids[static_cast<unsigned char>(b)]);
                    lens.push_back(1);
                }
                last_unk = false;
                continue;
            }
        }
        if (!m_unk_id) {
            continue;  // HF drops characters it can represent neither way
        }
        if (m_fuse_unk && last_unk) {
            lens.back() += static_cast<std::uint32_t>(ch.size());
        } else {
            ids.push_back(*m_unk_id);
            lens.push_back(static_cast<std::uint32_t>(ch.size()));
        }
        last_unk = true;
    }
}

void Bpe::merge_word(std::string_view word, std::vector<std::int32_t>& out) const {
    std::vector<std::int32_t> sym;
    std::vector<std::uint32_t> lens;
    initial_symbols(word, sym, lens);
    const auto n = static_cast<std::int32_t>(sym.size());
    std::vector<std::int32_t> prev(sym.size());
    std::vector<std::int32_t> next(sym.size());
    std::vector<bool> alive(sym.size(), true);
    for (std::int32_t i = 0; i < n; ++i) {
        prev[static_cast<std::size_t>(i)] = i - 1;
        next[static_cast<std::size_t>(i)] = i + 1 < n ? i + 1 : -1;
    }
    // Min-heap on (rank, position): the lowest rank first, the leftmost among equals.
    struct Entry {
        std::int32_t rank, pos, new_id;
    };
    auto later = [](const Entry& x, const Entry& y) {
        return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
    };
    std::vector<Entry> heap;
    auto push = [&](std::int32_t pos) {
        std::int32_t nx = next[static_cast<std::size_t>(pos)];
        if (nx < 0)
            return;
        auto it = m_merges.find(
            pair_key(sym[static_cast<std::size_t>(pos)], sym[static_cast<std::size_t>(nx)]));
        if (it != m_merges.end()) {
            heap.push_back({it->second.rank, pos, it->second.new_id});
            std::push_heap(heap.begin(), heap.end(), later);
        }
    };
    for (std::int32_t i = 0; i + 1 < n; ++i)
        push(i);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        Entry top = heap.back();
        heap.pop_back();
        auto p = static_cast<std::size_t>(top.pos);
        if (!alive[p] || next[p] < 0)
            continue;
        auto nx = static_cast<std::size_t>(next[p]);
        auto it = m_merges.find(pair_key(sym[p], sym[nx]));
        if (it == m_merges.end() || it->second.new_id != top.new_id)
            continue;  // stale entry
        sym[p] = top.new_id;
        alive[nx] = false;
        next[p] = next[nx];
        if (next[p] >= 0)
            prev[static_cast<std::size_t>(next[p])] = top.pos;
        if (prev[p] >= 0)
            push(prev[p]);
        push(top.pos);
    }
    for (std::size_t i = 0; i < sym.size(); ++i) {
        if (alive[i])
            out.push_back(sym[i]);
    }
}

void Bpe::tokenize(std::string_view word, std::vector<std::int32_t>& ids) const {
    if (m_ignore_merges) {
        if (auto id = m_vocab.find(word)) {
            ids.push_back(*id);
            return;
        }
    }
    const bool cacheable = word.size() <= kMaxCachedWord;
    if (cacheable) {
        std::shared_lock lock(m_cache_mutex);
        if (auto it = m_cache.find(word); it != m_cache.end()) {
            ids.insert(ids.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::size_t mark = ids.size();
    merge_word(word, ids);
    if (cacheable) {
        std::unique_lock lock(m_cache_mutex);
        if (m_cache.size() < kCacheCapacity) {
            m_cache.emplace(std::string(word),
                            std::vector<std::int32_t>(
                                ids.begin() + static_cast<std::ptrdiff_t>(mark), ids.end()));
        }
    }
}

}  // namespace cascade::model::tok
