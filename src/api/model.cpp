/// cascade::ModelPool, CrossEncoder and BiEncoder: handles onto the runtime's pool and
/// schedulers.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "runtime/decoder_reranker.hpp"
#include "util/error.hpp"

namespace cascade {

namespace api {

runtime::PoolOptions pool_options(const ModelPoolOptions& options) {
    runtime::PoolOptions pool;
    pool.scheduling.threads = options.threads;
    pool.scheduling.max_batch_tokens = options.max_batch_tokens;
    pool.scheduling.max_wait = options.max_wait;
    pool.scheduling.max_queue = options.max_queue;
    pool.replicas = options.replicas;
    return pool;
}

}  // namespace api

ModelPoolOptions ModelPoolOptions::for_command(std::size_t threads) {
    ModelPoolOptions options;
    options.threads = std::max<std::size_t>(1, threads);
    options.max_wait = std::chrono::microseconds(0);
    options.max_queue = std::size_t{1} << 30;
    return options;
}

ModelPool::ModelPool(const ModelPoolOptions& options)
    : m_impl(std::make_shared<Impl>(
          Impl{std::make_shared<runtime::ModelPool>(api::pool_options(options))})) {}

CrossEncoder ModelPool::cross_encoder(const ModelOptions& options, std::string_view name) const {
    auto model = m_impl->pool->get(options, runtime::Task::ScorePairs, name);
    return CrossEncoder(std::make_shared<const CrossEncoder::Impl>(
        CrossEncoder::Impl{m_impl->pool, std::move(model)}));
}

BiEncoder ModelPool::bi_encoder(const ModelOptions& options, std::string_view name) const {
    auto model = m_impl->pool->get(options, runtime::Task::EmbedTexts, name);
    return BiEncoder(
        std::make_shared<const BiEncoder::Impl>(BiEncoder::Impl{m_impl->pool, std::move(model)}));
}

std::size_t ModelPool::loads() const {
    return m_impl->pool->loads();
}

void ModelPool::drain() const {
    m_impl->pool->drain();
}

std::vector<float> CrossEncoder::score_pairs(std::span<const std::string> queries,
                                             std::span<const std::string> documents) const {
    if (queries.size() != documents.size()) {
        throw UsageError("score_pairs: as many queries as documents are needed");
    }
    runtime::LoadedModel& model = *m_impl->model;
    std::vector<model::Encoding> pairs;
    pairs.reserve(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        pairs.push_back(std::move(model.model().encode_pairs(queries[i], documents.subspan(i, 1),
                                                             model.max_length())[0]));
    }
    // One request: the model sorts all pairs by length into its forward passes.
    return model.scheduler()
        .submit(std::move(pairs), runtime::Scheduler::Clock::time_point::max())
        .get();
}

std::vector<float> CrossEncoder::score(const std::string& query,
                                       std::span<const std::string> documents) const {
    return m_impl->model->score_pairs(query, documents).get();
}

std::vector<std::string> CrossEncoder::evidence(std::span<const std::string> queries,
                                                std::span<const std::string> documents,
                                                std::span<const float> scores) const {
    const runtime::LoadedModel& model = *m_impl->model;
    const auto* reranker = dynamic_cast<const runtime::DecoderReranker*>(&model.model());
    if (reranker == nullptr || model.options().evidence_tokens == 0)
        throw UsageError(
            fmt::format("{}: evidence needs an LLM yes/no re-ranker (a decoder folder) "
                        "loaded with evidence_tokens > 0",
                        model.options().dir.string()));
    if (queries.size() != documents.size() || queries.size() != scores.size())
        throw UsageError("evidence: as many queries, documents and scores are needed");
    const auto lm = m_impl->pool->language_model(model.options());
    return runtime::pointwise_evidence(*lm, *reranker, queries, documents, scores,
                                       model.options().evidence_tokens);
}

std::size_t CrossEncoder::max_length() const {
    return m_impl->model->max_length();
}

std::vector<float> BiEncoder::embed(std::span<const std::string> texts) const {
    return m_impl->model->embed_texts(texts).get();
}

std::size_t BiEncoder::dimension() const {
    return m_impl->model->model().output_width();
}

std::size_t BiEncoder::max_length() const {
    return m_impl->model->max_length();
}

}  // namespace cascade
