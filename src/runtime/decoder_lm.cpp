#include "runtime/decoder_lm.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "model/kernels/cpu.hpp"
#include "model/kernels/gemm.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

/// KV-cache bytes one batched call may hold (as DecoderReranker's budget): more prompts run in
/// several calls.
constexpr std::size_t kCacheBudgetBytes = std::size_t{512} << 20U;

std::size_t cache_bytes_per_token(const model::DecoderConfig& c) {
    return static_cast<std::size_t>(c.num_layers) * static_cast<std::size_t>(c.kv_width()) * 2 *
           sizeof(float);
}

/// Splits `sizes` (tokens per prompt) into consecutive chunks within the cache budget.
template <typename Fn>
void for_chunks(const model::DecoderConfig& config, std::span<const std::size_t> sizes, Fn&& fn) {
    const std::size_t budget =
        std::max<std::size_t>(1, kCacheBudgetBytes / cache_bytes_per_token(config));
    std::size_t begin = 0;
    while (begin < sizes.size()) {
        std::size_t end = begin;
        std::size_t tokens = 0;
        while (end < sizes.size() && (end == begin || tokens + sizes[end] <= budget))
            tokens += sizes[end++];
        fn(begin, end);
        begin = end;
    }
}

}  // namespace

std::shared_ptr<const model::DecoderModel> shared_decoder_weights(const ModelOptions& options) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<const model::DecoderModel>> loaded;
    // Only the folder and precision change the weights (max_length, instruction and tokens do
    // not), so those make the key.
    ModelOptions weights_only;
    weights_only.dir = options.dir;
    weights_only.precision = options.precision;
    weights_only.device = options.device;
    const std::string key = weights_only.key();
    std::lock_guard lock(mutex);
    if (auto it = loaded.find(key); it != loaded.end())
        if (auto model = it->second.lock())
            return model;
    auto model = std::make_shared<model::DecoderModel>(
        options.dir, options.precision == Precision::Bf16 ? model::DecoderModel::Blocks::Bf16
                                                          : model::DecoderModel::Blocks::Fp32);
    if (options.precision == Precision::Int8)
        model->quantize_int8();
    loaded[key] = model;
    return model;
}

namespace {

std::filesystem::path tokenizer_path(const std::filesystem::path& dir) {
    auto file = dir / "tokenizer.json";
    if (!std::filesystem::exists(file))
        throw InputError(file.string(), "missing: an LLM re-ranker reads its tokenizer.json");
    return file;
}

}  // namespace

DecoderLm::DecoderLm(const ModelOptions& options)
    : m_options(options),
      m_model(shared_decoder_weights(options)),
      m_tokenizer_file(tokenizer_path(options.dir)),
      m_tokenizer(model::Tokenizer::from_file(m_tokenizer_file)),
      m_chat(m_tokenizer, m_tokenizer_file, parse_chat_template(options.chat_template)),
      m_pool(std::max<std::size_t>(1, options.threads)) {
    const auto& config = m_model->config();
    const auto limit = static_cast<std::size_t>(config.max_position_embeddings);
    if (options.max_length > limit)
        throw UsageError(fmt::format("max_length {} exceeds max_position_embeddings {} of {}",
                                     options.max_length, limit, config.source));
    m_context = options.max_length > 0 ? options.max_length : limit;
    m_limit_source = options.max_length > 0
                         ? std::string("the max_length option")
                         : fmt::format("max_position_embeddings of {}", config.source);
    m_stops.push_back(m_chat.end_id());
    if (auto id = m_tokenizer.token_to_id("<|endoftext|>"))
        m_stops.push_back(*id);
    for (std::int32_t id : config.eos_token_ids)
        if (std::ranges::find(m_stops, id) == m_stops.end())
            m_stops.push_back(id);
}

std::vector<std::int32_t> DecoderLm::ids(std::string_view text, std::size_t max_tokens) const {
    auto ids = m_tokenizer.encode(text, false).ids;
    if (max_tokens > 0 && ids.size() > max_tokens)
        ids.resize(max_tokens);
    return ids;
}

std::int32_t DecoderLm::single_token(std::string_view text, std::string_view what) const {
    const auto ids = m_tokenizer.encode(text, false).ids;
    if (ids.size() != 1)
        throw InputError(
            m_tokenizer_file.string(),
            fmt::format("{} '{}' is {} tokens here, and must be one", what, text, ids.size()));
    return ids.front();
}

void DecoderLm::check_fits(std::size_t tokens, std::size_t reserve, std::string_view what) const {
    if (tokens + reserve > m_context)
        throw Error(
            fmt::format("{}: {} prompt tokens{} exceed {} ({}); shorten the passages or "
                        "use fewer of them",
                        what, tokens, reserve > 0 ? fmt::format(" + {} to generate", reserve) : "",
                        m_limit_source, m_context));
}

