#include "runtime/decoder_reranker.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/decoder_config.hpp"

#include "model/kernels/cpu.hpp"
#include "model/kernels/gemm.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

/// KV-cache bytes one forward call may hold for its sequences (prefix copies included); a
/// larger batch runs in several calls. 512 MiB is ~2,300 tokens of Qwen3-0.6B (28 layers,
/// 8 KV heads of 128).
constexpr std::size_t kCacheBudgetBytes = std::size_t{512} << 20U;

std::filesystem::path tokenizer_file(const std::filesystem::path& dir) {
    auto file = dir / "tokenizer.json";
    if (!std::filesystem::exists(file))
        throw InputError(file.string(), "missing: a decoder re-ranker reads its tokenizer.json");
    return file;
}

/// Leading ids every prompt of the same query shares (type id 0), keeping at least one id to
/// run after them; 0 when the encoding does not mark any.
std::size_t shared_length(const model::Encoding& e) {
    std::size_t n = 0;
    while (n + 1 < e.ids.size() && n < e.type_ids.size() && e.type_ids[n] == 0)
        ++n;
    return n;
}

constexpr std::size_t kNoGroup = static_cast<std::size_t>(-1);

/// Orders prefixes by their ids.
struct IdsLess {
    bool operator()(std::span<const std::int32_t> a, std::span<const std::int32_t> b) const {
        return std::ranges::lexicographical_compare(a, b);
    }
};

}  // namespace

float yes_probability(float logit_difference) {
    if (logit_difference >= 0.0F)
        return 1.0F / (1.0F + std::exp(-logit_difference));
    const float e = std::exp(logit_difference);
    return e / (1.0F + e);
}

/// One prompt of a forward() call: its ids after the shared prefix of its group (all of them
/// without a group).
struct DecoderReranker::Item {
    std::size_t index = 0;  ///< position in forward()'s encodings
    std::span<const std::int32_t> prefix;
    std::span<const std::int32_t> rest;
    std::size_t group = 0;  ///< into Groups; kNoGroup when run whole
};

/// The computed prefix of one group of prompts and how many of them are still to run.
struct DecoderReranker::Group {
    model::KvCache cache;
    bool ready = false;
    std::size_t left = 0;
};

DecoderReranker::DecoderReranker(const ModelOptions& options, std::size_t threads)
    : m_dir(options.dir),
      m_model(shared_decoder_weights(options)),
      m_prompt(model::Tokenizer::from_file(tokenizer_file(options.dir)),
               tokenizer_file(options.dir), parse_chat_template(options.chat_template)),
      m_instruction(options.instruction),
      m_batch_size(std::max<std::size_t>(1, options.batch_size)) {
    m_yes = m_prompt.token_id(options.yes_token, "yes_token");
    m_no = m_prompt.token_id(options.no_token, "no_token");
    const auto vocab = static_cast<std::size_t>(m_model->config().vocab_size);
    for (const auto& [id, option] : {std::pair{m_yes, "yes_token"}, std::pair{m_no, "no_token"}})
        if (static_cast<std::size_t>(id) >= vocab)
            throw InputError(
                m_model->config().source,
                fmt::format("vocab_size {} has no row for the {} id {}", vocab, option, id));
    const auto context = static_cast<std::size_t>(m_model->config().max_position_embeddings);
    if (options.max_length > context)
        throw UsageError(fmt::format("max_length {} exceeds max_position_embeddings {} of {}",
                                     options.max_length, context, m_model->config().source));
    m_max_length = options.max_length > 0 ? options.max_length : context;
    m_limit_source = options.max_length > 0
                         ? std::string("the max_length option")
                         : fmt::format("max_position_embeddings of {}", m_model->config().source);
    m_pools.resize(std::max<std::size_t>(1, threads));
    model::kernels::set_blas_threads(static_cast<int>(m_pools.size()));
}

model::kernels::ThreadPool& DecoderReranker::pool(std::size_t threads) {
    threads = std::clamp<std::size_t>(threads, 1, m_pools.size());
    auto& slot = m_pools[threads - 1];
    if (!slot)
        slot = std::make_unique<model::kernels::ThreadPool>(threads);
    return *slot;
}

std::vector<model::Encoding> DecoderReranker::encode_pairs(const std::string& query,
                                                           std::span<const std::string> documents,
                                                           std::size_t max_length,
                                                           std::string_view instruction) const {
    return m_prompt.encode(instruction.empty() ? m_instruction : instruction, query, documents,
                           max_length, m_limit_source);
}

