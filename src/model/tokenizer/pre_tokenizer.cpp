#include "model/tokenizer/pre_tokenizer.hpp"

#include <unicode/uchar.h>
#include <nlohmann/json.hpp>

#include <functional>

#include "model/tokenizer/split.hpp"
#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

using nlohmann::json;

/// GPT-2's pre-tokenization regex (openai/gpt-2 encoder.py), used by ByteLevel's use_regex.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// Splits every piece with `find` and `behavior`, keeping origin flags.
template <typename Find>
void split_pieces(std::vector<Piece>& pieces, Find&& find, SplitBehavior behavior, bool invert) {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 2);
    std::vector<Span> spans;
    for (auto& p : pieces) {
        find(p.text, spans);
        for (auto [b, e] : apply_behavior(spans, behavior, invert)) {
            out.push_back({p.text.substr(b, e - b), p.at_origin && b == 0});
        }
    }
    pieces = std::move(out);
}

void split_by_char(std::vector<Piece>& pieces, const std::function<bool(char32_t)>& pred,
                   SplitBehavior behavior) {
    split_pieces(
        pieces, [&](const std::string& t, std::vector<Span>& s) { find_char_spans(t, pred, s); },
        behavior, false);
}

/// BERT: whitespace removed, every punctuation character its own piece (bert/pre_tokenizers).
class BertPreTokenizer final : public PreTokenizer {
public:
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        split_by_char(pieces, is_whitespace, SplitBehavior::removed);
        split_by_char(pieces, is_bert_punctuation, SplitBehavior::isolated);
    }
};

class RegexSplit final : public PreTokenizer {
public:
    RegexSplit(std::unique_ptr<Regex> regex, SplitBehavior behavior, bool invert)
        : m_regex(std::move(regex)), m_behavior(behavior), m_invert(invert) {}
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        split_pieces(
            pieces, [&](const std::string& t, std::vector<Span>& s) { m_regex->find_spans(t, s); },
            m_behavior, m_invert);
    }

private:
    std::unique_ptr<Regex> m_regex;
    SplitBehavior m_behavior;
    bool m_invert;
};

class CharSplit final : public PreTokenizer {
public:
    CharSplit(std::function<bool(char32_t)> pred, SplitBehavior behavior)
        : m_pred(std::move(pred)), m_behavior(behavior) {}
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        split_by_char(pieces, m_pred, m_behavior);
    }

private:
    std::function<bool(char32_t)> m_pred;
    SplitBehavior m_behavior;
};

/// GPT-2 byte-level: optional prefix space, optional GPT-2 regex split, then bytes mapped to
/// printable characters (pre_tokenizers/byte_level.rs).
class ByteLevel final : public PreTokenizer {
public:
    explicit ByteLevel(const json& c)
        : m_add_prefix_space(c.value("add_prefix_space", true)),
          m_use_regex(c.value("use_regex", true)) {
        if (m_use_regex) {
            m_regex = std::make_unique<Regex>(kGpt2Pattern);
        }
    }
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        if (m_add_prefix_space) {
            for (auto& p : pieces) {
                if (p.text.empty() || p.text[0] != ' ') {
                    p.text.insert(0, 1, ' ');
                }
            }
        }
        if (m_use_regex) {
            split_pieces(
                pieces,
                [&](const std::string& t, std::vector<Span>& s) { m_regex->find_spans(t, s); },
                SplitBehavior::isolated, false);
        }
        for (auto& p : pieces) {
            p.text = byte_level_encode(p.text);
        }
    }

private:
    bool m_add_prefix_space;
    bool m_use_regex;
    std::unique_ptr<Regex> m_regex;
};