model::RunContext DecoderLm::context_for_call() const {
    model::kernels::set_blas_threads(static_cast<int>(m_pool.size()));
    return {&m_pool, model::kernels::best_isa()};
}

std::vector<std::vector<float>> DecoderLm::last_logits(
    std::span<const std::vector<std::int32_t>> prompts,
    std::span<const std::int32_t> vocab_rows) const {
    std::vector<std::size_t> sizes;
    for (const auto& p : prompts)
        sizes.push_back(p.size());
    std::vector<std::vector<float>> out(prompts.size());
    model::DecoderOptions options;
    options.vocab_rows.assign(vocab_rows.begin(), vocab_rows.end());
    std::lock_guard lock(m_mutex);
    const model::RunContext ctx = context_for_call();
    for_chunks(m_model->config(), sizes, [&](std::size_t begin, std::size_t end) {
        std::vector<model::KvCache> caches;
        caches.reserve(end - begin);
        std::vector<model::DecoderInput> inputs;
        for (std::size_t i = begin; i < end; ++i) {
            caches.push_back(m_model->new_cache(prompts[i].size()));
            inputs.push_back({prompts[i], &caches.back(), {prompts[i].size() - 1}, {}});
        }
        auto outputs = m_model->forward(inputs, options, ctx);
        for (std::size_t i = begin; i < end; ++i)
            out[i] = std::move(outputs[i - begin].logits.values());
    });
    return out;
}

std::vector<model::GenerationResult> DecoderLm::generate(
    std::span<const std::vector<std::int32_t>> prompts,
    const model::GenerationOptions& options) const {
    std::vector<std::size_t> sizes;
    for (const auto& p : prompts)
        sizes.push_back(p.size() + options.max_new_tokens);
    std::vector<model::GenerationResult> out(prompts.size());
    std::lock_guard lock(m_mutex);
    const model::RunContext ctx = context_for_call();
    for_chunks(m_model->config(), sizes, [&](std::size_t begin, std::size_t end) {
        std::vector<model::KvCache> caches;
        std::vector<std::span<const std::int32_t>> spans;
        for (std::size_t i = begin; i < end; ++i) {
            caches.push_back(m_model->new_cache(sizes[i]));
            spans.emplace_back(prompts[i]);
        }
        auto results = model::generate_batch(*m_model, spans, caches, options, ctx);
        for (std::size_t i = begin; i < end; ++i)
            out[i] = std::move(results[i - begin]);
    });
    return out;
}

std::vector<std::vector<double>> DecoderLm::attention_mass(
    std::span<const std::int32_t> prefix, std::span<const std::vector<std::int32_t>> continuations,
    std::span<const std::pair<std::size_t, std::size_t>> spans) const {
    for (const auto& [begin, end] : spans)
        CASCADE_ASSERT(begin <= end && end <= prefix.size());
    std::lock_guard lock(m_mutex);
    const model::RunContext ctx = context_for_call();
    model::KvCache shared = m_model->new_cache(prefix.size());
    {
        model::DecoderInput in{prefix, &shared, {}, {}};
        (void)m_model->forward(std::span<model::DecoderInput>(&in, 1), {}, ctx);
    }
    model::DecoderOptions options;
    for (std::size_t l = 0; l < static_cast<std::size_t>(m_model->config().num_layers); ++l)
        options.attention_layers.push_back(l);
    std::vector<std::vector<double>> out;
    for (const auto& continuation : continuations) {
        model::KvCache cache = shared.fork(continuation.size());
        model::DecoderInput in{continuation, &cache, {}, {}};
        in.attention_rows.resize(continuation.size());
        for (std::size_t r = 0; r < continuation.size(); ++r)
            in.attention_rows[r] = r;
        const auto result = m_model->forward(std::span<model::DecoderInput>(&in, 1), options, ctx);
        std::vector<double> mass(spans.size(), 0.0);
        for (const model::Tensor& layer : result.front().attention) {
            // [heads, rows, keys]: every (head, row) summed over each span's keys.
            const auto keys = static_cast<std::size_t>(layer.dim(2));
            const auto rows = static_cast<std::size_t>(layer.dim(0) * layer.dim(1));
            for (std::size_t r = 0; r < rows; ++r) {
                const float* p = layer.data() + r * keys;
                for (std::size_t s = 0; s < spans.size(); ++s)
                    for (std::size_t k = spans[s].first; k < spans[s].second; ++k)
                        mass[s] += p[k];
            }
        }
        for (double& m : mass)
            m /= static_cast<double>(continuation.size());
        out.push_back(std::move(mass));
    }
    return out;
}

}  // namespace cascade::runtime
