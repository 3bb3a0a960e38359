#include "model/decoder_config.hpp"

#include <algorithm>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

struct DecoderEntry {
    const char* name;
    DecoderArchitecture arch;
};

constexpr DecoderEntry kDecoders[] = {
    {"LlamaForCausalLM", DecoderArchitecture::Llama},
    {"Qwen2ForCausalLM", DecoderArchitecture::Qwen2},
    {"Qwen3ForCausalLM", DecoderArchitecture::Qwen3},
};

json read_config_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in)
        throw IoError::from_errno("cannot open", path.string());
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw InputError(path.string(), std::string("not valid JSON: ") + e.what());
    }
}

std::string first_architecture(const json& j) {
    if (j.is_object() && j.contains("architectures") && j["architectures"].is_array() &&
        !j["architectures"].empty() && j["architectures"][0].is_string())
        return j["architectures"][0].get<std::string>();
    return {};
}

// Reads config fields with the file name in every message.
class Fields {
public:
    Fields(const json& j, std::string file) : m_j(j), m_file(std::move(file)) {}

    [[nodiscard]] bool has(const char* key) const {
        return m_j.contains(key) && !m_j[key].is_null();
    }

    [[nodiscard]] std::int64_t positive(const char* key,
                                        std::optional<std::int64_t> fallback = {}) const {
        if (!has(key)) {
            if (fallback)
                return *fallback;
            throw InputError(m_file, fmt::format("missing field \"{}\"", key));
        }
        if (!m_j[key].is_number_integer() || m_j[key].get<std::int64_t>() <= 0)
            throw InputError(m_file, fmt::format("field \"{}\" must be a positive integer", key));
        return m_j[key].get<std::int64_t>();
    }

    [[nodiscard]] double number(const json& obj, const char* key, double fallback,
                                const char* where = "") const {
        if (!obj.contains(key) || obj[key].is_null())
            return fallback;
        if (!obj[key].is_number())
            throw InputError(m_file, fmt::format("field \"{}{}\" must be a number", where, key));
        return obj[key].get<double>();
    }

    [[nodiscard]] bool flag(const char* key, bool fallback) const {
        if (!has(key))
            return fallback;
        if (!m_j[key].is_boolean())
            throw InputError(m_file, fmt::format("field \"{}\" must be true or false", key));
        return m_j[key].get<bool>();
    }

    [[nodiscard]] const json& raw() const { return m_j; }
    [[nodiscard]] const std::string& file() const { return m_file; }

private:
    const json& m_j;
    std::string m_file;
};

// "rope_scaling" (transformers 4.x) or "rope_parameters" (5.x, which also carries rope_theta).
void read_rope(const Fields& f, DecoderConfig& cfg) {
    cfg.rope_theta = f.number(f.raw(), "rope_theta", 10000.0);
    const char* key = f.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
    if (!f.has(key))
        return;
    const json& r = f.raw()[key];
    const std::string where = std::string(key) + ".";
    if (!r.is_object())
        throw InputError(f.file(), fmt::format("field \"{}\" must be an object or null", key));
    cfg.rope_theta = f.number(r, "rope_theta", cfg.rope_theta, where.c_str());
    std::string type = "default";
    for (const char* k : {"rope_type", "type"})
        if (r.contains(k) && r[k].is_string()) {
            type = r[k].get<std::string>();
            break;
        }
    if (type == "default")
        return;
    if (type != "llama3")
        throw InputError(f.file(), fmt::format("{}rope_type \"{}\" is not implemented "
                                               "(supported: default, llama3)",
                                               where, type));
    auto& s = cfg.rope_scaling;
    s.kind = RopeScaling::Kind::Llama3;
    s.factor = f.number(r, "factor", 8.0, where.c_str());
    s.low_freq_factor = f.number(r, "low_freq_factor", 1.0, where.c_str());
    s.high_freq_factor = f.number(r, "high_freq_factor", 4.0, where.c_str());
    s.original_max_position_embeddings = static_cast<std::int64_t>(
        f.number(r, "original_max_position_embeddings", 8192.0, where.c_str()));
    if (s.factor <= 0 || s.low_freq_factor <= 0 || s.high_freq_factor <= s.low_freq_factor ||
        s.original_max_position_embeddings <= 0)
        throw InputError(f.file(), fmt::format("{}: llama3 needs factor > 0, 0 < low_freq_factor "
                                               "< high_freq_factor and "
                                               "original_max_position_embeddings > 0",
                                               key));
}

std::vector<std::int32_t> read_eos(const json& j) {
    std::vector<std::int32_t> out;
    if (!j.contains("eos_token_id"))
        return out;
    const json& e = j["eos_token_id"];
    if (e.is_number_integer())
        out.push_back(e.get<std::int32_t>());
    else if (e.is_array())
        for (const auto& v : e)
            if (v.is_number_integer())
                out.push_back(v.get<std::int32_t>());
    return out;
}

}  // namespace

