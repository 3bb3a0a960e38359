#include "model/static_embedding.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include "model/safetensors.hpp"
#include "model/tokenizer/unicode.hpp"
#include "util/error.hpp"

namespace cascade::model {

namespace fs = std::filesystem;
using nlohmann::json;

struct StaticEmbedding::Files {
    StaticLayout layout = StaticLayout::Model2Vec;
    fs::path tokenizer_json;
    fs::path safetensors;
    std::vector<std::string> tensor_names;  // the first one present is read
    bool normalize = false;
};

namespace {

constexpr std::string_view kStaticModule = "sentence_transformers.models.StaticEmbedding";
constexpr std::string_view kNormalizeModule = "sentence_transformers.models.Normalize";

bool file_exists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

/// The file as JSON, or nullopt when it is absent or not JSON (detection never throws).
std::optional<json> try_read_json(const fs::path& file) {
    std::ifstream in(file);
    if (!in)
        return std::nullopt;
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded())
        return std::nullopt;
    return j;
}

json read_json(const fs::path& file) {
    std::ifstream in(file);
    if (!in)
        throw IoError::from_errno("cannot open", file.string());
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw InputError(file.string(), std::string("malformed JSON: ") + e.what());
    }
}

std::string string_field(const json& object, const char* key) {
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Model2Vec's config.json: `"model_type": "model2vec"`, or (early files, e.g. just
/// `{"normalize": true}`) neither a model_type nor architectures, unlike a transformers config.
bool is_model2vec_config(const json& config) {
    if (!config.is_object())
        return false;
    if (config.contains("model_type"))
        return string_field(config, "model_type") == "model2vec";
    return !config.contains("architectures");
}

bool first_module_is_static(const json& modules) {
    return modules.is_array() && !modules.empty() &&
           string_field(modules[0], "type") == kStaticModule;
}

StaticEmbedding::Files model2vec_files(const fs::path& dir, const json& config) {
    StaticEmbedding::Files f{StaticLayout::Model2Vec,
                             dir / "tokenizer.json",
                             dir / "model.safetensors",
                             {"embeddings"},
                             false};
    // StaticModel: `config.get("normalize", False)`.
    if (const auto it = config.find("normalize"); it != config.end() && !it->is_null()) {
        if (!it->is_boolean())
            throw InputError((dir / "config.json").string(),
                             "field \"normalize\" must be true or false, not " + it->dump());
        f.normalize = it->get<bool>();
    }
    return f;
}

StaticEmbedding::Files sentence_transformers_files(const fs::path& dir, const json& modules) {
    const std::string sub = string_field(modules[0], "path");
    const fs::path folder = sub.empty() ? dir : dir / sub;
    bool normalize = false;
    for (std::size_t i = 1; i < modules.size(); ++i) {
        const std::string type = string_field(modules[i], "type");
        if (type != kNormalizeModule)
            throw InputError((dir / "modules.json").string(),
                             fmt::format("module {} has type '{}'; only {} may follow {}", i, type,
                                         kNormalizeModule, kStaticModule));
        normalize = true;
    }
    // StaticEmbedding.load reads "embedding.weight", else Model2Vec's "embeddings".
    return {StaticLayout::SentenceTransformers,
            folder / "tokenizer.json",
            folder / "model.safetensors",
            {"embedding.weight", "embeddings"},
            normalize};
}

StaticEmbedding::Files locate(const fs::path& dir) {
    if (file_exists(dir / "config.json")) {
        const json config = read_json(dir / "config.json");
        if (is_model2vec_config(config))
            return model2vec_files(dir, config);
    }
    if (file_exists(dir / "modules.json")) {
        const json modules = read_json(dir / "modules.json");
        if (first_module_is_static(modules))
            return sentence_transformers_files(dir, modules);
    }
    throw InputError(dir.string(),
                     fmt::format("not a static embedding model: needs a Model2Vec config.json "
                                 "(\"model_type\": \"model2vec\", or no model_type) or a "
                                 "modules.json whose first module is {}",
                                 kStaticModule));
}

std::string_view layout_name(StaticLayout layout) {
    return layout == StaticLayout::Model2Vec ? "Model2Vec"
                                             : "sentence-transformers StaticEmbedding";
}

void require_file(const fs::path& file, StaticLayout layout) {
    if (!file_exists(file))
        throw InputError(file.string(),
                         fmt::format("missing: a {} model needs it", layout_name(layout)));
}

Tokenizer open_tokenizer(const StaticEmbedding::Files& files) {
    require_file(files.tokenizer_json, files.layout);
    return Tokenizer::from_file(files.tokenizer_json);
}

/// `int(np.median([len(token) for token in vocab]))`, lengths in code points.
std::size_t median_token_chars(const Tokenizer& tokenizer) {
    std::vector<std::size_t> lengths;
    const auto n = static_cast<std::int32_t>(tokenizer.vocab_size());
    for (std::int32_t id = 0; id < n; ++id) {
        const std::string token = tokenizer.id_to_token(id);
        if (!token.empty())
            lengths.push_back(tok::count_code_points(token));
    }
    if (lengths.empty())
        return 1;
    std::ranges::sort(lengths);
    const std::size_t mid = lengths.size() / 2;
    return lengths.size() % 2 == 1 ? lengths[mid] : (lengths[mid - 1] + lengths[mid]) / 2;
}

/// The id of the tokenizer model's `unk_token` (WordPiece, WordLevel, BPE when set), which
/// Model2Vec drops: "necessary for word-level models". Unigram has none; -1 when absent.
std::int32_t model_unk_id(const fs::path& tokenizer_json, const Tokenizer& tokenizer) {
    const json root = read_json(tokenizer_json);
    const std::string unk = root.contains("model") ? string_field(root["model"], "unk_token") : "";
    if (unk.empty())
        return -1;
    return tokenizer.token_to_id(unk).value_or(-1);
}

/// The first `n` code points of `text` (Python's `text[:n]`).
std::string_view first_code_points(std::string_view text, std::size_t n) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (count == n)
                return text.substr(0, i);
            ++count;
        }
    }
    return text;
}

}  // namespace

