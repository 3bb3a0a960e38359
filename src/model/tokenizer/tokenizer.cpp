#include "model/tokenizer/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "model/tokenizer/added_vocabulary.hpp"
#include "model/tokenizer/decoder.hpp"
#include "model/tokenizer/model.hpp"
#include "model/tokenizer/normalizer.hpp"
#include "model/tokenizer/post_processor.hpp"
#include "model/tokenizer/pre_tokenizer.hpp"
#include "model/tokenizer/sentencepiece.hpp"
#include "model/tokenizer/truncation.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace cascade::model {

using nlohmann::json;

struct Tokenizer::Impl {
    std::unique_ptr<tok::Normalizer> normalizer;
    std::unique_ptr<tok::PreTokenizer> pre_tokenizer;
    std::unique_ptr<tok::Model> model;
    std::unique_ptr<tok::PostProcessor> post_processor;
    std::unique_ptr<tok::Decoder> decoder;
    std::unordered_set<std::int32_t> special_ids;  // added tokens marked special
    tok::AddedTokenMatcher raw_matcher;            // added tokens with normalized = false
    tok::AddedTokenMatcher normalized_matcher;     // added tokens with normalized = true
    std::unordered_map<std::string, std::int32_t, tok::StringHash, std::equal_to<>> added_ids;
    std::unordered_map<std::int32_t, std::string> added_tokens;
    std::optional<TruncationSettings> truncation;
    std::optional<PaddingSettings> padding;
    std::string model_type;
    std::int32_t pad_id = 0;

    /// Ids of `text` without special tokens, with `type_id` for every token.
    /// `word_limit` > 0 stops after the first pre-token word at which the sequence reaches
    /// that many tokens (HF encodes only that prefix when truncation is on; see truncation.hpp).
    tok::IdSequence encode_sequence(std::string_view text, std::int32_t type_id,
                                    std::size_t word_limit = 0) const;
    void tokenize_segment(std::string text, bool at_origin, std::vector<std::int32_t>& ids,
                          std::size_t word_limit) const;
    Encoding finish(const tok::IdSequence& a, const tok::IdSequence* b,
                    bool add_special_tokens) const;
};

void Tokenizer::Impl::tokenize_segment(std::string text, bool at_origin,
                                       std::vector<std::int32_t>& ids,
                                       std::size_t word_limit) const {
    auto full = [&] { return word_limit > 0 && ids.size() >= word_limit; };
    if (normalizer) {
        normalizer->normalize(text);
    }
    std::vector<tok::Piece> pieces;
    for (const auto& seg : normalized_matcher.split(text)) {
        if (full()) {
            return;
        }
        if (seg.token_id >= 0) {
            ids.push_back(seg.token_id);
            continue;
        }
        pieces.clear();
        pieces.push_back(
            {text.substr(seg.begin, seg.end - seg.begin), at_origin && seg.begin == 0});
        if (pre_tokenizer) {
            pre_tokenizer->pre_tokenize(pieces);
        }
        for (const auto& p : pieces) {
            if (full()) {
                return;
            }
            if (!p.text.empty()) {
                model->tokenize(p.text, ids);
            }
        }
    }
}

tok::IdSequence Tokenizer::Impl::encode_sequence(std::string_view text, std::int32_t type_id,
                                                 std::size_t word_limit) const {
    std::string repaired;
    if (!is_valid_utf8(text)) {
        repaired = sanitize_utf8(text);
        text = repaired;
    }
    tok::IdSequence out;
    for (const auto& seg : raw_matcher.split(text)) {
        if (word_limit > 0 && out.ids.size() >= word_limit) {
            break;
        }
        if (seg.token_id >= 0) {
            out.ids.push_back(seg.token_id);
        } else {
            tokenize_segment(std::string(text.substr(seg.begin, seg.end - seg.begin)),
                             seg.begin == 0, out.ids, word_limit);
        }
    }
    out.type_ids.assign(out.ids.size(), type_id);
    return out;
}

