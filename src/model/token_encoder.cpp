#include "model/token_encoder.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "model/kernels/gemm.hpp"
#include "util/error.hpp"

namespace cascade::model {

TokenEncoderCore::TokenEncoderCore(const std::filesystem::path& dir, ModelConfig config,
                                   const WeightStore& store, EncoderOptions options)
    : m_tokenizer(Tokenizer::from_model_dir(dir)),
      m_bert(std::make_unique<BertModel>(std::move(config), store)),
      m_options(options) {
    if (m_options.threads < 1)
        throw UsageError("--threads must be at least 1");
    if (m_options.batch_size < 1)
        throw UsageError("--batch-size must be at least 1");
    if (m_tokenizer.vocab_size() > static_cast<std::size_t>(m_bert->config().vocab_size))
        throw Error(fmt::format("{}: the tokenizer has {} tokens but the model only {} embeddings",
                                dir.string(), m_tokenizer.vocab_size(),
                                m_bert->config().vocab_size));
    m_pools.resize(static_cast<std::size_t>(m_options.threads));
    (void)pool(m_pools.size());
    kernels::set_blas_threads(m_options.threads);
    if (m_options.int8)
        m_bert->quantize_int8();
}

std::size_t TokenEncoderCore::model_max_length() const {
    return static_cast<std::size_t>(config().max_sequence_length());
}

std::size_t TokenEncoderCore::resolve_max_length(std::size_t requested,
                                                 std::size_t fallback) const {
    const std::size_t length = requested > 0 ? requested : fallback;
    if (length > model_max_length())
        throw UsageError(fmt::format("--max-length {} exceeds the model's maximum of {} tokens",
                                     length, model_max_length()));
    if (length < m_tokenizer.num_special_tokens(false) + 1)
        throw UsageError(fmt::format("--max-length {} leaves no room for text", length));
    return length;
}

kernels::ThreadPool& TokenEncoderCore::pool(std::size_t threads) {
    threads = std::clamp<std::size_t>(threads, 1, m_pools.size());
    auto& slot = m_pools[threads - 1];
    if (!slot)
        slot = std::make_unique<kernels::ThreadPool>(threads);
    return *slot;
}

Sequence TokenEncoderCore::sequence_of(const Encoding& encoding) {
    Sequence s;
    s.input_ids = encoding.ids;
    s.token_type_ids = encoding.type_ids;
    if (s.token_type_ids.size() != s.input_ids.size())
        s.token_type_ids.assign(s.input_ids.size(), 0);
    return s;
}

void TokenEncoderCore::run(const std::vector<Sequence>& sequences, std::size_t threads,
                           const Consumer& consume) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < sequences.size(); ++i)
        if (!sequences[i].input_ids.empty())
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return sequences[a].input_ids.size() > sequences[b].input_ids.size();
    });
    const RunContext ctx{&pool(threads), kernels::best_isa()};
    for (std::size_t b = 0; b < order.size(); b += m_options.batch_size) {
        const std::size_t e = std::min(order.size(), b + m_options.batch_size);
        std::vector<const Sequence*> batch;
        batch.reserve(e - b);
        for (std::size_t i = b; i < e; ++i)
            batch.push_back(&sequences[order[i]]);
        m_bert->encode_each(
            batch, ctx,
            [&](std::size_t first, const float* states, const std::vector<std::size_t>& offsets) {
                consume(std::span(order).subspan(b + first, offsets.size() - 1), states, offsets,
                        ctx);
            });
    }
}

}  // namespace cascade::model
