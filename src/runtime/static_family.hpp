#pragma once
/// Static embedding models (Model2Vec and sentence-transformers StaticEmbedding folders, e.g.
/// GloVe vectors from scripts/make_glove_model) behind the runtime's Model seam: they embed
/// texts as the mean of per-token vectors (model/static_embedding.hpp); there is no network,
/// so forward() is a table lookup.

#include <cstddef>
#include <filesystem>
#include <memory>

#include "runtime/model.hpp"
#include "runtime/model_options.hpp"

namespace cascade::runtime {

/// Whether `dir` is a static embedding folder (model::is_static_embedding_folder).
[[nodiscard]] bool is_static_folder(const std::filesystem::path& dir);

/// Loads one replica of the static embedding model in `options.dir`. `options.max_length` 0
/// means Model2Vec's default of 512 tokens. Throws UsageError when asked to score pairs and
/// InputError naming the file when the folder is malformed.
[[nodiscard]] std::unique_ptr<Model> load_static_model(const ModelOptions& options, Task task,
                                                       std::size_t threads);

}  // namespace cascade::runtime