std::vector<float> DecoderReranker::forward(const std::vector<model::Encoding>& encodings,
                                            std::size_t threads) {
    // Group the prompts by their shared ids (compared, not trusted by length alone); a group
    // of one runs whole, as there is nothing to share.
    std::map<std::span<const std::int32_t>, std::size_t, IdsLess> by_prefix;
    std::vector<std::vector<std::size_t>> members;
    std::vector<std::size_t> alone;
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        const std::size_t n = m_shared_prefix ? shared_length(encodings[i]) : 0;
        if (n == 0) {
            alone.push_back(i);
            continue;
        }
        const std::span<const std::int32_t> prefix(encodings[i].ids.data(), n);
        const auto [it, added] = by_prefix.try_emplace(prefix, members.size());
        if (added)
            members.emplace_back();
        members[it->second].push_back(i);
    }
    std::vector<Item> items;
    items.reserve(encodings.size());
    std::vector<Group> groups;
    for (const auto& group : members) {
        if (group.size() == 1) {
            alone.push_back(group.front());
            continue;
        }
        for (std::size_t i : group) {
            const std::span<const std::int32_t> ids(encodings[i].ids);
            const std::size_t n = shared_length(encodings[i]);
            items.push_back({i, ids.first(n), ids.subspan(n), groups.size()});
        }
        groups.push_back({{}, false, group.size()});
    }
    for (std::size_t i : alone)
        items.push_back({i, {}, std::span<const std::int32_t>(encodings[i].ids), kNoGroup});

    const model::DecoderConfig& config = m_model->config();
    const std::size_t bytes_per_token = static_cast<std::size_t>(config.num_layers) *
                                        static_cast<std::size_t>(config.kv_width()) * 2 *
                                        sizeof(float);
    const std::size_t token_budget = std::max<std::size_t>(1, kCacheBudgetBytes / bytes_per_token);
    const model::RunContext ctx{&pool(threads), model::kernels::best_isa()};
    std::vector<float> out(encodings.size(), 0.0F);
    std::size_t begin = 0;
    while (begin < items.size()) {
        std::size_t end = begin;
        std::size_t tokens = 0;
        while (end < items.size() && end - begin < m_batch_size &&
               (end == begin ||
                tokens + items[end].prefix.size() + items[end].rest.size() <= token_budget)) {
            tokens += items[end].prefix.size() + items[end].rest.size();
            ++end;
        }
        run_chunk(std::span<Item>(items).subspan(begin, end - begin), groups, out, ctx);
        begin = end;
    }
    return out;
}

void DecoderReranker::run_chunk(std::span<Item> items, std::span<Group> groups,
                                std::vector<float>& out, const model::RunContext& ctx) {
    // The prefixes this chunk needs first, all in one call; they only fill caches.
    std::vector<model::DecoderInput> inputs;
    for (const Item& item : items) {
        if (item.group == kNoGroup || groups[item.group].ready)
            continue;
        Group& group = groups[item.group];
        group.cache = m_model->new_cache(item.prefix.size());
        group.ready = true;
        inputs.push_back({item.prefix, &group.cache, {}, {}});
        m_run_tokens += item.prefix.size();
    }
    if (!inputs.empty())
        (void)m_model->forward(inputs, model::DecoderOptions{}, ctx);

    // Every continuation from a copy of its prefix's cache, in one call.
    std::vector<model::KvCache> caches;
    caches.reserve(items.size());
    inputs.clear();
    for (const Item& item : items) {
        caches.push_back(item.group == kNoGroup ? m_model->new_cache(item.rest.size())
                                                : groups[item.group].cache.fork(item.rest.size()));
        inputs.push_back({item.rest, &caches.back(), {item.rest.size() - 1}, {}});
        m_run_tokens += item.rest.size();
        m_prompt_tokens += item.prefix.size() + item.rest.size();
    }
    model::DecoderOptions options;
    options.vocab_rows = {m_yes, m_no};
    const auto outputs = m_model->forward(inputs, options, ctx);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const float* logits = outputs[i].logits.data();
        out[items[i].index] = logits[0] - logits[1];
        if (items[i].group != kNoGroup && --groups[items[i].group].left == 0)
            groups[items[i].group].cache = model::KvCache{};  // its last member ran
    }
}

std::vector<std::string> pointwise_evidence(const DecoderLm& lm, const DecoderReranker& reranker,
                                            std::span<const std::string> queries,
                                            std::span<const std::string> documents,
                                            std::span<const float> differences,
                                            std::size_t max_tokens, std::string_view instruction) {
    CASCADE_ASSERT(queries.size() == documents.size() && queries.size() == differences.size());
    std::vector<std::string> out(queries.size());
    if (max_tokens == 0)
        return out;
    if (max_tokens + 2 > lm.context())
        throw UsageError(
            fmt::format("evidence_tokens {} leaves no room for a prompt in the "
                        "model's {} tokens",
                        max_tokens, lm.context()));
    // The prompt, the verdict and the evidence must fit the context together.
    const std::size_t room = std::min(reranker.max_length(), lm.context() - max_tokens - 1);
    std::vector<std::size_t> yes;
    std::vector<std::vector<std::int32_t>> prompts;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        if (!(differences[i] > 0.0F))
            continue;
        auto e = reranker.encode_pairs(queries[i], documents.subspan(i, 1), room, instruction);
        e.front().ids.push_back(reranker.yes_id());
        prompts.push_back(std::move(e.front().ids));
        yes.push_back(i);
    }
    model::GenerationOptions options;
    options.max_new_tokens = max_tokens;
    options.stop_tokens = lm.stop_tokens();
    const auto results = lm.generate(prompts, options);
    for (std::size_t j = 0; j < yes.size(); ++j) {
        std::string text = lm.tokenizer().decode(results[j].tokens);
        // The verdict's line break and leading blanks are layout, not evidence.
        const auto first = text.find_first_not_of(" \n\t");
        out[yes[j]] = first == std::string::npos ? std::string() : text.substr(first);
    }
    return out;
}

bool is_decoder_reranker_folder(const std::filesystem::path& dir) {
    if (model::is_decoder_folder(dir))
        return true;
    std::ifstream in(dir / "config.json");
    const auto config = nlohmann::json::parse(in, nullptr, false);
    if (!config.is_object() || !config.contains("architectures") ||
        !config["architectures"].is_array() || config["architectures"].empty() ||
        !config["architectures"][0].is_string())
        return false;
    return config["architectures"][0].get<std::string>().ends_with("ForCausalLM");
}

std::unique_ptr<Model> load_decoder_reranker(const ModelOptions& options, Task task,
                                             std::size_t threads) {
    if (task != Task::ScorePairs)
        throw UsageError(fmt::format("{}: a decoder model can {} (as a yes/no re-ranker), not {}",
                                     options.dir.string(), to_string(Task::ScorePairs),
                                     to_string(task)));
    return std::make_unique<DecoderReranker>(options, threads);
}

}  // namespace cascade::runtime
