#include "model/token_config.hpp"

#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

json read_config(const std::filesystem::path& path) {
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

std::string get_string(const json& j, const char* key, const char* fallback) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

}  // namespace

std::string_view to_string(TokenModelKind kind) {
    switch (kind) {
        case TokenModelKind::Splade:
            return "SPLADE (BertForMaskedLM)";
        case TokenModelKind::Colbert:
            return "ColBERT (HF_ColBERT)";
        case TokenModelKind::Tilde:
            return "TILDEv2";
        case TokenModelKind::None:
            break;
    }
    return "none";
}

std::string config_architecture(const std::filesystem::path& dir) {
    const auto path = dir / "config.json";
    std::ifstream in(path);
    if (!in)
        return {};
    const json j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("architectures") ||
        !j["architectures"].is_array() || j["architectures"].empty() ||
        !j["architectures"][0].is_string())
        return {};
    return j["architectures"][0].get<std::string>();
}

TokenModelKind token_model_kind(const std::filesystem::path& dir) {
    const std::string arch = config_architecture(dir);
    if (arch == "BertForMaskedLM")
        return TokenModelKind::Splade;
    if (arch == "HF_ColBERT")
        return TokenModelKind::Colbert;
    if (arch == "TILDEv2")
        return TokenModelKind::Tilde;
    return TokenModelKind::None;
}

ModelConfig load_token_encoder_config(const std::filesystem::path& dir, TokenModelKind kind) {
    const auto path = dir / "config.json";
    if (!std::filesystem::exists(path))
        throw Error(fmt::format("{}: not a model folder (no config.json)", dir.string()));
    const json j = read_config(path);
    if (!j.is_object())
        throw InputError(path.string(), "expected a JSON object");
    ModelConfig cfg;
    cfg.architecture_name = config_architecture(dir);
    cfg.head = HeadKind::Embedding;
    const std::string type = get_string(j, "model_type", "bert");
    if (type == "bert") {
        cfg.architecture = Architecture::Bert;
    } else if (kind == TokenModelKind::Colbert && (type == "roberta" || type == "xlm-roberta")) {
        cfg.architecture = Architecture::XlmRoberta;
    } else {
        throw InputError(
            path.string(),
            fmt::format("model_type \"{}\" is not supported for {} (supported: {})", type,
                        to_string(kind),
                        kind == TokenModelKind::Colbert ? "bert, roberta, xlm-roberta" : "bert"));
    }
    const bool xlmr = cfg.architecture == Architecture::XlmRoberta;
    cfg.vocab_size = get_int(j, path, "vocab_size");
    cfg.hidden_size = get_int(j, path, "hidden_size");
    cfg.num_layers = get_int(j, path, "num_hidden_layers");
    cfg.num_heads = get_int(j, path, "num_attention_heads");
    cfg.intermediate_size = get_int(j, path, "intermediate_size");
    cfg.max_position_embeddings = get_int(j, path, "max_position_embeddings", 512);
    cfg.type_vocab_size = get_int(j, path, "type_vocab_size", 2);
    cfg.pad_token_id = get_int(j, path, "pad_token_id", xlmr ? 1 : 0);
    cfg.layer_norm_eps = j.value("layer_norm_eps", 1e-12f);
    const std::string act = get_string(j, "hidden_act", "gelu");
    if (act != "gelu")
        throw InputError(
            path.string(),
            fmt::format("hidden_act \"{}\" is not implemented (supported: gelu)", act));
    const std::string pos = get_string(j, "position_embedding_type", "absolute");
    if (pos != "absolute")
        throw InputError(path.string(), fmt::format("position_embedding_type \"{}\" is not "
                                                    "implemented (supported: absolute)",
                                                    pos));
    if (cfg.hidden_size == 0 || cfg.num_heads == 0 || cfg.hidden_size % cfg.num_heads != 0)
        throw InputError(path.string(),
                         "hidden_size must be a positive multiple of num_attention_heads");
    if (cfg.vocab_size == 0 || cfg.type_vocab_size == 0)
        throw InputError(path.string(), "vocab_size and type_vocab_size must be > 0");
    if (cfg.max_sequence_length() <= 0)
        throw InputError(path.string(), "max_position_embeddings too small for pad_token_id");
    return cfg;
}

}  // namespace cascade::model
