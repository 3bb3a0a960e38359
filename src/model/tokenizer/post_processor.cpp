#include "model/tokenizer/post_processor.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

using nlohmann::json;

void append(IdSequence& out, const IdSequence& s) {
    out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
    out.type_ids.insert(out.type_ids.end(), s.type_ids.begin(), s.type_ids.end());
}

void append_token(IdSequence& out, std::int32_t id, std::int32_t type_id) {
    out.ids.push_back(id);
    out.type_ids.push_back(type_id);
}

/// Appends the ids of `s`, all with type id `type_id`.
void append_ids(IdSequence& out, const IdSequence& s, std::int32_t type_id) {
    out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
    out.type_ids.insert(out.type_ids.end(), s.ids.size(), type_id);
}

/// Templates such as `[CLS] $A [SEP] $B:1 [SEP]:1` (processors/template.rs).
class TemplateProcessing final : public PostProcessor {
public:
    explicit TemplateProcessing(const json& c) {
        for (const auto& [name, tok] : c.at("special_tokens").items()) {
            m_special_ids.emplace_back(name, tok.at("ids").get<std::vector<std::int32_t>>());
        }
        m_single = parse(c.at("single"));
        m_pair = parse(c.at("pair"));
    }

    [[nodiscard]] std::size_t added_tokens(bool pair) const override {
        std::size_t n = 0;
        for (const auto& p : pair ? m_pair : m_single) {
            n += p.sequence < 0 ? p.ids.size() : 0;
        }
        return n;
    }

    [[nodiscard]] IdSequence process(const IdSequence& a, const IdSequence* b,
                                     bool add_special_tokens) const override {
        IdSequence out;
        for (const auto& p : b != nullptr ? m_pair : m_single) {
            if (p.sequence < 0) {
                if (add_special_tokens) {
                    for (auto id : p.ids)
                        append_token(out, id, p.type_id);
                }
                continue;
            }
            const IdSequence& s = p.sequence == 0 ? a : *b;
            append_ids(out, s, p.type_id);
        }
        return out;
    }

private:
    struct Part {
        int sequence = -1;  // 0 = A, 1 = B, -1 = special token
        std::vector<std::int32_t> ids;
        std::int32_t type_id = 0;
    };

    std::vector<Part> parse(const json& pieces) const {
        std::vector<Part> parts;
        for (const auto& p : pieces) {
            Part part;
            if (p.contains("Sequence")) {
                const auto& s = p.at("Sequence");
                std::string id = s.at("id").get<std::string>();
                part.sequence = id == "A" ? 0 : 1;
                part.type_id = s.value("type_id", 0);
            } else {
                const auto& s = p.at("SpecialToken");
                std::string id = s.at("id").get<std::string>();
                part.type_id = s.value("type_id", 0);
                bool found = false;
                for (const auto& [name, ids] : m_special_ids) {
                    if (name == id) {
                        part.ids = ids;
                        found = true;
                    }
                }
                if (!found) {
                    throw Error("tokenizer.json: TemplateProcessing uses special token '" + id +
                                "' missing from special_tokens");
                }
            }
            parts.push_back(std::move(part));
        }
        return parts;
    }

    std::vector<std::pair<std::string, std::vector<std::int32_t>>> m_special_ids;
    std::vector<Part> m_single;
    std::vector<Part> m_pair;
};

std::int32_t token_id_of(const json& pair_config) {
    // "cls": ["[CLS]", 101]
    return pair_config.at(1).get<std::int32_t>();
}

/// `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` with B's type id 1 (processors/bert.rs).
class BertProcessing final : public PostProcessor {
public:
    explicit BertProcessing(const json& c)
        : m_cls(token_id_of(c.at("cls"))), m_sep(token_id_of(c.at("sep"))) {}
    [[nodiscard]] std::size_t added_tokens(bool pair) const override { return pair ? 3 : 2; }
    [[nodiscard]] IdSequence process(const IdSequence& a, const IdSequence* b,
                                     bool add_special_tokens) const override {
        if (!add_special_tokens) {
            return default_process(a, b);
        }
        IdSequence out;
        append_token(out, m_cls, 0);
        append_ids(out, a, 0);
        append_token(out, m_sep, 0);
        if (b != nullptr) {
            append_ids(out, *b, 1);
            append_token(out, m_sep, 1);
        }
        return out;
    }

private:
    std::int32_t m_cls;
    std::int32_t m_sep;
};

