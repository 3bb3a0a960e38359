#include "model/token_colbert.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/token_config.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

/// Python's string.punctuation, the symbols colbert-ai's ColBERT.__init__ puts in its skiplist.
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

std::size_t get_length(const json& j, const std::string& file, const char* key,
                       std::size_t fallback) {
    if (!j.contains(key) || j[key].is_null())
        return fallback;
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 1)
        throw InputError(file, fmt::format("field \"{}\" must be a positive integer", key));
    return j[key].get<std::size_t>();
}

bool get_bool(const json& j, const std::string& file, const char* key, bool fallback) {
    if (!j.contains(key) || j[key].is_null())
        return fallback;
    if (!j[key].is_boolean())
        throw InputError(file, fmt::format("field \"{}\" must be true or false", key));
    return j[key].get<bool>();
}

std::string get_text(const json& j, const std::string& file, const char* key,
                     const std::string& fallback) {
    if (!j.contains(key) || j[key].is_null())
        return fallback;
    if (!j[key].is_string() || j[key].get<std::string>().empty())
        throw InputError(file, fmt::format("field \"{}\" must be a non-empty string", key));
    return j[key].get<std::string>();
}

const std::filesystem::path& check_kind(const std::filesystem::path& dir) {
    if (token_model_kind(dir) != TokenModelKind::Colbert) {
        const std::string arch = config_architecture(dir);
        throw UsageError(fmt::format(
            "{}: config.json architectures[0] is \"{}\"; a ColBERT encoder needs an HF_ColBERT "
            "folder (colbert-ai layout: bert.* weights, linear.weight, artifact.metadata)",
            dir.string(), arch.empty() ? "(none)" : arch));
    }
    return dir;
}

/// Rows of `name` in the folder's safetensors files (the projection's output size).
std::int64_t stored_rows(const std::filesystem::path& dir, const std::string& name) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".safetensors")
            continue;
        const SafetensorsFile file(entry.path());
        if (file.contains(name) && file.info(name).shape.size() == 2)
            return file.info(name).shape[0];
    }
    return 0;
}

}  // namespace

ColbertSettings read_colbert_settings(const std::filesystem::path& dir) {
    ColbertSettings s;
    const auto path = dir / "artifact.metadata";
    std::ifstream in(path);
    if (!in)
        return s;
    const std::string file = path.string();
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw InputError(file, std::string("not valid JSON: ") + e.what());
    }
    if (j.is_object() && j.contains("config") && j["config"].is_object())
        j = j["config"];
    if (!j.is_object())
        throw InputError(file, "expected a JSON object");
    s.from_metadata = true;
    s.query_maxlen = get_length(j, file, "query_maxlen", s.query_maxlen);
    s.doc_maxlen = get_length(j, file, "doc_maxlen", s.doc_maxlen);
    s.query_token_id = get_text(j, file, "query_token_id", s.query_token_id);
    s.doc_token_id = get_text(j, file, "doc_token_id", s.doc_token_id);
    s.mask_punctuation = get_bool(j, file, "mask_punctuation", s.mask_punctuation);
    s.attend_to_mask_tokens = get_bool(j, file, "attend_to_mask_tokens", s.attend_to_mask_tokens);
    if (j.contains("dim") && !j["dim"].is_null())
        s.dim = get_length(j, file, "dim", 0);
    const std::string similarity = get_text(j, file, "similarity", "cosine");
    if (similarity != "cosine")
        throw InputError(file, fmt::format("similarity \"{}\" is not supported (supported: "
                                           "cosine, MaxSim of normalised vectors)",
                                           similarity));
    const std::string interaction = get_text(j, file, "interaction", "colbert");
    if (interaction != "colbert")
        throw InputError(file, fmt::format("interaction \"{}\" is not supported (supported: "
                                           "colbert)",
                                           interaction));
    if (s.query_maxlen < 4)
        throw InputError(file, "query_maxlen must leave room for [CLS] [Q] [SEP] and text");
    if (s.doc_maxlen < 4)
        throw InputError(file, "doc_maxlen must leave room for [CLS] [D] [SEP] and text");
    return s;
}

ColbertEncoder::ColbertEncoder(const std::filesystem::path& dir, EncoderOptions options,
                               std::size_t doc_maxlen)
    : ColbertEncoder(check_kind(dir), options, doc_maxlen, WeightStore(dir)) {}

