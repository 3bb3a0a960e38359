#pragma once
/// Model options of a stage (`model`, `max_length`, `int8`, `precision`, `device`,
/// `batch_size`, `threads`) read from its pipeline-file parameters through the runtime's one
/// option table (runtime/model_options.hpp), and the model fetched from the pipeline's pool.

#include <memory>

#include "rerank/params.hpp"
#include "rerank/registry.hpp"
#include "runtime/model_pool.hpp"

namespace cascade::rerank {

/// Reads every model option present in `params` (InputError at the key for a bad value).
/// `model` is required when `required`; without it and not required, dir stays empty.
[[nodiscard]] runtime::ModelOptions read_model_options(StageParams& params, bool required);

/// The model of `options` for `task` from env's pool (loaded there once). Loading errors
/// become InputErrors at the stage's `model` key.
[[nodiscard]] std::shared_ptr<runtime::LoadedModel> stage_model(
    StageParams& params, const StageEnv& env, const runtime::ModelOptions& options,
    runtime::Task task);

/// "title text" of a stored document (the BEIR convention of sentence-transformers' CrossEncoder
/// evaluation), the text model stages score.
[[nodiscard]] std::string document_text(const index::Index& index, std::uint32_t docid);

}  // namespace cascade::rerank
