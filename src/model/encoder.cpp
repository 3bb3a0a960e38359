#include "model/encoder.hpp"

#include <algorithm>
#include <numeric>

#include "model/kernels/gemm.hpp"
#include "util/error.hpp"

namespace cascade::model {

Encoder::Encoder(const std::filesystem::path& model_dir, EncoderOptions options)
    : m_model(std::make_unique<BertModel>(model_dir)), m_options(options) {
    if (m_options.threads < 1)
        throw UsageError("--threads must be at least 1");
    if (m_options.batch_size < 1)
        throw UsageError("--batch-size must be at least 1");
    m_pools.resize(static_cast<std::size_t>(m_options.threads));
    (void)pool(m_pools.size());
    kernels::set_blas_threads(m_options.threads);
    if (m_options.int8 && m_options.bf16)
        throw UsageError("int8 and bf16 exclude each other: choose one precision");
    if (m_options.int8)
        m_model->quantize_int8();
    if (m_options.bf16)
        m_model->convert_bf16();
}

kernels::ThreadPool& Encoder::pool(std::size_t threads) {
    threads = std::clamp<std::size_t>(threads, 1, m_pools.size());
    auto& slot = m_pools[threads - 1];
    if (!slot)
        slot = std::make_unique<kernels::ThreadPool>(threads);
    return *slot;
}

std::vector<std::vector<float>> Encoder::run(const std::vector<Sequence>& sequences) {
    return run(sequences, m_pools.size());
}

std::vector<std::vector<float>> Encoder::run(const std::vector<Sequence>& sequences,
                                             std::size_t threads) {
    std::vector<std::size_t> order(sequences.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return sequences[a].input_ids.size() > sequences[b].input_ids.size();
    });
    RunContext ctx{&pool(threads), kernels::best_isa()};
    std::vector<std::vector<float>> out(sequences.size());
    for (std::size_t b = 0; b < order.size(); b += m_options.batch_size) {
        const std::size_t e = std::min(order.size(), b + m_options.batch_size);
        std::vector<const Sequence*> batch;
        for (std::size_t i = b; i < e; ++i)
            batch.push_back(&sequences[order[i]]);
        auto results = m_model->forward(batch, ctx);
        for (std::size_t i = b; i < e; ++i)
            out[order[i]] = std::move(results[i - b]);
    }
    return out;
}

}  // namespace cascade::model
