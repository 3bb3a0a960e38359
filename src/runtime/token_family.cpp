#include "runtime/token_family.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "model/token_config.hpp"
#include "runtime/bert_family.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

model::TokenModelKind kind_for(Task task) {
    switch (task) {
        case Task::SparseTexts:
            return model::TokenModelKind::Splade;
        case Task::TokenVectors:
            return model::TokenModelKind::Colbert;
        case Task::TokenWeights:
            return model::TokenModelKind::Tilde;
        case Task::ScorePairs:
        case Task::EmbedTexts:
            break;
    }
    return model::TokenModelKind::None;
}

Task task_for(model::TokenModelKind kind) {
    switch (kind) {
        case model::TokenModelKind::Splade:
            return Task::SparseTexts;
        case model::TokenModelKind::Colbert:
            return Task::TokenVectors;
        case model::TokenModelKind::Tilde:
        case model::TokenModelKind::None:
            break;
    }
    return Task::TokenWeights;
}

/// A PyLate ColBERT folder: a sentence-transformers modules.json naming PyLate's Dense module.
bool is_pylate_folder(const std::filesystem::path& dir) {
    std::ifstream in(dir / "modules.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("pylate.models") != std::string::npos;
}

}  // namespace

bool is_token_task(Task task) {
    return kind_for(task) != model::TokenModelKind::None;
}

bool is_token_folder(const std::filesystem::path& dir) {
    return model::token_model_kind(dir) != model::TokenModelKind::None;
}

std::unique_ptr<Model> load_token_model(const ModelOptions& options, Task task,
                                        std::size_t threads) {
    const auto kind = model::token_model_kind(options.dir);
    const auto wanted = kind_for(task);
    if (kind == model::TokenModelKind::None && task == Task::TokenVectors &&
        is_pylate_folder(options.dir))
        throw UsageError(fmt::format(
            "{}: a PyLate (sentence-transformers) ColBERT folder is not supported; cascade reads "
            "colbert-ai's HF_ColBERT layout (config.json architectures [\"HF_ColBERT\"], bert.* "
            "and linear.weight in model.safetensors, artifact.metadata)",
            options.dir.string()));
    if (kind == model::TokenModelKind::None) {
        const std::string arch = model::config_architecture(options.dir);
        throw UsageError(
            fmt::format("{}: config.json architectures[0] is \"{}\"; to {} a {} folder "
                        "is needed",
                        options.dir.string(), arch.empty() ? "(none)" : arch, to_string(task),
                        model::to_string(wanted)));
    }
    if (kind != wanted)
        throw UsageError(fmt::format("{}: a {} folder can {}, not {}", options.dir.string(),
                                     model::to_string(kind), to_string(task_for(kind)),
                                     to_string(task)));
    switch (kind) {
        case model::TokenModelKind::Splade:
            return std::make_unique<SpladeModel>(options, threads);
        case model::TokenModelKind::Colbert:
            return std::make_unique<ColbertModel>(options, threads);
        case model::TokenModelKind::Tilde:
        case model::TokenModelKind::None:
            break;
    }
    return std::make_unique<TildeModel>(options, threads);
}

SpladeModel::SpladeModel(const ModelOptions& options, std::size_t threads)
    : m_encoder(options.dir, encoder_options(options, threads), options.max_length) {}

std::vector<model::Encoding> SpladeModel::encode_texts(std::span<const std::string> texts,
                                                       std::size_t max_length) const {
    std::vector<model::Encoding> out;
    out.reserve(texts.size());
    for (const auto& t : texts)
        out.push_back(m_encoder.encode(t, max_length));
    return out;
}

std::vector<float> SpladeModel::forward(const std::vector<model::Encoding>& encodings,
                                        std::size_t threads) {
    return m_encoder.weights(encodings, threads);
}

std::string SpladeModel::term(std::int32_t id) const {
    return m_encoder.tokenizer().id_to_token(id);
}

