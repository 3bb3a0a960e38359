#include "model/config.hpp"

#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in)
        throw IoError::from_errno("cannot open", path.string());
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw InputError(path.string(), std::string("not valid JSON: ") + e.what());
    }
}

std::int64_t get_int(const json& j, const std::filesystem::path& path, const char* key,
                     std::optional<std::int64_t> fallback = std::nullopt) {
    if (!j.contains(key) || j[key].is_null()) {
        if (fallback)
            return *fallback;
        throw InputError(path.string(), fmt::format("missing field \"{}\"", key));
    }
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 0)
        throw InputError(path.string(),
                         fmt::format("field \"{}\" must be a non-negative integer", key));
    return j[key].get<std::int64_t>();
}

struct ArchEntry {
    const char* name;
    Architecture arch;
    HeadKind head;
};

constexpr ArchEntry kArchitectures[] = {
    {"BertModel", Architecture::Bert, HeadKind::Embedding},
    {"BertForSequenceClassification", Architecture::Bert, HeadKind::SequenceClassification},
    {"XLMRobertaModel", Architecture::XlmRoberta, HeadKind::Embedding},
    {"XLMRobertaForSequenceClassification", Architecture::XlmRoberta,
     HeadKind::SequenceClassification},
    {"RobertaModel", Architecture::XlmRoberta, HeadKind::Embedding},
    {"RobertaForSequenceClassification", Architecture::XlmRoberta,
     HeadKind::SequenceClassification},
};

void read_sentence_transformers(const std::filesystem::path& dir, ModelConfig& cfg) {
    const auto modules_path = dir / "modules.json";
    if (!std::filesystem::exists(modules_path))
        return;
    const json modules = read_json(modules_path);
    if (!modules.is_array())
        throw InputError(modules_path.string(), "expected a JSON array of modules");
    for (const auto& m : modules) {
        const std::string type = m.value("type", "");
        const std::string sub = m.value("path", "");
        if (type == "sentence_transformers.models.Normalize") {
            cfg.normalize = true;
        } else if (type == "sentence_transformers.models.Pooling") {
            const auto pool_path = dir / sub / "config.json";
            const json p = read_json(pool_path);
            const bool cls = p.value("pooling_mode_cls_token", false);
            const bool mean = p.value("pooling_mode_mean_tokens", false);
            for (const char* other :
                 {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                  "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"})
                if (p.value(other, false))
                    throw InputError(pool_path.string(),
                                     fmt::format("pooling mode \"{}\" is not implemented "
                                                 "(supported: cls_token, mean_tokens)",
                                                 other));
            if (cls == mean)
                throw InputError(pool_path.string(),
                                 "exactly one of pooling_mode_cls_token and "
                                 "pooling_mode_mean_tokens must be true");
            cfg.pooling = cls ? PoolingMode::Cls : PoolingMode::Mean;
        } else if (type != "sentence_transformers.models.Transformer") {
            throw InputError(modules_path.string(),
                             fmt::format("module type \"{}\" is not supported", type));
        }
    }
}

}  // namespace

std::int64_t ModelConfig::max_sequence_length() const {
    if (architecture == Architecture::XlmRoberta)
        return max_position_embeddings - pad_token_id - 1;
    return max_position_embeddings;
}

std::string supported_architectures() {
    std::string s;
    for (const auto& a : kArchitectures) {
        if (!s.empty())
            s += ", ";
        s += a.name;
    }
    return s;
}

ModelConfig load_model_config(const std::filesystem::path& dir) {
    const auto path = dir / "config.json";
    if (!std::filesystem::exists(path))
        throw Error(fmt::format("{}: not a model folder (no config.json)", dir.string()));
    const json j = read_json(path);
    if (!j.is_object())
        throw InputError(path.string(), "expected a JSON object");
    ModelConfig cfg;
    std::string name;
    if (j.contains("architectures") && j["architectures"].is_array() &&
        !j["architectures"].empty() && j["architectures"][0].is_string())
        name = j["architectures"][0].get<std::string>();
    const ArchEntry* found = nullptr;
    for (const auto& a : kArchitectures)
        if (name == a.name)
            found = &a;
    if (!found)
        throw InputError(path.string(),
                         fmt::format("unsupported architecture \"{}\" (supported: {})", name,
                                     supported_architectures()));
    cfg.architecture = found->arch;
    cfg.architecture_name = name;
    cfg.head = found->head;
    cfg.vocab_size = get_int(j, path, "vocab_size");
    cfg.hidden_size = get_int(j, path, "hidden_size");
    cfg.num_layers = get_int(j, path, "num_hidden_layers");
    cfg.num_heads = get_int(j, path, "num_attention_heads");
    cfg.intermediate_size = get_int(j, path, "intermediate_size");
    cfg.max_position_embeddings = get_int(j, path, "max_position_embeddings", 512);
    cfg.type_vocab_size = get_int(j, path, "type_vocab_size", 2);
    cfg.pad_token_id =
        get_int(j, path, "pad_token_id", found->arch == Architecture::XlmRoberta ? 1 : 0);
    cfg.layer_norm_eps = j.value("layer_norm_eps", 1e-12f);
    const std::string act = j.value("hidden_act", "gelu");
    if (act != "gelu")
        throw InputError(path.string(), fmt::format("hidden_act \"{}\" is not implemented "
                                                    "(supported: gelu)",
                                                    act));
    const std::string pos = j.value("position_embedding_type", "absolute");
    if (pos != "absolute")
        throw InputError(path.string(), fmt::format("position_embedding_type \"{}\" is not "
                                                    "implemented (supported: absolute)",
                                                    pos));
    if (j.contains("num_labels")) {
        cfg.num_labels = get_int(j, path, "num_labels");
    } else if (j.contains("id2label") && j["id2label"].is_object()) {
        cfg.num_labels = static_cast<std::int64_t>(j["id2label"].size());
    } else {
        cfg.num_labels = cfg.head == HeadKind::SequenceClassification ? 2 : 1;
    }
    if (cfg.hidden_size == 0 || cfg.num_heads == 0 || cfg.hidden_size % cfg.num_heads != 0)
        throw InputError(path.string(),
                         "hidden_size must be a positive multiple of "
                         "num_attention_heads");
    if (cfg.num_labels == 0 || cfg.vocab_size == 0 || cfg.type_vocab_size == 0)
        throw InputError(path.string(), "num_labels, vocab_size and type_vocab_size must be > 0");
    if (cfg.max_sequence_length() <= 0)
        throw InputError(path.string(), "max_position_embeddings too small for pad_token_id");
    read_sentence_transformers(dir, cfg);
    return cfg;
}

}  // namespace cascade::model
