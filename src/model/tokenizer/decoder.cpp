#include "model/tokenizer/decoder.hpp"

#include <array>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "model/tokenizer/pre_tokenizer.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace cascade::model::tok {
namespace {

using json = nlohmann::json;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty())
        return;
    std::size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
}

/// Inverse of GPT-2's byte_to_unicode(): each token's characters back to bytes. A token with a
/// character outside the table keeps its own bytes, as tokenizers' ByteLevel decoder does.
class ByteLevelDecoder final : public Decoder {
public:
    ByteLevelDecoder() {
        const auto& table = byte_to_unicode();
        for (std::size_t b = 0; b < table.size(); ++b)
            m_bytes.emplace(table[b], static_cast<char>(b));
    }
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string out;
        for (const auto& t : tokens) {
            std::string bytes;
            bool mapped = true;
            for (std::size_t i = 0; i < t.size() && mapped;) {
                const auto c = static_cast<unsigned char>(t[i]);
                const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
                const auto it = m_bytes.find(t.substr(i, len));
                mapped = it != m_bytes.end();
                if (mapped)
                    bytes.push_back(it->second);
                i += len;
            }
            out += mapped ? bytes : t;
        }
        // Bytes that are not UTF-8 (a character split across tokens) become U+FFFD, one per
        // maximal invalid subpart, as Rust's String::from_utf8_lossy does.
        sanitize_utf8_inplace(out);
        tokens.clear();
        tokens.push_back(std::move(out));
    }

private:
    std::unordered_map<std::string, char> m_bytes;
};

class WordPieceDecoder final : public Decoder {
public:
    WordPieceDecoder(std::string prefix, bool cleanup)
        : m_prefix(std::move(prefix)), m_cleanup(cleanup) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string& t = tokens[i];
            if (i > 0 && t.starts_with(m_prefix))
                t.erase(0, m_prefix.size());
            else if (i > 0)
                t.insert(0, " ");
            if (m_cleanup)
                for (const auto& [from, to] :
                     std::array<std::pair<std::string_view, std::string_view>, 11>{{
                         {" .", "."},
                         {" ?", "?"},
                         {" !", "!"},
                         {" ,", ","},
                         {" ' ", "'"},
                         {" n't", "n't"},
                         {" 'm", "'m"},
                         {" do not", " don't"},
                         {" 's", "'s"},
                         {" 've", "'ve"},
                         {" 're", "'re"},
                     }})
                    replace_all(t, from, to);
        }
    }

private:
    std::string m_prefix;
    bool m_cleanup;
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool strip_first)
        : m_replacement(std::move(replacement)), m_strip_first(strip_first) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            replace_all(tokens[i], m_replacement, " ");
            if (i == 0 && m_strip_first && tokens[i].starts_with(' '))
                tokens[i].erase(0, 1);
        }
    }

private:
    std::string m_replacement;
    bool m_strip_first;
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(std::string pattern, std::string content)
        : m_pattern(std::move(pattern)), m_content(std::move(content)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens)
            replace_all(t, m_pattern, m_content);
    }

private:
    std::string m_pattern;
    std::string m_content;
};

/// `<0xNN>` tokens become bytes; a run of them that is not valid UTF-8 becomes one U+FFFD per
/// byte.
class ByteFallbackDecoder final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string bytes;
        std::size_t count = 0;
        auto flush = [&] {
            if (count == 0)
                return;
            if (is_valid_utf8(bytes)) {
                out.push_back(bytes);
            } else {
                for (std::size_t i = 0; i < count; ++i)
                    out.emplace_back("\xEF\xBF\xBD");
            }
            bytes.clear();
            count = 0;
        };
        for (auto& t : tokens) {
            if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>') {
                unsigned value = 0;
                bool hex = true;
                for (char c : std::string_view(t).substr(3, 2)) {
                    value <<= 4U;
                    if (c >= '0' && c <= '9')
                        value |= static_cast<unsigned>(c - '0');
                    else if (c >= 'A' && c <= 'F')
                        value |= static_cast<unsigned>(c - 'A' + 10);
                    else
                        hex = false;
                }
                if (hex) {
                    bytes.push_back(static_cast<char>(value));
                    ++count;
                    continue;
                }
            }
            flush();
            out.push_back(std::move(t));
        }
        flush();
        tokens = std::move(out);
    }
};

class FuseDecoder final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens)
            all += t;
        tokens.clear();
        tokens.push_back(std::move(all));
    }
};

class StripDecoder final : public Decoder {
public:
    StripDecoder(std::string content, std::size_t start, std::size_t stop)
        : m_content(std::move(content)), m_start(start), m_stop(stop) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) {
            for (std::size_t i = 0; i < m_start && t.starts_with(m_content); ++i)
                t.erase(0, m_content.size());
            for (std::size_t i = 0; i < m_stop && t.ends_with(m_content); ++i)
                t.erase(t.size() - m_content.size());
        }
    }

private:
    std::string m_content;
    std::size_t m_start;
    std::size_t m_stop;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
        : m_steps(std::move(steps)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (const auto& step : m_steps)
            step->decode_chain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> m_steps;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& config) {
    if (config.is_null())
        return nullptr;
    const auto type = config.at("type").get<std::string>();
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelDecoder>();
    if (type == "WordPiece")
        return std::make_unique<WordPieceDecoder>(config.value("prefix", std::string("##")),
                                                  config.value("cleanup", true));
    if (type == "Metaspace") {
        bool strip = config.value("add_prefix_space", true);
        if (config.contains("prepend_scheme") && config["prepend_scheme"].is_string())
            strip = config["prepend_scheme"].get<std::string>() != "never";
        return std::make_unique<MetaspaceDecoder>(
            config.value("replacement", std::string("\xE2\x96\x81")), strip);
    }
    if (type == "Replace") {
        const json& pattern = config.at("pattern");
        if (!pattern.contains("String"))
            throw Error("tokenizer decoder Replace: only String patterns are supported");
        return std::make_unique<ReplaceDecoder>(pattern.at("String").get<std::string>(),
                                                config.at("content").get<std::string>());
    }
    if (type == "ByteFallback")
        return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse")
        return std::make_unique<FuseDecoder>();
    if (type == "Strip")
        return std::make_unique<StripDecoder>(config.at("content").get<std::string>(),
                                              config.value("start", std::size_t{0}),
                                              config.value("stop", std::size_t{0}));
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Decoder>> steps;
        for (const auto& step : config.at("decoders"))
            if (auto d = make_decoder(step))
                steps.push_back(std::move(d));
        return std::make_unique<SequenceDecoder>(std::move(steps));
    }
    throw Error("tokenizer decoder type '" + type +
                "' is not supported (ByteLevel, WordPiece, Metaspace, Replace, ByteFallback, "
                "Fuse, Strip, Sequence are)");
}

std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens) {
    std::string out;
    if (decoder == nullptr) {
        for (std::size_t i = 0; i < tokens.size(); ++i)
            out += (i > 0 ? " " : "") + tokens[i];
        return out;
    }
    decoder->decode_chain(tokens);
    for (const auto& t : tokens)
        out += t;
    return out;
}

}  // namespace cascade::model::tok