ColbertEncoder::ColbertEncoder(const std::filesystem::path& dir, EncoderOptions options,
                               std::size_t doc_maxlen, const WeightStore& store)
    : m_settings(read_colbert_settings(dir)),
      m_core(dir, load_token_encoder_config(dir, TokenModelKind::Colbert), store, options) {
    const std::int64_t h = m_core.config().hidden_size;
    if (!store.contains("linear.weight"))
        throw Error(
            fmt::format("{}: missing tensor 'linear.weight', ColBERT's projection "
                        "[dim, {}] (an HF_ColBERT folder stores it beside bert.*)",
                        store.source(), h));
    const std::int64_t rows = stored_rows(dir, "linear.weight");
    if (m_settings.dim && static_cast<std::int64_t>(*m_settings.dim) != rows)
        throw InputError(
            (dir / "artifact.metadata").string(),
            fmt::format("dim {} but linear.weight has {} rows", *m_settings.dim, rows));
    m_linear = Linear::from_weights(store.load("linear.weight", {rows, h}), Tensor{});
    if (doc_maxlen > 0)
        m_settings.doc_maxlen = doc_maxlen;
    const std::size_t limit = m_core.model_max_length();
    if (m_settings.query_maxlen > limit || m_settings.doc_maxlen > limit)
        throw UsageError(
            fmt::format("{}: query_maxlen {} / doc_maxlen {} exceed the model's "
                        "maximum of {} tokens",
                        dir.string(), m_settings.query_maxlen, m_settings.doc_maxlen, limit));
    if (m_settings.doc_maxlen < 4)
        throw UsageError(fmt::format("--max-length {} leaves no room for [CLS] [D] [SEP] and text",
                                     m_settings.doc_maxlen));
    const auto marker = [&](const std::string& token, const char* field) {
        const auto id = m_core.tokenizer().token_to_id(token);
        if (!id)
            throw Error(fmt::format("{}: {} \"{}\" is not in the tokenizer's vocabulary",
                                    dir.string(), field, token));
        return *id;
    };
    m_query_marker = marker(m_settings.query_token_id, "query_token_id");
    m_doc_marker = marker(m_settings.doc_token_id, "doc_token_id");
    if (m_query_marker == m_doc_marker)
        throw Error(
            fmt::format("{}: query_token_id and doc_token_id are the same token \"{}\"; "
                        "queries and documents are told apart by their marker",
                        dir.string(), m_settings.query_token_id));
    m_mask_id = special_id(dir, {"[MASK]", "<mask>"});
    m_pad_id = m_core.tokenizer().pad_id();
    if (m_settings.mask_punctuation) {
        m_skip.assign(static_cast<std::size_t>(m_core.config().vocab_size), false);
        for (char c : kPunctuation) {
            const auto ids = m_core.tokenizer().encode(std::string_view(&c, 1), false).ids;
            if (!ids.empty() && !m_skip[static_cast<std::size_t>(ids.front())]) {
                m_skip[static_cast<std::size_t>(ids.front())] = true;
                m_skiplist.push_back(ids.front());
            }
        }
        std::sort(m_skiplist.begin(), m_skiplist.end());
    }
}

std::int32_t ColbertEncoder::special_id(const std::filesystem::path& dir,
                                        std::initializer_list<const char*> names) const {
    for (const char* n : names)
        if (const auto id = m_core.tokenizer().token_to_id(n))
            return *id;
    throw Error(
        fmt::format("{}: the tokenizer has no {} token, which ColBERT's query "
                    "augmentation pads with",
                    dir.string(), *names.begin()));
}

Encoding ColbertEncoder::encode_query(std::string_view text) const {
    // QueryTokenizer.tensorize: the tokenizer's [CLS] text [SEP] cut to query_maxlen - 1,
    // [Q] inserted after [CLS], then the padding, as every [PAD], becomes [MASK].
    Encoding e = m_core.tokenizer().encode(text, true, m_settings.query_maxlen - 1);
    const auto at = std::min<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(e.ids.size()));
    e.ids.insert(e.ids.begin() + at, m_query_marker);
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
    for (auto& id : e.ids)
        if (id == m_pad_id)
            id = m_mask_id;
    e.ids.resize(m_settings.query_maxlen, m_mask_id);
    e.type_ids.resize(m_settings.query_maxlen, 0);
    e.attention_mask.resize(m_settings.query_maxlen, m_settings.attend_to_mask_tokens ? 1 : 0);
    return e;
}

