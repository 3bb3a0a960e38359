/// cascade::ModelPool, CrossEncoder, BiEncoder and the token-level encoders (SparseEncoder,
/// TokenEncoder, TildeEncoder): handles onto the runtime's pool and schedulers.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/icr.hpp"
#include "runtime/listwise.hpp"
#include "runtime/token_family.hpp"
#include "util/error.hpp"

namespace cascade {

// The token-level handles hold the same as BiEncoder's: the pool (kept alive) and the model.
struct SparseEncoder::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
    std::shared_ptr<runtime::LoadedModel> model;
};

struct TokenEncoder::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
    std::shared_ptr<runtime::LoadedModel> model;
};

struct TildeEncoder::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
    std::shared_ptr<runtime::LoadedModel> model;
};

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

SparseEncoder ModelPool::sparse_encoder(const ModelOptions& options, std::string_view name) const {
    auto model = m_impl->pool->get(options, runtime::Task::SparseTexts, name);
    return SparseEncoder(std::make_shared<const SparseEncoder::Impl>(
        SparseEncoder::Impl{m_impl->pool, std::move(model)}));
}

TokenEncoder ModelPool::token_encoder(const ModelOptions& options, std::string_view name) const {
    auto model = m_impl->pool->get(options, runtime::Task::TokenVectors, name);
    return TokenEncoder(std::make_shared<const TokenEncoder::Impl>(
        TokenEncoder::Impl{m_impl->pool, std::move(model)}));
}

TildeEncoder ModelPool::tilde_encoder(const ModelOptions& options, std::string_view name) const {
    auto model = m_impl->pool->get(options, runtime::Task::TokenWeights, name);
    return TildeEncoder(std::make_shared<const TildeEncoder::Impl>(
        TildeEncoder::Impl{m_impl->pool, std::move(model)}));
}

ListMethod parse_list_method(std::string_view text) {
    if (text == "listwise")
        return ListMethod::Listwise;
    if (text == "first")
        return ListMethod::First;
    if (text == "icr")
        return ListMethod::Icr;
    throw UsageError(fmt::format("method: expected listwise, first or icr, got '{}'", text));
}

ListReranker ModelPool::list_reranker(const ModelOptions& options,
                                      const ListRerankOptions& list) const {
    if (!runtime::is_decoder_reranker_folder(options.dir))
        throw UsageError(
            fmt::format("{} is not a decoder model (config.json architectures: "
                        "...ForCausalLM); list-level re-ranking needs one",
                        options.dir.string()));
    if (list.method != ListMethod::Icr &&
        (list.window == 0 || list.stride == 0 || list.stride > list.window))
        throw UsageError(fmt::format("window {} and stride {}: need 1 <= stride <= window",
                                     list.window, list.stride));
    if (list.method == ListMethod::First && list.window > 26)
        throw UsageError(
            fmt::format("method first labels passages A-Z: window {} is over 26", list.window));
    auto lm = m_impl->pool->language_model(options);
    return ListReranker(std::make_shared<const ListReranker::Impl>(
        ListReranker::Impl{m_impl->pool, std::move(lm), list}));
}