/// SentencePiece-style: spaces become the replacement (U+2581), a prefix is prepended per
/// prepend_scheme, and pieces start at each replacement (pre_tokenizers/metaspace.rs).
class Metaspace final : public PreTokenizer {
public:
    explicit Metaspace(const json& c) {
        std::string rep = c.value("replacement", std::string("\xE2\x96\x81"));
        std::size_t i = 0;
        m_replacement_cp = rep.empty() ? U'\u2581' : next_code_point(rep, i);
        m_replacement.clear();
        append_utf8(m_replacement, m_replacement_cp);
        if (c.contains("prepend_scheme")) {
            m_scheme = c.at("prepend_scheme").get<std::string>();
        } else {
            m_scheme = c.value("add_prefix_space", true) ? "always" : "never";
        }
        if (m_scheme != "always" && m_scheme != "first" && m_scheme != "never") {
            throw Error("tokenizer.json: Metaspace prepend_scheme '" + m_scheme + "' unknown");
        }
        m_split = c.value("split", true);
    }
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        for (auto& p : pieces) {
            std::string out;
            out.reserve(p.text.size() + 3);
            for (char ch : p.text) {
                if (ch == ' ') {
                    out += m_replacement;
                } else {
                    out.push_back(ch);
                }
            }
            bool prepend = m_scheme == "always" || (m_scheme == "first" && p.at_origin);
            if (prepend && out.compare(0, m_replacement.size(), m_replacement) != 0) {
                out.insert(0, m_replacement);
            }
            p.text = std::move(out);
        }
        if (m_split) {
            char32_t r = m_replacement_cp;
            split_by_char(
                pieces, [r](char32_t cp) { return cp == r; }, SplitBehavior::merged_with_next);
        }
    }

private:
    std::string m_replacement;
    char32_t m_replacement_cp = U'\u2581';
    std::string m_scheme;
    bool m_split = true;
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
        : m_parts(std::move(parts)) {}
    void pre_tokenize(std::vector<Piece>& pieces) const override {
        for (const auto& p : m_parts) {
            p->pre_tokenize(pieces);
        }
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> m_parts;
};

bool is_numeric(char32_t cp) {
    if (cp < 0x80) {
        return cp >= '0' && cp <= '9';
    }
    return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_N_MASK) != 0;
}

std::unique_ptr<PreTokenizer> make_split(const json& c) {
    const json& p = c.at("pattern");
    std::unique_ptr<Regex> regex;
    if (p.contains("String")) {
        regex = std::make_unique<Regex>(p.at("String").get<std::string>(), true);
    } else {
        regex = std::make_unique<Regex>(p.at("Regex").get<std::string>());
    }
    return std::make_unique<RegexSplit>(std::move(regex),
                                        parse_split_behavior(c.at("behavior").get<std::string>()),
                                        c.value("invert", false));
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            append_utf8(t[static_cast<std::size_t>(b)],
                        printable ? static_cast<char32_t>(b) : next++);
        }
        return t;
    }();
    return table;
}

std::string byte_level_encode(const std::string& text) {
    const auto& table = byte_to_unicode();
    std::string out;
    out.reserve(text.size() * 2);
    for (char c : text) {
        out += table[static_cast<unsigned char>(c)];
    }
    return out;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& config) {
    if (config.is_null()) {
        return nullptr;
    }
    const std::string type = config.at("type").get<std::string>();
    if (type == "BertPreTokenizer")
        return std::make_unique<BertPreTokenizer>();
    if (type == "ByteLevel")
        return std::make_unique<ByteLevel>(config);
    if (type == "Split")
        return make_split(config);
    if (type == "Metaspace")
        return std::make_unique<Metaspace>(config);
    if (type == "Whitespace") {
        // HF keeps the matches of \w+|[^\w\s]+ (pre_tokenizers/whitespace.rs).
        return std::make_unique<RegexSplit>(std::make_unique<Regex>(R"(\w+|[^\w\s]+)"),
                                            SplitBehavior::removed, true);
    }
    if (type == "WhitespaceSplit") {
        return std::make_unique<CharSplit>(is_whitespace, SplitBehavior::removed);
    }
    if (type == "Punctuation") {
        return std::make_unique<CharSplit>(
            is_bert_punctuation, parse_split_behavior(config.value("behavior", "Isolated")));
    }
    if (type == "Digits") {
        bool individual = config.value("individual_digits", false);
        return std::make_unique<CharSplit>(
            is_numeric, individual ? SplitBehavior::isolated : SplitBehavior::contiguous);
    }
    if (type == "CharDelimiterSplit") {
        std::string d = config.at("delimiter").get<std::string>();
        std::size_t i = 0;
        char32_t delim = d.empty() ? U' ' : next_code_point(d, i);
        return std::make_unique<CharSplit>([delim](char32_t cp) { return cp == delim; },
                                           SplitBehavior::removed);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& c : config.at("pretokenizers")) {
            if (auto p = make_pre_tokenizer(c)) {
                parts.push_back(std::move(p));
            }
        }
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    throw Error("tokenizer.json: not implemented: pre_tokenizer " + type +
                " (supported: BertPreTokenizer, ByteLevel, Split, Metaspace, Whitespace, "
                "WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Sequence)");
}

}  // namespace cascade::model::tok
