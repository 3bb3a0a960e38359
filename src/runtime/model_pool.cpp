#include "runtime/model_pool.hpp"

#include <fmt/format.h>

#include "runtime/bert_family.hpp"
#include "runtime/decoder_reranker.hpp"
#include "runtime/static_family.hpp"
#include "runtime/token_family.hpp"
#include "util/error.hpp"

namespace cascade::runtime {

LoadedModel::LoadedModel(ModelOptions options, Task task, std::unique_ptr<Scheduler> scheduler)
    : m_options(std::move(options)), m_task(task), m_scheduler(std::move(scheduler)) {}

std::future<std::vector<float>> LoadedModel::score_pairs(const std::string& query,
                                                         std::span<const std::string> documents,
                                                         Clock::time_point deadline,
                                                         std::string_view instruction) {
    return m_scheduler->submit(model().encode_pairs(query, documents, max_length(), instruction),
                               deadline);
}

std::future<std::vector<float>> LoadedModel::embed_texts(std::span<const std::string> texts,
                                                         Clock::time_point deadline) {
    return m_scheduler->submit(model().encode_texts(texts, max_length()), deadline);
}

std::vector<std::future<std::vector<float>>> LoadedModel::score_pairs_many(
    std::span<const std::string> queries, std::span<const std::vector<std::string>> documents,
    Clock::time_point deadline, std::string_view instruction) {
    CASCADE_ASSERT(queries.size() == documents.size());
    std::vector<std::vector<model::Encoding>> requests;
    requests.reserve(queries.size());
    for (std::size_t q = 0; q < queries.size(); ++q)
        requests.push_back(
            model().encode_pairs(queries[q], documents[q], max_length(), instruction));
    return m_scheduler->submit_all(std::move(requests), deadline);
}

std::vector<std::future<std::vector<float>>> LoadedModel::embed_texts_many(
    std::span<const std::vector<std::string>> groups, Clock::time_point deadline) {
    std::vector<std::vector<model::Encoding>> requests;
    requests.reserve(groups.size());
    for (const auto& texts : groups)
        requests.push_back(model().encode_texts(texts, max_length()));
    return m_scheduler->submit_all(std::move(requests), deadline);
}

std::unique_ptr<Model> load_model(const ModelOptions& options, Task task, std::size_t threads) {
    (void)resolve_device(options.device);  // only the CPU backend exists in this build
    // First: a token-level task on any folder (a clear error for the wrong kind), and a
    // token-level folder asked for any task.
    if (is_token_task(task) || is_token_folder(options.dir))
        return load_token_model(options, task, threads);
    if (is_decoder_reranker_folder(options.dir))
        return load_decoder_reranker(options, task, threads);
    if (is_static_folder(options.dir))
        return load_static_model(options, task, threads);
    return load_bert_model(options, task, threads);
}

ModelPool::ModelPool(PoolOptions options, ModelLoader loader)
    : m_options(options), m_loader(std::move(loader)) {
    m_options.replicas = std::max<std::size_t>(1, m_options.replicas);
    m_options.scheduling.threads = std::max<std::size_t>(1, m_options.scheduling.threads);
}

ModelPool::~ModelPool() {
    drain();
}

std::shared_ptr<LoadedModel> ModelPool::get(const ModelOptions& options, Task task,
                                            std::string_view name) {
    const std::string key = options.key();
    std::lock_guard lock(m_mutex);
    if (auto it = m_models.find(key); it != m_models.end()) {
        if (it->second->task() != task)
            throw UsageError(fmt::format("{}: loaded as a model that can {}, asked to {}",
                                         options.dir.string(), to_string(it->second->task()),
                                         to_string(task)));
        return it->second;
    }
    SchedulerOptions scheduling = m_options.scheduling;
    if (options.threads > 0)
        scheduling.threads = options.threads;
    std::vector<std::unique_ptr<Model>> replicas;
    for (std::size_t r = 0; r < m_options.replicas; ++r)
        replicas.push_back(m_loader(options, task, scheduling.threads));
    std::filesystem::path folder = options.dir.lexically_normal();
    if (folder.filename().empty())
        folder = folder.parent_path();  // "models/minilm/"
    const std::string label = name.empty() ? folder.filename().string() : std::string(name);
    auto scheduler =
        std::make_unique<Scheduler>(label.empty() ? options.dir.string() : label,
                                    std::move(replicas), scheduling, m_options.observer);
    auto loaded = std::make_shared<LoadedModel>(options, task, std::move(scheduler));
    m_models.emplace(key, loaded);
    ++m_loads;
    return loaded;
}

std::shared_ptr<const DecoderLm> ModelPool::language_model(const ModelOptions& options) {
    (void)resolve_device(options.device);  // only the CPU backend exists in this build
    const std::string key = options.key();
    std::lock_guard lock(m_mutex);
    if (auto it = m_language_models.find(key); it != m_language_models.end())
        return it->second;
    ModelOptions with_threads = options;
    if (with_threads.threads == 0)
        with_threads.threads = m_options.scheduling.threads;
    auto lm = std::make_shared<const DecoderLm>(with_threads);
    m_language_models.emplace(key, lm);
    ++m_loads;
    return lm;
}

std::size_t ModelPool::loads() const {
    std::lock_guard lock(m_mutex);
    return m_loads;
}

void ModelPool::drain() {
    std::lock_guard lock(m_mutex);
    for (auto& [key, model] : m_models)
        model->scheduler().drain();
}

}  // namespace cascade::runtime
