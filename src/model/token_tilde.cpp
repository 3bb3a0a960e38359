#include "model/token_tilde.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "model/token_config.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

/// NLTK's English stop words as ielab/TILDE's tools.py hard-codes them, less the question
/// words it keeps ("where", "how", "what", "when", "which", "why", "who").
constexpr std::array<std::string_view, 172> kStopWords = {
    "i",         "me",        "my",         "myself",  "we",      "our",     "ours",
    "ourselves", "you",       "you're",     "you've",  "you'll",  "you'd",   "your",
    "yours",     "yourself",  "yourselves", "he",      "him",     "his",     "himself",
    "she",       "she's",     "her",        "hers",    "herself", "it",      "it's",
    "its",       "itself",    "they",       "them",    "their",   "theirs",  "themselves",
    "whom",      "this",      "that",       "that'll", "these",   "those",   "am",
    "is",        "are",       "was",        "were",    "be",      "been",    "being",
    "have",      "has",       "had",        "having",  "do",      "does",    "did",
    "doing",     "a",         "an",         "the",     "and",     "but",     "if",
    "or",        "because",   "as",         "until",   "while",   "of",      "at",
    "by",        "for",       "with",       "about",   "against", "between", "into",
    "through",   "during",    "before",     "after",   "above",   "below",   "to",
    "from",      "up",        "down",       "in",      "out",     "on",      "off",
    "over",      "under",     "again",      "further", "then",    "once",    "here",
    "there",     "all",       "any",        "both",    "each",    "few",     "more",
    "most",      "other",     "some",       "such",    "no",      "nor",     "not",
    "only",      "own",       "same",       "so",      "than",    "too",     "very",
    "s",         "t",         "can",        "will",    "just",    "don",     "don't",
    "should",    "should've", "now",        "d",       "ll",      "m",       "o",
    "re",        "ve",        "y",          "ain",     "aren",    "aren't",  "couldn",
    "couldn't",  "didn",      "didn't",     "doesn",   "doesn't", "hadn",    "hadn't",
    "hasn",      "hasn't",    "haven",      "haven't", "isn",     "isn't",   "ma",
    "mightn",    "mightn't",  "mustn",      "mustn't", "needn",   "needn't", "shan",
    "shan't",    "shouldn",   "shouldn't",  "wasn",    "wasn't",  "weren",   "weren't",
    "won",       "won't",     "wouldn",     "wouldn't"};

/// The question words tools.py takes out of NLTK's list for TILDEv2; expansion.py's
/// clean_vacab keeps the whole list and adds "definition".
constexpr std::array<std::string_view, 8> kExpansionExtraStopWords = {
    "where", "how", "what", "when", "which", "why", "who", "definition"};

/// re.match("^[A-Za-z0-9_-]*$", token): ASCII letters, digits, '_' and '-' only.
bool plain_word(std::string_view token) {
    return std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

const std::filesystem::path& check_kind(const std::filesystem::path& dir) {
    if (token_model_kind(dir) != TokenModelKind::Tilde) {
        const std::string arch = config_architecture(dir);
        throw UsageError(fmt::format(
            "{}: config.json architectures[0] is \"{}\"; a TILDEv2 encoder needs a TILDEv2 folder "
            "(ielab/TILDE layout: bert.* weights plus tok_proj)",
            dir.string(), arch.empty() ? "(none)" : arch));
    }
    return dir;
}

}  // namespace

TildeEncoder::TildeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                           std::size_t max_length)
    : TildeEncoder(check_kind(dir), options, max_length, WeightStore(dir)) {}

TildeEncoder::TildeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                           std::size_t max_length, const WeightStore& store)
    : m_core(dir, load_token_encoder_config(dir, TokenModelKind::Tilde), store, options) {
    if (!store.contains("tok_proj.weight"))
        throw Error(
            fmt::format("{}: missing tensor 'tok_proj.weight', TILDEv2's token scorer "
                        "[1, {}]",
                        store.source(), m_core.config().hidden_size));
    m_scorer = Linear(store, "tok_proj", m_core.config().hidden_size, 1);
    m_max_length = m_core.resolve_max_length(
        max_length, std::min(kDefaultMaxLength, m_core.model_max_length()));
    build_stop_ids();
}

void TildeEncoder::build_stop_ids() {
    const Tokenizer& tok = m_core.tokenizer();
    const std::size_t vocab = std::max<std::size_t>(
        tok.vocab_size(), static_cast<std::size_t>(m_core.config().vocab_size));
    m_stop.assign(vocab, false);
    for (std::string_view word : kStopWords) {
        const auto ids = tok.encode(word, false).ids;
        if (ids.size() == 1)
            m_stop[static_cast<std::size_t>(ids.front())] = true;
    }
    for (std::size_t id = 0; id < tok.vocab_size(); ++id) {
        const auto i = static_cast<std::int32_t>(id);
        if (tok.is_special(i)) {  // indexingv2.py adds tokenizer.all_special_ids
            m_stop[id] = true;
            continue;
        }
        const std::string token = tok.id_to_token(i);
        if (token.empty())
            continue;  // no vocabulary entry has this id
        if (token == "##s")
            m_stop[id] = true;
        if (token.size() > 1 && token.front() == '#')
            continue;  // subword pieces are kept
        if (!plain_word(token))
            m_stop[id] = true;
    }
}