/// `<s> A </s>` and `<s> A </s></s> B </s>`, all type ids 0 (processors/roberta.rs).
class RobertaProcessing final : public PostProcessor {
public:
    explicit RobertaProcessing(const json& c)
        : m_cls(token_id_of(c.at("cls"))), m_sep(token_id_of(c.at("sep"))) {}
    [[nodiscard]] std::size_t added_tokens(bool pair) const override { return pair ? 4 : 2; }
    [[nodiscard]] IdSequence process(const IdSequence& a, const IdSequence* b,
                                     bool add_special_tokens) const override {
        if (!add_special_tokens) {
            IdSequence out = default_process(a, b);
            std::fill(out.type_ids.begin(), out.type_ids.end(), 0);  // HF: all 0 here too
            return out;
        }
        IdSequence out;
        append_token(out, m_cls, 0);
        append_ids(out, a, 0);
        append_token(out, m_sep, 0);
        if (b != nullptr) {
            append_token(out, m_sep, 0);
            append_ids(out, *b, 0);
            append_token(out, m_sep, 0);
        }
        return out;
    }

private:
    std::int32_t m_cls;
    std::int32_t m_sep;
};

/// ByteLevel only trims offsets, which cascade does not track: ids pass through.
class IdentityProcessing final : public PostProcessor {
public:
    [[nodiscard]] std::size_t added_tokens(bool) const override { return 0; }
    [[nodiscard]] IdSequence process(const IdSequence& a, const IdSequence* b,
                                     bool) const override {
        return default_process(a, b);
    }
};

class SequenceProcessing final : public PostProcessor {
public:
    explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> parts)
        : m_parts(std::move(parts)) {
        std::size_t adding = 0;
        for (const auto& p : m_parts) {
            adding += p->added_tokens(true) > 0 ? 1 : 0;
        }
        if (adding > 1) {
            throw Error(
                "tokenizer.json: not implemented: post_processor Sequence with more than "
                "one processor that adds special tokens");
        }
    }
    [[nodiscard]] std::size_t added_tokens(bool pair) const override {
        std::size_t n = 0;
        for (const auto& p : m_parts)
            n += p->added_tokens(pair);
        return n;
    }
    [[nodiscard]] IdSequence process(const IdSequence& a, const IdSequence* b,
                                     bool add_special_tokens) const override {
        for (const auto& p : m_parts) {
            if (p->added_tokens(true) > 0) {
                return p->process(a, b, add_special_tokens);
            }
        }
        return default_process(a, b);
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> m_parts;
};

}  // namespace

IdSequence default_process(const IdSequence& a, const IdSequence* b) {
    IdSequence out = a;
    if (b != nullptr) {
        append(out, *b);
    }
    return out;
}

std::unique_ptr<PostProcessor> make_post_processor(const json& config) {
    if (config.is_null()) {
        return nullptr;
    }
    const std::string type = config.at("type").get<std::string>();
    if (type == "TemplateProcessing")
        return std::make_unique<TemplateProcessing>(config);
    if (type == "BertProcessing")
        return std::make_unique<BertProcessing>(config);
    if (type == "RobertaProcessing")
        return std::make_unique<RobertaProcessing>(config);
    if (type == "ByteLevel")
        return std::make_unique<IdentityProcessing>();
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PostProcessor>> parts;
        for (const auto& c : config.at("processors")) {
            if (auto p = make_post_processor(c)) {
                parts.push_back(std::move(p));
            }
        }
        return std::make_unique<SequenceProcessing>(std::move(parts));
    }
    throw Error("tokenizer.json: not implemented: post_processor " + type +
                " (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
                "Sequence)");
}

}  // namespace cascade::model::tok
