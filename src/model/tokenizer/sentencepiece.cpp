#include "model/tokenizer/sentencepiece.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

using nlohmann::json;

/// Minimal protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/).
class WireReader {
public:
    WireReader(std::string_view data, const std::string& path) : m_data(data), m_path(path) {}

    [[nodiscard]] bool done() const { return m_pos >= m_data.size(); }

    /// Reads the next field; the payload lands in `varint` or `bytes` by wire type.
    void next(std::uint32_t& field, std::uint64_t& varint, std::string_view& bytes) {
        std::uint64_t key = read_varint();
        field = static_cast<std::uint32_t>(key >> 3);
        switch (key & 7) {
            case 0:
                varint = read_varint();
                break;
            case 1:
                bytes = take(8);
                break;
            case 2:
                bytes = take(read_varint());
                break;
            case 5:
                bytes = take(4);
                break;
            default:
                fail("unsupported protobuf wire type " + std::to_string(key & 7));
        }
    }

private:
    std::uint64_t read_varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (done())
                fail("truncated varint");
            auto b = static_cast<unsigned char>(m_data[m_pos++]);
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (b < 0x80)
                return v;
        }
        fail("overlong varint");
    }
    std::string_view take(std::uint64_t n) {
        if (n > m_data.size() - m_pos)
            fail("truncated field");
        std::string_view s = m_data.substr(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return s;
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw InputError(m_path, "not a SentencePiece model: " + what);
    }

    std::string_view m_data;
    std::size_t m_pos = 0;
    const std::string& m_path;
};

struct Piece {
    std::string text;
    float score = 0.0F;
    int type = 1;  // 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
};

struct SpmModel {
    std::vector<Piece> pieces;
    int model_type = 1;  // 1 unigram, 2 bpe, 3 word, 4 char
    bool byte_fallback = false;
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = true;
};

SpmModel parse(std::string_view data, const std::string& path) {
    SpmModel m;
    WireReader top(data, path);
    std::uint32_t field = 0;
    std::uint64_t v = 0;
    std::string_view bytes;
    while (!top.done()) {
        top.next(field, v, bytes);
        WireReader sub(bytes, path);
        if (field == 1) {  // ModelProto.pieces
            Piece p;
            while (!sub.done()) {
                std::uint64_t x = 0;
                std::string_view b;
                sub.next(field, x, b);
                if (field == 1)
                    p.text = std::string(b);
                if (field == 2 && b.size() == 4)
                    std::memcpy(&p.score, b.data(), 4);
                if (field == 3)
                    p.type = static_cast<int>(x);
            }
            m.pieces.push_back(std::move(p));
        } else if (field == 2 || field == 3) {  // trainer_spec, normalizer_spec
            const bool trainer = field == 2;
            while (!sub.done()) {
                std::uint64_t x = 0;
                std::string_view b;
                sub.next(field, x, b);
                if (trainer && field == 3)
                    m.model_type = static_cast<int>(x);
                if (trainer && field == 35)
                    m.byte_fallback = x != 0;
                if (!trainer && field == 3)
                    m.add_dummy_prefix = x != 0;
                if (!trainer && field == 4)
                    m.remove_extra_whitespaces = x != 0;
            }
        }
        bytes = {};
    }
    if (m.pieces.empty()) {
        throw InputError(path, "not a SentencePiece model: no pieces");
    }
    return m;
}

/// Merges in the order SentencePiece BPE applies them: every split of a normal piece into two
/// vocab pieces, ordered by the score of the piece they form (highest first), ties by ids.
json derive_merges(const SpmModel& m, const std::unordered_map<std::string, int>& ids) {
    struct Merge {
        int left, right;
        float score;
    };
    std::vector<Merge> merges;
    std::vector<Merge> local;
    for (const auto& p : m.pieces) {
        if (p.type != 1)
            continue;
        local.clear();
        for (std::size_t i = 0; i < p.text.size();) {
            i += utf8_length(static_cast<unsigned char>(p.text[i]));
            if (i >= p.text.size())
                break;
            auto l = ids.find(p.text.substr(0, i));
            auto r = ids.find(p.text.substr(i));
            if (l != ids.end() && r != ids.end())
                local.push_back({l->second, r->second, p.score});
        }
        std::sort(local.begin(), local.end(), [](const Merge& a, const Merge& b) {
            return a.left != b.left ? a.left < b.left : a.right < b.right;
        });
        merges.insert(merges.end(), local.begin(), local.end());
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const Merge& a, const Merge& b) { return a.score > b.score; });
    json out = json::array();
    for (const auto& mg : merges) {
        out.push_back({m.pieces[static_cast<std::size_t>(mg.left)].text,
                       m.pieces[static_cast<std::size_t>(mg.right)].text});
    }
    return out;
}

}  // namespace

json sentencepiece_bpe_to_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw IoError::from_errno("cannot open SentencePiece model", path);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    SpmModel m = parse(data, path);
    if (m.model_type != 2) {
        throw InputError(path, "not implemented: SentencePiece model type " +
                                   std::to_string(m.model_type) + " (only BPE = 2)");
    }
    if (m.remove_extra_whitespaces) {
        throw InputError(path, "not implemented: SentencePiece remove_extra_whitespaces");
    }
    std::unordered_map<std::string, int> ids;
    json vocab = json::object();
    json added = json::array();
    std::string unk;
    std::string bos;
    for (std::size_t i = 0; i < m.pieces.size(); ++i) {
        const Piece& p = m.pieces[i];
        ids.emplace(p.text, static_cast<int>(i));
        vocab[p.text] = i;
        if (p.type == 2 || p.type == 3) {
            added.push_back(
                {{"id", i}, {"content", p.text}, {"special", true}, {"normalized", false}});
        }
        if (p.type == 2 && unk.empty())
            unk = p.text;
        if (p.type == 3 && p.text == "<s>")
            bos = p.text;
    }
    json normalizers = json::array();
    if (m.add_dummy_prefix) {
        normalizers.push_back({{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}});
    }
    normalizers.push_back(
        {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}});
    json model = {{"type", "BPE"},
                  {"vocab", vocab},
                  {"merges", derive_merges(m, ids)},
                  {"fuse_unk", true},
                  {"byte_fallback", m.byte_fallback},
                  {"unk_token", unk.empty() ? json() : json(unk)}};
    json post = nullptr;
    if (!bos.empty()) {
        json special = {{"SpecialToken", {{"id", bos}, {"type_id", 0}}}};
        json bos_b = {{"SpecialToken", {{"id", bos}, {"type_id", 1}}}};
        post = {
            {"type", "TemplateProcessing"},
            {"single", {special, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
            {"pair",
             {special,
              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
              bos_b,
              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
            {"special_tokens", {{bos, {{"id", bos}, {"ids", {ids.at(bos)}}, {"tokens", {bos}}}}}}};
    }
    // Hugging Face's Llama converter: ▁ back to spaces, <0xNN> pieces to bytes, the space the
    // normalizer prepended stripped.
    json steps = json::array();
    steps.push_back(
        {{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}});
    if (m.byte_fallback)
        steps.push_back({{"type", "ByteFallback"}});
    steps.push_back({{"type", "Fuse"}});
    if (m.add_dummy_prefix)
        steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    return {{"version", "1.0"},
            {"added_tokens", added},
            {"decoder", {{"type", "Sequence"}, {"decoders", steps}}},
            {"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
            {"pre_tokenizer", nullptr},
            {"post_processor", post},
            {"model", model}};
}

}  // namespace cascade::model::tok