std::vector<float> ListReranker::score(const std::string& query,
                                       std::span<const std::string> documents) const {
    const auto& o = m_impl->options;
    std::vector<float> out(documents.size(), 0.0F);
    if (documents.empty())
        return out;
    const std::vector<std::string> docs(documents.begin(), documents.end());
    if (o.method == ListMethod::Icr) {
        const auto scores = runtime::icr_scores(
            *m_impl->lm, runtime::build_icr_prompt(*m_impl->lm, query, docs, o.passage_tokens));
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = static_cast<float>(scores[i]);
        return out;
    }
    runtime::ListwiseSettings s;
    s.mode = o.method == ListMethod::First ? runtime::ListwiseMode::First
                                           : runtime::ListwiseMode::Generate;
    s.ids = o.method == ListMethod::First ? runtime::Identifiers::Letters
                                          : runtime::Identifiers::Numbers;
    s.window = o.window;
    s.stride = o.stride;
    s.passage_tokens = o.passage_tokens;
    const std::vector<std::string> queries{query};
    const std::vector<std::vector<std::string>> passages{docs};
    const std::vector<std::string> labels{"'" + query + "'"};
    const auto order = runtime::rank_listwise(*m_impl->lm, s, queries, passages, labels).front();
    for (std::size_t rank = 0; rank < order.size(); ++rank)
        out[order[rank]] = static_cast<float>(order.size() - rank);
    return out;
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

namespace {

template <typename Family>
const Family& family(const runtime::LoadedModel& model) {
    return dynamic_cast<const Family&>(model.model());
}

}  // namespace

std::vector<std::vector<WeightedTerm>> SparseEncoder::encode(std::span<const std::string> texts,
                                                             std::size_t top_k) const {
    runtime::LoadedModel& model = *m_impl->model;
    const auto& splade = family<runtime::SpladeModel>(model);
    const auto vectors = runtime::run_split(model, splade.encode_texts(texts, model.max_length()));
    std::vector<std::vector<WeightedTerm>> out;
    out.reserve(vectors.size());
    for (const auto& v : vectors) {
        std::vector<WeightedTerm> terms;
        for (std::size_t id = 0; id < v.size(); ++id) {
            if (v[id] <= 0.0f)
                continue;
            std::string term = splade.term(static_cast<std::int32_t>(id));
            if (!term.empty())
                terms.push_back({std::move(term), v[id]});
        }
        std::sort(terms.begin(), terms.end(), [](const WeightedTerm& a, const WeightedTerm& b) {
            return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
        });
        if (top_k > 0 && terms.size() > top_k)
            terms.resize(top_k);
        out.push_back(std::move(terms));
    }
    return out;
}

std::size_t SparseEncoder::vocab_size() const {
    return m_impl->model->model().output_width();
}

std::size_t SparseEncoder::max_length() const {
    return m_impl->model->max_length();
}

std::vector<std::vector<float>> TokenEncoder::encode_queries(
    std::span<const std::string> texts) const {
    runtime::LoadedModel& model = *m_impl->model;
    return runtime::run_split(model, family<runtime::ColbertModel>(model).encode_queries(texts));
}

std::vector<std::vector<float>> TokenEncoder::encode_documents(
    std::span<const std::string> texts) const {
    runtime::LoadedModel& model = *m_impl->model;
    return runtime::run_split(model, model.model().encode_texts(texts, model.max_length()));
}

std::size_t TokenEncoder::dim() const {
    return m_impl->model->model().output_width();
}

std::size_t TokenEncoder::query_length() const {
    return family<runtime::ColbertModel>(*m_impl->model).settings().query_maxlen;
}

std::size_t TokenEncoder::max_length() const {
    return m_impl->model->max_length();
}

namespace {

/// The stored TILDE weights of `encodings` run through `model`'s scheduler.
std::vector<std::vector<WeightedToken>> tilde_weights(runtime::LoadedModel& loaded,
                                                      std::vector<model::Encoding> encodings) {
    const auto& tilde = family<runtime::TildeModel>(loaded);
    std::vector<std::vector<std::int32_t>> ids;
    ids.reserve(encodings.size());
    for (const auto& e : encodings)
        ids.push_back(e.ids);
    const auto weights = runtime::run_split(loaded, std::move(encodings));
    std::vector<std::vector<WeightedToken>> out;
    out.reserve(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
        std::vector<WeightedToken> doc;
        for (const auto& [id, w] : tilde.distinct_weights(ids[i], weights[i]))
            doc.push_back({id, w});
        out.push_back(std::move(doc));
    }
    return out;
}

}  // namespace

std::vector<std::vector<WeightedToken>> TildeEncoder::document_weights(
    std::span<const std::string> texts) const {
    runtime::LoadedModel& model = *m_impl->model;
    return tilde_weights(
        model, family<runtime::TildeModel>(model).encode_texts(texts, model.max_length()));
}

std::vector<std::vector<WeightedToken>> TildeEncoder::document_weights_of_ids(
    std::span<const std::vector<std::int32_t>> contents) const {
    runtime::LoadedModel& model = *m_impl->model;
    return tilde_weights(
        model, family<runtime::TildeModel>(model).encode_ids(contents, model.max_length()));
}

std::vector<std::int32_t> TildeEncoder::query_tokens(const std::string& text) const {
    return family<runtime::TildeModel>(*m_impl->model).query_tokens(text);
}

std::string TildeEncoder::term(std::int32_t id) const {
    return family<runtime::TildeModel>(*m_impl->model).term(id);
}

std::size_t TildeEncoder::max_length() const {
    return m_impl->model->max_length();
}

}  // namespace cascade
