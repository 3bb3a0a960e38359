#pragma once
/// What the public handles (include/cascade/) hold: the library's own objects. Only the api
/// layer's sources see these definitions.

#include <memory>

#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/pipeline.hpp>

#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "runtime/model_pool.hpp"

namespace cascade {

struct Index::Impl {
    index::Index index;
};

struct ModelPool::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
};

struct CrossEncoder::Impl {
    std::shared_ptr<runtime::ModelPool> pool;  ///< keeps the scheduler's pool alive
    std::shared_ptr<runtime::LoadedModel> model;
};

struct ListReranker::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
    std::shared_ptr<const runtime::DecoderLm> lm;
    ListRerankOptions options;
};

struct BiEncoder::Impl {
    std::shared_ptr<runtime::ModelPool> pool;
    std::shared_ptr<runtime::LoadedModel> model;
};

struct Pipeline::Impl {
    Index index;  ///< the pipeline's stages read this index
    pipeline::Pipeline pipeline;
};

namespace api {

/// The runtime's pool options for the public ones.
[[nodiscard]] runtime::PoolOptions pool_options(const ModelPoolOptions& options);

}  // namespace api

}  // namespace cascade
