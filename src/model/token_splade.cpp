#include "model/token_splade.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "model/token_config.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

const std::filesystem::path& check_kind(const std::filesystem::path& dir) {
    if (token_model_kind(dir) != TokenModelKind::Splade) {
        const std::string arch = config_architecture(dir);
        throw UsageError(fmt::format(
            "{}: config.json architectures[0] is \"{}\"; a SPLADE encoder needs a "
            "BertForMaskedLM folder (BERT encoder under bert. plus the cls.predictions MLM "
            "head)",
            dir.string(), arch.empty() ? "(none)" : arch));
    }
    return dir;
}

/// The tokens of `e` with attention mask 1 (no padding).
Sequence unpadded(const Encoding& e) {
    Sequence s;
    for (std::size_t i = 0; i < e.ids.size(); ++i) {
        if (!e.attention_mask.empty() && e.attention_mask[i] == 0)
            continue;
        s.input_ids.push_back(e.ids[i]);
        s.token_type_ids.push_back(e.type_ids.size() == e.ids.size() ? e.type_ids[i] : 0);
    }
    return s;
}

}  // namespace

SpladeEncoder::SpladeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                             std::size_t max_length)
    : SpladeEncoder(check_kind(dir), options, max_length, WeightStore(dir)) {}

SpladeEncoder::SpladeEncoder(const std::filesystem::path& dir, EncoderOptions options,
                             std::size_t max_length, const WeightStore& store)
    : m_core(dir, load_token_encoder_config(dir, TokenModelKind::Splade), store, options) {
    const auto& c = m_core.config();
    const std::int64_t h = c.hidden_size;
    const std::string p = "cls.predictions.";
    if (!store.contains(p + "transform.dense.weight"))
        throw Error(
            fmt::format("{}: no MLM head: missing tensor '{}transform.dense.weight' (the "
                        "folder holds a BERT encoder without the cls.predictions head "
                        "SPLADE needs)",
                        store.source(), p));
    m_transform = Linear(store, p + "transform.dense", h, h);
    m_transform_norm = LayerNorm(store, p + "transform.LayerNorm", h, c.layer_norm_eps);
    // Tied decoders are saved without their weight: the word embeddings are the decoder.
    const std::string decoder =
        store.contains(p + "decoder.weight")
            ? p + "decoder.weight"
            : m_core.bert().weight_prefix() + "embeddings.word_embeddings.weight";
    const std::string bias = store.contains(p + "bias") ? p + "bias" : p + "decoder.bias";
    if (!store.contains(bias))
        throw Error(
            fmt::format("{}: missing tensor '{}bias' (or '{}decoder.bias'), the MLM "
                        "decoder bias",
                        store.source(), p, p));
    const Tensor weight = store.load(decoder, {c.vocab_size, h});
    const Tensor bias_all = store.load(bias, {c.vocab_size});
    m_vocab_size = static_cast<std::size_t>(c.vocab_size);
    for (std::size_t b0 = 0; b0 < m_vocab_size; b0 += kVocabBlock) {
        const std::size_t n = std::min(kVocabBlock, m_vocab_size - b0);
        const auto rows = static_cast<std::int64_t>(n);
        const float* w = weight.data() + b0 * static_cast<std::size_t>(h);
        m_decoder.push_back(Linear::from_weights(
            Tensor({rows, h}, std::vector<float>(w, w + n * static_cast<std::size_t>(h))),
            Tensor({rows}, std::vector<float>(bias_all.data() + b0, bias_all.data() + b0 + n))));
    }
    const auto& truncation = m_core.tokenizer().truncation();
    m_max_length = m_core.resolve_max_length(
        max_length, truncation ? truncation->max_length : m_core.model_max_length());
}

Encoding SpladeEncoder::encode(std::string_view text, std::size_t max_length) const {
    return m_core.tokenizer().encode(text, true, max_length > 0 ? max_length : m_max_length);
}

void SpladeEncoder::transform(const float* states, std::size_t rows, float* out,
                              const RunContext& ctx) const {
    m_transform.forward(states, rows, out, ctx, kernels::LinearOutput::Gelu);
    m_transform_norm.forward(out, rows, ctx);
}

