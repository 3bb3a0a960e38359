#include "model/tokenizer/normalizer.hpp"

#include <unicode/uchar.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

#include "model/tokenizer/precompiled.hpp"
#include "model/tokenizer/split.hpp"
#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

using nlohmann::json;

/// BERT's text cleaning, CJK padding, accent stripping and lower-casing, in HF's order
/// (tokenizers/src/normalizers/bert.rs; Devlin et al. 2019, google-research/bert).
class BertNormalizer final : public Normalizer {
public:
    explicit BertNormalizer(const json& c) {
        m_clean_text = c.value("clean_text", true);
        m_handle_chinese_chars = c.value("handle_chinese_chars", true);
        m_lowercase = c.value("lowercase", true);
        const auto it = c.find("strip_accents");
        m_strip_accents = (it == c.end() || it->is_null()) ? m_lowercase : it->get<bool>();
    }

    void normalize(std::string& text) const override {
        std::string out;
        out.reserve(text.size() + 8);
        for (std::size_t i = 0; i < text.size();) {
            char32_t cp = next_code_point(text, i);
            if (m_clean_text) {
                if (cp == 0 || cp == 0xFFFD || is_control(cp)) {
                    continue;
                }
                if (is_whitespace(cp)) {
                    cp = ' ';
                }
            }
            if (m_handle_chinese_chars && is_chinese_char(cp)) {
                out.push_back(' ');
                append_utf8(out, cp);
                out.push_back(' ');
            } else {
                append_utf8(out, cp);
            }
        }
        if (m_strip_accents) {
            std::string nfd = tok::normalize(out, NormalForm::nfd);
            out.clear();
            for (std::size_t i = 0; i < nfd.size();) {
                std::size_t start = i;
                char32_t cp = next_code_point(nfd, i);
                if (!is_nonspacing_mark(cp)) {
                    out.append(nfd, start, i - start);
                }
            }
        }
        text = m_lowercase ? lowercase(out) : std::move(out);
    }

private:
    bool m_clean_text = true;
    bool m_handle_chinese_chars = true;
    bool m_strip_accents = true;
    bool m_lowercase = true;
};

class UnicodeNormalizer final : public Normalizer {
public:
    explicit UnicodeNormalizer(NormalForm form) : m_form(form) {}
    void normalize(std::string& text) const override { text = tok::normalize(text, m_form); }

private:
    NormalForm m_form;
};

class LowercaseNormalizer final : public Normalizer {
public:
    void normalize(std::string& text) const override { text = lowercase(text); }
};

/// HF `StripAccents`: drops every combining mark (M*) without decomposing first.
class StripAccentsNormalizer final : public Normalizer {
public:
    void normalize(std::string& text) const override {
        std::string out;
        out.reserve(text.size());
        for (std::size_t i = 0; i < text.size();) {
            std::size_t start = i;
            char32_t cp = next_code_point(text, i);
            if (cp < 0x300 || (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) == 0) {
                out.append(text, start, i - start);
            }
        }
        text = std::move(out);
    }
};

class ReplaceNormalizer final : public Normalizer {
public:
    explicit ReplaceNormalizer(const json& c) {
        const json& p = c.at("pattern");
        if (p.contains("String")) {
            m_regex = std::make_unique<Regex>(p.at("String").get<std::string>(), true);
        } else {
            m_regex = std::make_unique<Regex>(p.at("Regex").get<std::string>());
        }
        m_content = c.at("content").get<std::string>();
    }
    void normalize(std::string& text) const override {
        std::vector<Span> spans;
        m_regex->find_spans(text, spans);
        std::string out;
        out.reserve(text.size());
        for (const auto& s : spans) {
            if (s.is_match) {
                out += m_content;
            } else {
                out.append(text, s.begin, s.end - s.begin);
            }
        }
        text = std::move(out);
    }

private:
    std::unique_ptr<Regex> m_regex;
    std::string m_content;
};

class PrependNormalizer final : public Normalizer {
public:
    explicit PrependNormalizer(std::string prefix) : m_prefix(std::move(prefix)) {}
    void normalize(std::string& text) const override {
        if (!text.empty()) {
            text.insert(0, m_prefix);
        }
    }

private:
    std::string m_prefix;
};

class StripNormalizer final : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : m_left(left), m_right(right) {}
    void normalize(std::string& text) const override {
        std::size_t begin = 0;
        std::size_t end = text.size();
        if (m_left) {
            while (begin < end) {
                std::size_t i = begin;
                if (!is_whitespace(next_code_point(text, i)))
                    break;
                begin = i;
            }
        }
        if (m_right) {
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
                    --start;
                }
                std::size_t i = start;
                if (!is_whitespace(next_code_point(text, i)))
                    break;
                end = start;
            }
        }
        text = text.substr(begin, end - begin);
    }

private:
    bool m_left;
    bool m_right;
};

class PrecompiledNormalizer final : public Normalizer {
public:
    explicit PrecompiledNormalizer(const json& c) {
        const auto it = c.find("precompiled_charsmap");
        if (it != c.end() && it->is_string() && !it->get<std::string>().empty()) {
            m_charsmap.emplace(base64_decode(it->get<std::string>()));
        }
    }
    void normalize(std::string& text) const override {
        if (m_charsmap) {
            text = m_charsmap->normalize(text);
        }
    }

private:
    std::optional<PrecompiledCharsmap> m_charsmap;
};

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
        : m_parts(std::move(parts)) {}
    void normalize(std::string& text) const override {
        for (const auto& p : m_parts) {
            p->normalize(text);
        }
    }

private:
    std::vector<std::unique_ptr<Normalizer>> m_parts;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& config) {
    if (config.is_null()) {
        return nullptr;
    }
    const std::string type = config.at("type").get<std::string>();
    if (type == "BertNormalizer")
        return std::make_unique<BertNormalizer>(config);
    if (type == "NFC")
        return std::make_unique<UnicodeNormalizer>(NormalForm::nfc);
    if (type == "NFD")
        return std::make_unique<UnicodeNormalizer>(NormalForm::nfd);
    if (type == "NFKC")
        return std::make_unique<UnicodeNormalizer>(NormalForm::nfkc);
    if (type == "NFKD")
        return std::make_unique<UnicodeNormalizer>(NormalForm::nfkd);
    if (type == "Lowercase")
        return std::make_unique<LowercaseNormalizer>();
    if (type == "StripAccents")
        return std::make_unique<StripAccentsNormalizer>();
    if (type == "Replace")
        return std::make_unique<ReplaceNormalizer>(config);
    if (type == "Prepend") {
        return std::make_unique<PrependNormalizer>(config.at("prepend").get<std::string>());
    }
    if (type == "Strip") {
        return std::make_unique<StripNormalizer>(config.value("strip_left", true),
                                                 config.value("strip_right", true));
    }
    if (type == "Precompiled")
        return std::make_unique<PrecompiledNormalizer>(config);
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const auto& c : config.at("normalizers")) {
            if (auto n = make_normalizer(c)) {
                parts.push_back(std::move(n));
            }
        }
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    throw Error("tokenizer.json: not implemented: normalizer " + type +
                " (supported: BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, "
                "Replace, Prepend, Strip, Precompiled, Sequence)");
}

}  // namespace cascade::model::tok
