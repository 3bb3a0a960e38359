#include "runtime/static_family.hpp"

#include <fmt/format.h>

#include "model/static_embedding.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

class StaticEmbeddingModel final : public Model {
public:
    explicit StaticEmbeddingModel(const ModelOptions& options)
        : m_model(options.dir),
          m_max_length(options.max_length > 0 ? options.max_length
                                              : model::StaticEmbedding::kDefaultMaxLength) {}

    Task task() const override { return Task::EmbedTexts; }
    std::size_t max_length() const override { return m_max_length; }
    std::size_t output_width() const override { return m_model.dimension(); }

    /// The ids to average (no special tokens; see model::StaticEmbedding::token_ids).
    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override {
        std::vector<model::Encoding> out;
        out.reserve(texts.size());
        for (const auto& text : texts) {
            model::Encoding e;
            e.ids = m_model.token_ids(text, max_length > 0 ? max_length : m_max_length);
            e.type_ids.assign(e.ids.size(), 0);
            e.attention_mask.assign(e.ids.size(), 1);
            out.push_back(std::move(e));
        }
        return out;
    }

    /// Table lookups and sums: cheap enough for one thread.
    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t /*threads*/) override {
        const std::size_t dim = m_model.dimension();
        std::vector<float> out(encodings.size() * dim);
        for (std::size_t i = 0; i < encodings.size(); ++i)
            m_model.pool(encodings[i].ids, std::span(out).subspan(i * dim, dim));
        return out;
    }

private:
    model::StaticEmbedding m_model;
    std::size_t m_max_length;
};

}  // namespace

bool is_static_folder(const std::filesystem::path& dir) {
    return model::is_static_embedding_folder(dir);
}

std::unique_ptr<Model> load_static_model(const ModelOptions& options, Task task,
                                         std::size_t /*threads*/) {
    if (task != Task::EmbedTexts)
        throw UsageError(fmt::format("{}: a static embedding model can {}, not {}",
                                     options.dir.string(), to_string(Task::EmbedTexts),
                                     to_string(task)));
    return std::make_unique<StaticEmbeddingModel>(options);
}

}  // namespace cascade::runtime