bool TildeEncoder::is_stop(std::int32_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < m_stop.size() &&
           m_stop[static_cast<std::size_t>(id)];
}

std::vector<std::int32_t> TildeEncoder::stop_ids() const {
    std::vector<std::int32_t> out;
    for (std::size_t id = 0; id < m_stop.size(); ++id)
        if (m_stop[id])
            out.push_back(static_cast<std::int32_t>(id));
    return out;
}

Encoding TildeEncoder::encode_document(std::string_view text, std::size_t max_length) const {
    return m_core.tokenizer().encode(text, true, max_length > 0 ? max_length : m_max_length);
}

std::vector<float> TildeEncoder::token_weights(const std::vector<Encoding>& encodings,
                                               std::size_t threads) {
    std::vector<std::size_t> first(encodings.size() + 1, 0);
    std::vector<Sequence> sequences;
    std::vector<std::vector<std::size_t>> positions(encodings.size());  // unpadded -> encoding
    sequences.reserve(encodings.size());
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        const Encoding& e = encodings[i];
        first[i + 1] = first[i] + e.ids.size();
        Sequence s;
        for (std::size_t t = 0; t < e.ids.size(); ++t) {
            if (!e.attention_mask.empty() && e.attention_mask[t] == 0)
                continue;
            s.input_ids.push_back(e.ids[t]);
            s.token_type_ids.push_back(e.type_ids.size() == e.ids.size() ? e.type_ids[t] : 0);
            positions[i].push_back(t);
        }
        sequences.push_back(std::move(s));
    }
    std::vector<float> out(first.back(), 0.0f);
    std::vector<float> scores;
    m_core.run(sequences, threads,
               [&](std::span<const std::size_t> indices, const float* states,
                   const std::vector<std::size_t>& offsets, const RunContext& ctx) {
                   scores.resize(offsets.back());
                   m_scorer.forward(states, offsets.back(), scores.data(), ctx);
                   for (std::size_t s = 0; s < indices.size(); ++s) {
                       const auto& pos = positions[indices[s]];
                       for (std::size_t r = 0; r < pos.size(); ++r)
                           out[first[indices[s]] + pos[r]] = std::max(0.0f, scores[offsets[s] + r]);
                   }
               });
    return out;
}

Encoding TildeEncoder::encode_ids(std::span<const std::int32_t> content,
                                  std::size_t max_length) const {
    const std::size_t limit = max_length > 0 ? max_length : m_max_length;
    // The tokenizer's own special tokens around an empty text: [CLS] [SEP] for BERT.
    const Encoding empty = m_core.tokenizer().encode("", true);
    CASCADE_ASSERT(!empty.ids.empty());
    const std::size_t specials = empty.ids.size();
    const std::size_t keep = limit > specials ? std::min(content.size(), limit - specials) : 0;
    Encoding e;
    e.ids.push_back(empty.ids.front());
    e.ids.insert(e.ids.end(), content.begin(), content.begin() + static_cast<std::ptrdiff_t>(keep));
    e.ids.insert(e.ids.end(), empty.ids.begin() + 1, empty.ids.end());
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
    return e;
}

std::vector<bool> tilde_expansion_bad_ids(const Tokenizer& tok, std::size_t vocab) {
    std::vector<bool> bad(std::max(vocab, tok.vocab_size()), false);
    auto mark_word = [&](std::string_view word) {
        const auto ids = tok.encode(word, false).ids;
        if (ids.size() == 1 && ids.front() >= 0)
            bad[static_cast<std::size_t>(ids.front())] = true;
    };
    for (std::string_view word : kStopWords)
        mark_word(word);
    for (std::string_view word : kExpansionExtraStopWords)
        mark_word(word);
    for (std::size_t id = 0; id < tok.vocab_size(); ++id) {
        const std::string token = tok.id_to_token(static_cast<std::int32_t>(id));
        if (token.empty() || bad[id])
            continue;  // no vocabulary entry, or already a stop word
        // "##s": expansion.py hard-codes its bert-base-uncased id, 2015.
        const bool subword = token.size() > 1 && token.front() == '#';
        if (token == "##s" || (!subword && !plain_word(token)))
            bad[id] = true;
    }
    return bad;
}

std::vector<std::pair<std::int32_t, float>> TildeEncoder::distinct_weights(
    std::span<const std::int32_t> ids, std::span<const float> weights) const {
    CASCADE_ASSERT(ids.size() == weights.size());
    std::map<std::int32_t, float> best;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (is_stop(ids[i]))
            continue;
        auto [it, fresh] = best.emplace(ids[i], weights[i]);
        if (!fresh)
            it->second = std::max(it->second, weights[i]);
    }
    return {best.begin(), best.end()};
}

std::vector<std::int32_t> TildeEncoder::query_tokens(std::string_view text) const {
    std::vector<std::int32_t> out;
    for (std::int32_t id : m_core.tokenizer().encode(text, false).ids)
        if (!is_stop(id))
            out.push_back(id);
    return out;
}

}  // namespace cascade::model