Encoding ColbertEncoder::encode_document(std::string_view text, std::size_t max_length) const {
    // DocTokenizer.tensorize: [CLS] text [SEP] cut to doc_maxlen - 1, [D] after [CLS].
    const std::size_t length = max_length > 0 ? max_length : m_settings.doc_maxlen;
    if (length < 4)
        throw UsageError(
            fmt::format("--max-length {} leaves no room for [CLS] [D] [SEP] and text", length));
    Encoding e = m_core.tokenizer().encode(text, true, length - 1);
    const auto at = std::min<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(e.ids.size()));
    e.ids.insert(e.ids.begin() + at, m_doc_marker);
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
    return e;
}

bool ColbertEncoder::is_query(const Encoding& encoding) const {
    return encoding.ids.size() > 1 && encoding.ids[1] == m_query_marker;
}

bool ColbertEncoder::keeps(const Encoding& encoding, std::size_t position) const {
    // ColBERT.mask: a query keeps every token ([PAD]s became [MASK]s), a document drops the
    // skiplist and [PAD].
    const std::int32_t id = encoding.ids[position];
    if (is_query(encoding))
        return true;
    if (id == m_pad_id)
        return false;
    return m_skip.empty() || id < 0 || static_cast<std::size_t>(id) >= m_skip.size() ||
           !m_skip[static_cast<std::size_t>(id)];
}

std::size_t ColbertEncoder::vectors_in(const Encoding& encoding) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < encoding.ids.size(); ++i)
        n += keeps(encoding, i) ? 1 : 0;
    return n;
}

std::vector<float> ColbertEncoder::vectors(const std::vector<Encoding>& encodings,
                                           std::size_t threads) {
    const std::size_t dim = this->dim();
    const std::size_t h = static_cast<std::size_t>(m_core.config().hidden_size);
    std::vector<std::size_t> first(encodings.size() + 1, 0);  // output row of each encoding
    std::vector<Sequence> sequences;
    sequences.reserve(encodings.size());
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        const Encoding& e = encodings[i];
        first[i + 1] = first[i] + vectors_in(e);
        Sequence s = TokenEncoderCore::sequence_of(e);
        // The attended keys are the prefix with mask 1: [MASK] padding comes last.
        std::size_t attended = 0;
        while (attended < e.ids.size() &&
               (e.attention_mask.empty() || e.attention_mask[attended] != 0))
            ++attended;
        s.attended = attended == e.ids.size() ? 0 : attended;
        if (attended == 0 && !e.ids.empty())
            throw Error("a ColBERT encoding attends to none of its tokens");
        sequences.push_back(std::move(s));
    }
    std::vector<float> out(first.back() * dim);
    std::vector<float> kept;
    m_core.run(sequences, threads,
               [&](std::span<const std::size_t> indices, const float* states,
                   const std::vector<std::size_t>& offsets, const RunContext& ctx) {
                   kept.clear();
                   for (std::size_t s = 0; s < indices.size(); ++s) {
                       const Encoding& e = encodings[indices[s]];
                       for (std::size_t t = 0; t < e.ids.size(); ++t)
                           if (keeps(e, t))
                               kept.insert(kept.end(), states + (offsets[s] + t) * h,
                                           states + (offsets[s] + t + 1) * h);
                   }
                   const std::size_t rows = kept.size() / h;
                   std::vector<float> projected(rows * dim);
                   if (rows > 0)
                       m_linear.forward(kept.data(), rows, projected.data(), ctx);
                   std::size_t row = 0;
                   for (std::size_t idx : indices) {
                       for (std::size_t r = first[idx]; r < first[idx + 1]; ++r, ++row) {
                           const float* p = projected.data() + row * dim;
                           double norm = 0;
                           for (std::size_t c = 0; c < dim; ++c)
                               norm += static_cast<double>(p[c]) * p[c];
                           const double d = std::max(std::sqrt(norm), 1e-12);
                           float* o = out.data() + r * dim;
                           for (std::size_t c = 0; c < dim; ++c)
                               o[c] = static_cast<float>(p[c] / d);
                       }
                   }
               });
    return out;
}

}  // namespace cascade::model