ColbertModel::ColbertModel(const ModelOptions& options, std::size_t threads)
    : m_encoder(options.dir, encoder_options(options, threads), options.max_length) {}

std::vector<model::Encoding> ColbertModel::encode_texts(std::span<const std::string> texts,
                                                        std::size_t max_length) const {
    std::vector<model::Encoding> out;
    out.reserve(texts.size());
    for (const auto& t : texts)
        out.push_back(m_encoder.encode_document(t, max_length));
    return out;
}

std::vector<model::Encoding> ColbertModel::encode_queries(
    std::span<const std::string> texts) const {
    std::vector<model::Encoding> out;
    out.reserve(texts.size());
    for (const auto& t : texts)
        out.push_back(m_encoder.encode_query(t));
    return out;
}

std::vector<float> ColbertModel::forward(const std::vector<model::Encoding>& encodings,
                                         std::size_t threads) {
    return m_encoder.vectors(encodings, threads);
}

TildeModel::TildeModel(const ModelOptions& options, std::size_t threads)
    : m_encoder(options.dir, encoder_options(options, threads), options.max_length) {}

std::vector<model::Encoding> TildeModel::encode_texts(std::span<const std::string> texts,
                                                      std::size_t max_length) const {
    std::vector<model::Encoding> out;
    out.reserve(texts.size());
    for (const auto& t : texts)
        out.push_back(m_encoder.encode_document(t, max_length));
    return out;
}

std::vector<float> TildeModel::forward(const std::vector<model::Encoding>& encodings,
                                       std::size_t threads) {
    return m_encoder.token_weights(encodings, threads);
}

std::string TildeModel::term(std::int32_t id) const {
    return m_encoder.tokenizer().id_to_token(id);
}

std::vector<model::Encoding> TildeModel::encode_ids(
    std::span<const std::vector<std::int32_t>> contents, std::size_t max_length) const {
    std::vector<model::Encoding> out;
    out.reserve(contents.size());
    for (const auto& c : contents)
        out.push_back(m_encoder.encode_ids(c, max_length));
    return out;
}

TildeExpansion::TildeExpansion(const ModelOptions& options, std::size_t threads, std::size_t terms)
    : m_expander(options.dir, encoder_options(options, std::max<std::size_t>(1, threads)),
                 options.max_length),
      m_dir(options.dir.string()),
      m_threads(std::max<std::size_t>(1, threads)),
      m_terms(terms) {
    if (terms == 0)
        throw UsageError("--expansion-terms must be at least 1 (TILDEv2 uses 200)");
}

std::vector<std::vector<std::int32_t>> TildeExpansion::expand(std::span<const std::string> texts) {
    std::vector<model::Encoding> encodings;
    encodings.reserve(texts.size());
    for (const auto& t : texts)
        encodings.push_back(m_expander.encode_passage(t));
    const auto expansions = m_expander.expand(encodings, m_terms, m_threads);
    std::vector<std::vector<std::int32_t>> out;
    out.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i)
        out.push_back(model::TildeExpander::expanded_ids(encodings[i], expansions[i]));
    return out;
}

std::vector<std::vector<float>> run_split(LoadedModel& model,
                                          std::vector<model::Encoding> encodings,
                                          LoadedModel::Clock::time_point deadline) {
    std::vector<std::size_t> sizes;
    sizes.reserve(encodings.size());
    for (const auto& e : encodings)
        sizes.push_back(model.model().output_size(e));
    const auto flat = model.scheduler().submit(std::move(encodings), deadline).get();
    std::vector<std::vector<float>> out;
    out.reserve(sizes.size());
    std::size_t offset = 0;
    for (std::size_t n : sizes) {
        CASCADE_ASSERT(offset + n <= flat.size());
        out.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(offset),
                         flat.begin() + static_cast<std::ptrdiff_t>(offset + n));
        offset += n;
    }
    CASCADE_ASSERT(offset == flat.size());
    return out;
}

}  // namespace cascade::runtime