std::string supported_decoder_architectures() {
    std::string s;
    for (const auto& d : kDecoders) {
        if (!s.empty())
            s += ", ";
        s += d.name;
    }
    return s;
}

bool is_decoder_folder(const std::filesystem::path& dir) {
    std::ifstream in(dir / "config.json");
    if (!in)
        return false;
    const json j = json::parse(in, nullptr, false);
    if (j.is_discarded())
        return false;
    const std::string name = first_architecture(j);
    return std::ranges::any_of(kDecoders, [&](const auto& d) { return name == d.name; });
}

void validate_decoder_config(const DecoderConfig& c) {
    auto fail = [&](const std::string& what) { throw InputError(c.source, what); };
    if (c.vocab_size <= 0 || c.hidden_size <= 0 || c.num_layers <= 0 || c.num_heads <= 0 ||
        c.num_kv_heads <= 0 || c.head_dim <= 0 || c.intermediate_size <= 0 ||
        c.max_position_embeddings <= 0)
        fail(
            "vocab_size, hidden_size, num_hidden_layers, num_attention_heads, "
            "num_key_value_heads, head_dim, intermediate_size and max_position_embeddings "
            "must be positive");
    if (c.num_heads % c.num_kv_heads != 0)
        fail(fmt::format("num_attention_heads ({}) must be a multiple of num_key_value_heads ({})",
                         c.num_heads, c.num_kv_heads));
    if (c.head_dim % 2 != 0)
        fail(fmt::format("head_dim ({}) must be even for rotary positions", c.head_dim));
    if (!(c.rms_norm_eps > 0))
        fail("rms_norm_eps must be positive");
    if (!(c.rope_theta > 0))
        fail("rope_theta must be positive");
}

DecoderConfig load_decoder_config(const std::filesystem::path& dir) {
    const auto path = dir / "config.json";
    if (!std::filesystem::exists(path))
        throw Error(fmt::format("{}: not a model folder (no config.json)", dir.string()));
    const json j = read_config_json(path);
    if (!j.is_object())
        throw InputError(path.string(), "expected a JSON object");
    const std::string name = first_architecture(j);
    const DecoderEntry* found = nullptr;
    for (const auto& d : kDecoders)
        if (name == d.name)
            found = &d;
    if (!found)
        throw InputError(path.string(),
                         fmt::format("unsupported architecture \"{}\" in \"architectures\" "
                                     "(supported decoders: {})",
                                     name, supported_decoder_architectures()));
    const Fields f(j, path.string());
    DecoderConfig c;
    c.architecture = found->arch;
    c.architecture_name = name;
    c.source = path.string();
    c.vocab_size = f.positive("vocab_size");
    c.hidden_size = f.positive("hidden_size");
    c.num_layers = f.positive("num_hidden_layers");
    c.num_heads = f.positive("num_attention_heads");
    c.num_kv_heads = f.positive("num_key_value_heads", c.num_heads);
    c.intermediate_size = f.positive("intermediate_size");
    c.max_position_embeddings = f.positive("max_position_embeddings", 2048);
    if (f.has("head_dim")) {
        c.head_dim = f.positive("head_dim");
    } else {
        if (c.hidden_size % c.num_heads != 0)
            throw InputError(c.source,
                             "hidden_size must be a multiple of num_attention_heads "
                             "when head_dim is not given");
        c.head_dim = c.hidden_size / c.num_heads;
    }
    c.rms_norm_eps = static_cast<float>(f.number(j, "rms_norm_eps", 1e-6));
    c.tie_word_embeddings = f.flag("tie_word_embeddings", false);
    read_rope(f, c);
    const bool attention_bias = f.flag("attention_bias", false);
    c.qkv_bias = attention_bias || c.architecture == DecoderArchitecture::Qwen2;
    c.o_bias = attention_bias && c.architecture != DecoderArchitecture::Qwen2;
    c.qk_norm = c.architecture == DecoderArchitecture::Qwen3;
    c.eos_token_ids = read_eos(j);
    const std::string act = j.value("hidden_act", "silu");
    if (act != "silu")
        throw InputError(c.source, fmt::format("hidden_act \"{}\" is not implemented "
                                               "(supported: silu)",
                                               act));
    if (f.flag("mlp_bias", false))
        throw InputError(c.source, "mlp_bias true is not implemented");
    if (f.flag("use_sliding_window", false))
        throw InputError(c.source,
                         "use_sliding_window true is not implemented (sliding-window "
                         "attention); full causal attention only");
    validate_decoder_config(c);
    return c;
}

}  // namespace cascade::model