std::vector<float> SpladeEncoder::weights(const std::vector<Encoding>& encodings,
                                          std::size_t threads) {
    const std::size_t vocab = vocab_size();
    const std::size_t h = static_cast<std::size_t>(m_core.config().hidden_size);
    std::vector<float> out(encodings.size() * vocab, 0.0f);
    std::vector<Sequence> sequences;
    sequences.reserve(encodings.size());
    for (const auto& e : encodings)
        sequences.push_back(unpadded(e));
    std::vector<float> transformed;
    std::vector<float> logits;
    m_core.run(sequences, threads,
               [&](std::span<const std::size_t> indices, const float* states,
                   const std::vector<std::size_t>& offsets, const RunContext& ctx) {
                   const std::size_t tokens = offsets.back();
                   transformed.resize(tokens * h);
                   transform(states, tokens, transformed.data(), ctx);
                   logits.resize(tokens * kVocabBlock);
                   for (std::size_t b = 0; b < m_decoder.size(); ++b) {
                       const std::size_t b0 = b * kVocabBlock;
                       const std::size_t n = m_decoder[b].out_features();
                       m_decoder[b].forward(transformed.data(), tokens, logits.data(), ctx);
                       // log(1 + ReLU(x)) is non-decreasing: max the logits, map once.
                       ctx.pool->parallel_for(indices.size(), [&](std::size_t s) {
                           std::vector<float> best(n, 0.0f);  // ReLU's floor
                           for (std::size_t r = offsets[s]; r < offsets[s + 1]; ++r) {
                               const float* l = logits.data() + r * n;
                               for (std::size_t j = 0; j < n; ++j)
                                   best[j] = std::max(best[j], l[j]);
                           }
                           float* o = out.data() + indices[s] * vocab + b0;
                           for (std::size_t j = 0; j < n; ++j)
                               o[j] = std::log1p(best[j]);
                       });
                   }
               });
    return out;
}

std::vector<float> SpladeEncoder::logits(const Encoding& encoding, std::size_t threads) {
    const std::size_t vocab = vocab_size();
    const std::size_t h = static_cast<std::size_t>(m_core.config().hidden_size);
    std::vector<float> out;
    m_core.run({unpadded(encoding)}, threads,
               [&](std::span<const std::size_t> /*indices*/, const float* states,
                   const std::vector<std::size_t>& offsets, const RunContext& ctx) {
                   const std::size_t tokens = offsets.back();
                   std::vector<float> transformed(tokens * h);
                   transform(states, tokens, transformed.data(), ctx);
                   out.resize(tokens * vocab);
                   std::vector<float> block(tokens * kVocabBlock);
                   for (std::size_t b = 0; b < m_decoder.size(); ++b) {
                       const std::size_t n = m_decoder[b].out_features();
                       m_decoder[b].forward(transformed.data(), tokens, block.data(), ctx);
                       for (std::size_t r = 0; r < tokens; ++r)
                           std::copy_n(block.data() + r * n, n,
                                       out.data() + r * vocab + b * kVocabBlock);
                   }
               });
    return out;
}

std::vector<float> SpladeEncoder::first_token_logits(const std::vector<Encoding>& encodings,
                                                     std::size_t threads) {
    const std::size_t vocab = vocab_size();
    const std::size_t h = static_cast<std::size_t>(m_core.config().hidden_size);
    std::vector<float> out(encodings.size() * vocab, 0.0f);
    std::vector<Sequence> sequences;
    sequences.reserve(encodings.size());
    for (const auto& e : encodings)
        sequences.push_back(unpadded(e));
    std::vector<float> firsts;
    std::vector<float> transformed;
    std::vector<float> block;
    m_core.run(sequences, threads,
               [&](std::span<const std::size_t> indices, const float* states,
                   const std::vector<std::size_t>& offsets, const RunContext& ctx) {
                   const std::size_t n_seq = indices.size();
                   firsts.resize(n_seq * h);
                   for (std::size_t s = 0; s < n_seq; ++s)
                       std::copy_n(states + offsets[s] * h, h, firsts.data() + s * h);
                   transformed.resize(n_seq * h);
                   transform(firsts.data(), n_seq, transformed.data(), ctx);
                   block.resize(n_seq * kVocabBlock);
                   for (std::size_t b = 0; b < m_decoder.size(); ++b) {
                       const std::size_t n = m_decoder[b].out_features();
                       m_decoder[b].forward(transformed.data(), n_seq, block.data(), ctx);
                       for (std::size_t s = 0; s < n_seq; ++s)
                           std::copy_n(block.data() + s * n, n,
                                       out.data() + indices[s] * vocab + b * kVocabBlock);
                   }
               });
    return out;
}

}  // namespace cascade::model