bool is_static_embedding_folder(const fs::path& dir) {
    if (const auto modules = try_read_json(dir / "modules.json");
        modules && first_module_is_static(*modules))
        return true;
    const auto config = try_read_json(dir / "config.json");
    return config && is_model2vec_config(*config) && file_exists(dir / "model.safetensors");
}

StaticEmbedding::StaticEmbedding(const fs::path& dir) : StaticEmbedding(locate(dir)) {}

StaticEmbedding::StaticEmbedding(const Files& files)
    : m_layout(files.layout), m_tokenizer(open_tokenizer(files)), m_normalize(files.normalize) {
    load_table(files);
    if (m_layout == StaticLayout::Model2Vec) {
        m_skip_id = model_unk_id(files.tokenizer_json, m_tokenizer);
        m_median_token_chars = median_token_chars(m_tokenizer);
    }
}

void StaticEmbedding::load_table(const Files& files) {
    require_file(files.safetensors, files.layout);
    const std::string where = files.safetensors.string();
    const SafetensorsFile weights(files.safetensors);
    const auto name = std::ranges::find_if(
        files.tensor_names, [&](const std::string& n) { return weights.contains(n); });
    if (name == files.tensor_names.end()) {
        const auto found = weights.names();
        throw InputError(
            where,
            fmt::format("no tensor '{}' (the {} table); it holds: {}", files.tensor_names.front(),
                        layout_name(files.layout),
                        found.empty() ? "nothing" : fmt::format("{}", fmt::join(found, ", "))));
    }
    const TensorInfo& info = weights.info(*name);
    if (info.shape.size() != 2 || info.shape[0] <= 0 || info.shape[1] <= 0)
        throw InputError(where, fmt::format("tensor '{}' has shape {}; expected 2-D [vocab, dim]",
                                            *name, Tensor::shape_string(info.shape)));
    if (info.dtype == DType::Other)
        throw InputError(where, fmt::format("tensor '{}' has dtype {}; expected F32, F16 or BF16",
                                            *name, info.dtype_name));
    m_rows = static_cast<std::size_t>(info.shape[0]);
    m_dim = static_cast<std::size_t>(info.shape[1]);
    m_table = std::move(weights.load(*name).values());
    if (m_tokenizer.vocab_size() != m_rows)
        throw InputError(files.tokenizer_json.string(),
                         fmt::format("vocabulary size {} differs from the {} rows of tensor '{}' "
                                     "in {}",
                                     m_tokenizer.vocab_size(), m_rows, *name, where));
}

std::vector<std::int32_t> StaticEmbedding::token_ids(std::string_view text,
                                                     std::size_t max_length) const {
    CASCADE_ASSERT(max_length > 0);
    if (m_layout == StaticLayout::Model2Vec) {
        // StaticModel.tokenize: a character cut first (a speed measure), then ids.
        const std::size_t chars =
            max_length > std::numeric_limits<std::size_t>::max() / m_median_token_chars
                ? std::numeric_limits<std::size_t>::max()
                : max_length * m_median_token_chars;
        text = first_code_points(text, chars);
    }
    std::vector<std::int32_t> ids = m_tokenizer.encode(text, false).ids;
    if (m_skip_id >= 0)
        std::erase(ids, m_skip_id);
    if (ids.size() > max_length)
        ids.resize(max_length);
    return ids;
}

void StaticEmbedding::pool(std::span<const std::int32_t> ids, std::span<float> out) const {
    CASCADE_ASSERT(out.size() == m_dim);
    std::vector<double> sum(m_dim, 0.0);
    for (const std::int32_t id : ids) {
        CASCADE_ASSERT(id >= 0 && static_cast<std::size_t>(id) < m_rows);
        const float* row = m_table.data() + static_cast<std::size_t>(id) * m_dim;
        for (std::size_t d = 0; d < m_dim; ++d)
            sum[d] += row[d];
    }
    const double count = static_cast<double>(std::max<std::size_t>(1, ids.size()));
    double squares = 0.0;
    for (double& v : sum) {
        v /= count;
        squares += v * v;
    }
    const double scale = m_normalize && squares > 0.0 ? 1.0 / std::sqrt(squares) : 1.0;
    for (std::size_t d = 0; d < m_dim; ++d)
        out[d] = static_cast<float>(sum[d] * scale);
}

std::vector<float> StaticEmbedding::embed(std::string_view text, std::size_t max_length) const {
    std::vector<float> out(m_dim);
    pool(token_ids(text, max_length), out);
    return out;
}

}  // namespace cascade::model
