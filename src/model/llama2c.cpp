#include "model/llama2c.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::model {
namespace {

// Rows of a [heads·hd, in] projection reordered per head from interleaved rotary pairs
// (2i, 2i+1) to halves (i, i + hd/2): new row e·hd/2 + i of a head is old row 2i + e.
std::vector<float> interleaved_to_halves(const float* w, std::size_t heads, std::size_t hd,
                                         std::size_t in) {
    std::vector<float> out(heads * hd * in);
    const std::size_t half = hd / 2;
    for (std::size_t h = 0; h < heads; ++h)
        for (std::size_t e = 0; e < 2; ++e)
            for (std::size_t i = 0; i < half; ++i)
                std::memcpy(out.data() + (h * hd + e * half + i) * in,
                            w + (h * hd + 2 * i + e) * in, in * sizeof(float));
    return out;
}

}  // namespace

DecoderModel load_llama2c(const std::filesystem::path& file) {
    const std::string name = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw IoError::from_errno("cannot open llama2.c checkpoint", name);
    std::array<std::int32_t, 7> header{};
    if (!in.read(reinterpret_cast<char*>(header.data()), sizeof(header)))
        throw CorruptionError(fmt::format("{}: shorter than the 28-byte llama2.c header", name));
    const auto [dim, hidden, layers, heads, kv_heads, signed_vocab, seq_len] = header;
    if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kv_heads <= 0 ||
        signed_vocab == 0 || seq_len <= 0 || dim % heads != 0 || heads % kv_heads != 0 ||
        (dim / heads) % 2 != 0)
        throw CorruptionError(
            fmt::format("{}: implausible llama2.c header (dim {}, hidden_dim {}, n_layers {}, "
                        "n_heads {}, n_kv_heads {}, vocab_size {}, seq_len {})",
                        name, dim, hidden, layers, heads, kv_heads, signed_vocab, seq_len));
    const bool shared = signed_vocab > 0;
    const std::size_t d_model = static_cast<std::size_t>(dim);
    const std::size_t d_ff = static_cast<std::size_t>(hidden);
    const std::size_t n_layers = static_cast<std::size_t>(layers);
    const std::size_t vocab = static_cast<std::size_t>(shared ? signed_vocab : -signed_vocab);
    const std::size_t hd = d_model / static_cast<std::size_t>(heads);
    const std::size_t kv = static_cast<std::size_t>(kv_heads) * hd;
    const std::size_t rope_tables = static_cast<std::size_t>(seq_len) * hd;  // real + imag
    const std::size_t floats =
        vocab * d_model +
        n_layers * (2 * d_model + 2 * d_model * d_model + 2 * kv * d_model + 3 * d_ff * d_model) +
        d_model + rope_tables + (shared ? 0 : vocab * d_model);
    const auto size = std::filesystem::file_size(file);
    if (size != sizeof(header) + floats * sizeof(float))
        throw CorruptionError(
            fmt::format("{}: {} bytes, but its header implies {} (28-byte header "
                        "+ {} float32)",
                        name, size, sizeof(header) + floats * 4, floats));
    std::vector<float> data(floats);
    if (!in.read(reinterpret_cast<char*>(data.data()),
                 static_cast<std::streamsize>(floats * sizeof(float))))
        throw IoError::from_errno("cannot read", name);

    DecoderConfig c;
    c.architecture = DecoderArchitecture::Llama;
    c.architecture_name = "llama2.c";
    c.source = name;
    c.vocab_size = static_cast<std::int64_t>(vocab);
    c.hidden_size = dim;
    c.num_layers = layers;
    c.num_heads = heads;
    c.num_kv_heads = kv_heads;
    c.head_dim = static_cast<std::int64_t>(hd);
    c.intermediate_size = hidden;
    c.max_position_embeddings = seq_len;
    c.rope_theta = 10000.0;
    c.rms_norm_eps = 1e-5f;
    c.tie_word_embeddings = shared;

    std::map<std::string, Tensor> tensors;
    std::size_t at = 0;
    auto take = [&](std::size_t n) {
        const float* p = data.data() + at;
        at += n;
        return p;
    };
    auto put = [&](const std::string& key, std::vector<std::int64_t> shape, const float* p) {
        const std::size_t n = Tensor::element_count(shape);
        tensors.emplace(key, Tensor(std::move(shape), std::vector<float>(p, p + n)));
    };
    auto put_each_layer = [&](const char* suffix, std::size_t rows, std::size_t cols,
                              std::size_t permute_heads) {
        for (std::size_t l = 0; l < n_layers; ++l) {
            const float* p = take(rows * cols);
            const std::string key = fmt::format("model.layers.{}.{}", l, suffix);
            const std::vector<std::int64_t> shape{static_cast<std::int64_t>(rows),
                                                  static_cast<std::int64_t>(cols)};
            if (permute_heads > 0)
                tensors.emplace(key,
                                Tensor(shape, interleaved_to_halves(p, permute_heads, hd, cols)));
            else
                put(key,
                    cols == 1 ? std::vector<std::int64_t>{static_cast<std::int64_t>(rows)} : shape,
                    p);
        }
    };
    const auto d_model_i = static_cast<std::int64_t>(d_model);
    put("model.embed_tokens.weight", {static_cast<std::int64_t>(vocab), d_model_i},
        take(vocab * d_model));
    put_each_layer("input_layernorm.weight", d_model, 1, 0);
    put_each_layer("self_attn.q_proj.weight", d_model, d_model, static_cast<std::size_t>(heads));
    put_each_layer("self_attn.k_proj.weight", kv, d_model, static_cast<std::size_t>(kv_heads));
    put_each_layer("self_attn.v_proj.weight", kv, d_model, 0);
    put_each_layer("self_attn.o_proj.weight", d_model, d_model, 0);
    put_each_layer("post_attention_layernorm.weight", d_model, 1, 0);
    put_each_layer("mlp.gate_proj.weight", d_ff, d_model, 0);
    put_each_layer("mlp.down_proj.weight", d_model, d_ff, 0);
    put_each_layer("mlp.up_proj.weight", d_ff, d_model, 0);
    put("model.norm.weight", {d_model_i}, take(d_model));
    take(rope_tables);
    if (!shared)
        put("lm_head.weight", {static_cast<std::int64_t>(vocab), d_model_i}, take(vocab * d_model));
    CASCADE_ASSERT(at == floats);

    DecoderTensors source;
    source.contains = [&](const std::string& key) { return tensors.contains(key); };
    source.load = [&](const std::string& key, const std::vector<std::int64_t>& shape) {
        auto it = tensors.find(key);
        CASCADE_ASSERT(it != tensors.end() && it->second.shape() == shape);
        return std::move(it->second);
    };
    return DecoderModel(std::move(c), source);
}

}  // namespace cascade::model
