/// cascade::Pipeline: pipeline files built and run by the pipeline layer.
#include <utility>

#include "api/impl.hpp"
#include "pipeline/runner.hpp"

namespace cascade {

Pipeline Pipeline::load(const std::filesystem::path& file, const Index& index, unsigned threads) {
    return Pipeline(std::make_shared<const Impl>(
        Impl{index, pipeline::Pipeline::load(file, index.impl().index, threads)}));
}

Pipeline Pipeline::load(const std::filesystem::path& file, const Index& index, unsigned threads,
                        const ModelPool& models) {
    return Pipeline(std::make_shared<const Impl>(Impl{
        index, pipeline::Pipeline::load(file, index.impl().index, threads, models.impl().pool)}));
}

const std::string& Pipeline::name() const {
    return m_impl->pipeline.name();
}

PipelineResult Pipeline::run(std::span<const Query> queries,
                             const PipelineRunOptions& options) const {
    return pipeline::run_pipeline(m_impl->pipeline, m_impl->index.impl().index, queries, options);
}

}  // namespace cascade