Encoding Tokenizer::Impl::finish(const tok::IdSequence& a, const tok::IdSequence* b,
                                 bool add_special_tokens) const {
    tok::IdSequence merged = post_processor ? post_processor->process(a, b, add_special_tokens)
                                            : tok::default_process(a, b);
    Encoding e;
    e.ids = std::move(merged.ids);
    e.type_ids = std::move(merged.type_ids);
    e.attention_mask.assign(e.ids.size(), 1);
    return e;
}

namespace {

TruncationStrategy parse_strategy(const std::string& s) {
    if (s == "LongestFirst")
        return TruncationStrategy::longest_first;
    if (s == "OnlyFirst")
        return TruncationStrategy::only_first;
    if (s == "OnlySecond")
        return TruncationStrategy::only_second;
    throw Error("tokenizer.json: unknown truncation strategy '" + s + "'");
}

void load_settings(const json& root, Tokenizer::Impl& impl) {
    if (auto it = root.find("truncation"); it != root.end() && !it->is_null()) {
        TruncationSettings t;
        t.max_length = it->value("max_length", std::size_t{512});
        t.strategy = parse_strategy(it->value("strategy", std::string("LongestFirst")));
        t.stride = it->value("stride", std::size_t{0});
        impl.truncation = t;
    }
    if (auto it = root.find("padding"); it != root.end() && !it->is_null()) {
        PaddingSettings p;
        const json& strategy = it->at("strategy");
        if (strategy.is_object() && strategy.contains("Fixed")) {
            p.fixed_length = strategy.at("Fixed").get<std::size_t>();
        }
        p.pad_id = it->value("pad_id", 0);
        p.pad_type_id = it->value("pad_type_id", 0);
        p.pad_token = it->value("pad_token", std::string("[PAD]"));
        impl.padding = p;
    }
}

void load_added_tokens(const json& root, Tokenizer::Impl& impl) {
    auto it = root.find("added_tokens");
    if (it == root.end() || it->is_null()) {
        return;
    }
    // HF re-adds the tokens in file order (AddedVocabulary::add_tokens): a token already in
    // the model vocab takes that id, any other the next id past the vocab and earlier tokens.
    const auto vocab_size = static_cast<std::int32_t>(impl.model->vocab().size());
    std::int32_t max_added = -1;
    for (const auto& t : *it) {
        tok::AddedToken token;
        token.content = t.at("content").get<std::string>();
        if (token.content.empty() || impl.added_ids.contains(token.content)) {
            continue;
        }
        if (auto id = impl.model->vocab().find(token.content)) {
            token.id = *id;
        } else {
            token.id = max_added >= vocab_size || vocab_size == 0 ? max_added + 1 : vocab_size;
        }
        max_added = std::max(max_added, token.id);
        token.single_word = t.value("single_word", false);
        token.lstrip = t.value("lstrip", false);
        token.rstrip = t.value("rstrip", false);
        token.normalized = t.value("normalized", false);
        token.special = t.value("special", false);
        impl.added_ids.emplace(token.content, token.id);
        impl.added_tokens.emplace(token.id, token.content);
        if (token.special)
            impl.special_ids.insert(token.id);
        if (token.normalized) {
            std::string pattern = token.content;
            if (impl.normalizer) {
                impl.normalizer->normalize(pattern);
            }
            impl.normalized_matcher.add(token, std::move(pattern));
        } else {
            impl.raw_matcher.add(token, token.content);
        }
    }
}

void set_pad_id(Tokenizer::Impl& impl) {
    if (impl.padding) {
        impl.pad_id = impl.padding->pad_id;
        return;
    }
    for (const char* name : {"[PAD]", "<pad>", "<|endoftext|>"}) {
        auto it = impl.added_ids.find(std::string_view(name));
        if (it != impl.added_ids.end()) {
            impl.pad_id = it->second;
            return;
        }
        if (auto id = impl.model->vocab().find(name)) {
            impl.pad_id = *id;
            return;
        }
    }
}

std::string read_whole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw IoError::from_errno("cannot open tokenizer file", path.string());
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Tokenizer Tokenizer::from_json(std::string_view json_text, std::string_view origin) {
    auto impl = std::make_shared<Impl>();
    try {
        json root = json::parse(json_text);
        if (!root.is_object()) {
            throw Error("not a JSON object");
        }
        const json& model = root.at("model");
        impl->model_type = model.value("type", std::string());
        impl->model = tok::make_model(model);
        impl->normalizer = tok::make_normalizer(root.value("normalizer", json()));
        impl->pre_tokenizer = tok::make_pre_tokenizer(root.value("pre_tokenizer", json()));
        impl->post_processor = tok::make_post_processor(root.value("post_processor", json()));
        impl->decoder = tok::make_decoder(root.value("decoder", json()));
        load_added_tokens(root, *impl);
        load_settings(root, *impl);
        set_pad_id(*impl);
    } catch (const json::exception& e) {
        throw InputError(origin, std::string("malformed tokenizer.json: ") + e.what());
    } catch (const InputError&) {
        throw;
    } catch (const Error& e) {
        throw InputError(origin, e.what());
    }
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
    return from_json(read_whole(tokenizer_json), tokenizer_json.string());
}

Tokenizer Tokenizer::from_vocab_txt(const std::filesystem::path& vocab_txt, bool lowercase) {
    auto impl = std::make_shared<Impl>();
    impl->model = tok::make_wordpiece_from_vocab_txt(vocab_txt.string());
    impl->model_type = "WordPiece";
    json normalizer = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", true},
                       {"strip_accents", nullptr},
                       {"lowercase", lowercase}};
    impl->normalizer = tok::make_normalizer(normalizer);
    impl->pre_tokenizer = tok::make_pre_tokenizer(json{{"type", "BertPreTokenizer"}});
    const tok::Vocab& vocab = impl->model->vocab();
    auto cls = vocab.find("[CLS]");
    auto sep = vocab.find("[SEP]");
    if (!cls || !sep) {
        throw InputError(vocab_txt.string(), "vocab.txt lacks [CLS] or [SEP]");
    }
    impl->post_processor = tok::make_post_processor(
        json{{"type", "BertProcessing"}, {"cls", {"[CLS]", *cls}}, {"sep", {"[SEP]", *sep}}});
    json added = json::array();
    for (const char* name : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
        if (auto id = vocab.find(name)) {
            added.push_back({{"id", *id}, {"content", name}, {"special", true}});
        }
    }
    load_added_tokens(json{{"added_tokens", added}}, *impl);
    set_pad_id(*impl);
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_model_dir(const std::filesystem::path& dir) {
    if (std::filesystem::exists(dir / "tokenizer.json")) {
        return from_file(dir / "tokenizer.json");
    }
    if (std::filesystem::exists(dir / "vocab.txt")) {
        bool lowercase = true;
        if (std::filesystem::exists(dir / "tokenizer_config.json")) {
            try {
                json cfg = json::parse(read_whole(dir / "tokenizer_config.json"));
                lowercase = cfg.value("do_lower_case", true);
            } catch (const json::exception& e) {
                throw InputError((dir / "tokenizer_config.json").string(), e.what());
            }
        }
        return from_vocab_txt(dir / "vocab.txt", lowercase);
    }
    if (std::filesystem::exists(dir / "tokenizer.model")) {
        return from_sentencepiece(dir / "tokenizer.model");
    }
    throw Error("no tokenizer.json, vocab.txt or tokenizer.model in model folder " + dir.string());
}

Tokenizer Tokenizer::from_sentencepiece(const std::filesystem::path& model_file) {
    return from_json(tok::sentencepiece_bpe_to_json(model_file.string()).dump(),
                     model_file.string());
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens,
                           std::size_t max_length) const {
    tok::IdSequence a = m_impl->encode_sequence(text, 0, max_length);
    if (max_length > 0) {
        std::size_t added = add_special_tokens ? num_special_tokens(false) : 0;
        tok::truncate(a, nullptr, tok::effective_length(max_length, added),
                      TruncationStrategy::longest_first);
    }
    return m_impl->finish(a, nullptr, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second,
                                std::size_t max_length, TruncationStrategy strategy,
                                bool add_special_tokens) const {
    tok::IdSequence a = m_impl->encode_sequence(first, 0, max_length);
    tok::IdSequence b = m_impl->encode_sequence(second, 1, max_length);
    if (max_length > 0) {
        std::size_t added = add_special_tokens ? num_special_tokens(true) : 0;
        tok::truncate(a, &b, tok::effective_length(max_length, added), strategy);
    }
    return m_impl->finish(a, &b, add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                              bool add_special_tokens,
                                              std::size_t max_length) const {
    std::vector<Encoding> out;
    out.reserve(texts.size());
    for (const auto& t : texts) {
        out.push_back(encode(t, add_special_tokens, max_length));
    }
    return out;
}

std::vector<Encoding> Tokenizer::encode_pair_batch(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::size_t max_length,
    TruncationStrategy strategy) const {
    std::vector<Encoding> out;
    out.reserve(pairs.size());
    for (const auto& [a, b] : pairs) {
        out.push_back(encode_pair(a, b, max_length, strategy));
    }
    return out;
}

void Tokenizer::pad(std::vector<Encoding>& batch, std::size_t length) const {
    if (length == 0) {
        for (const auto& e : batch) {
            length = std::max(length, e.size());
        }
    }
    std::int32_t pad_type = m_impl->padding ? m_impl->padding->pad_type_id : 0;
    for (auto& e : batch) {
        if (e.size() < length) {
            e.ids.resize(length, m_impl->pad_id);
            e.type_ids.resize(length, pad_type);
            e.attention_mask.resize(length, 0);
        }
    }
}

std::optional<std::int32_t> Tokenizer::token_to_id(std::string_view token) const {
    if (auto it = m_impl->added_ids.find(token); it != m_impl->added_ids.end()) {
        return it->second;
    }
    return m_impl->model->vocab().find(token);
}

std::string Tokenizer::id_to_token(std::int32_t id) const {
    if (auto it = m_impl->added_tokens.find(id); it != m_impl->added_tokens.end()) {
        return it->second;
    }
    return m_impl->model->vocab().token(id);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (std::int32_t id : ids) {
        if (skip_special_tokens && m_impl->special_ids.contains(id))
            continue;
        std::string token = id_to_token(id);
        if (!token.empty())
            tokens.push_back(std::move(token));
    }
    return tok::decode_tokens(m_impl->decoder.get(), std::move(tokens));
}

bool Tokenizer::is_special(std::int32_t id) const {
    return m_impl->special_ids.contains(id);
}

std::size_t Tokenizer::vocab_size() const {
    std::size_t n = m_impl->model->vocab().size();
    for (const auto& [id, token] : m_impl->added_tokens) {
        n = std::max(n, static_cast<std::size_t>(id) + 1);
    }
    return n;
}

std::size_t Tokenizer::num_special_tokens(bool pair) const {
    return m_impl->post_processor ? m_impl->post_processor->added_tokens(pair) : 0;
}

const std::optional<TruncationSettings>& Tokenizer::truncation() const {
    return m_impl->truncation;
}

const std::optional<PaddingSettings>& Tokenizer::padding() const {
    return m_impl->padding;
}

std::int32_t Tokenizer::pad_id() const {
    return m_impl->pad_id;
}

const std::string& Tokenizer::model_type() const {
    return m_impl->model_type;
}

}  // namespace cascade::model
