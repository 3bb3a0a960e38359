#pragma once
/// Pipeline files: a YAML description of a cascade, built into stages from the registry.
///
///     name: bm25-rm3-ce                   # optional, the run tag
///     first_stage: {type: bm25, k: 1000}  # one first stage ...
///     first_stages:                       # ... or several branches, fused by the next stage
///       - {type: bm25, k: 1000}
///       - name: rm3
///         stages: [{type: bm25, k: 1000}, {type: rm3, k: 1000}]
///     stages:                             # re-ranking stages, in order
///       - {type: cross_encoder, k: 100, model: models/minilm}
///
/// Every error names the file and line: YAML syntax, unknown keys (with the accepted ones),
/// bad values, unknown stage types, a branch not starting with a retriever.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/registry.hpp"
#include "rerank/stage.hpp"
#include "runtime/model_pool.hpp"

namespace cascade::pipeline {

/// One first-stage branch: a retriever followed by optional stages (e.g. bm25 then rm3).
struct Branch {
    std::string name;
    std::vector<std::unique_ptr<rerank::Stage>> stages;  ///< stages[0] is a FirstStage
    [[nodiscard]] const rerank::FirstStage& head() const;
};

/// A built cascade: one or more branches, then the re-ranking stages.
class Pipeline {
public:
    /// Reads and builds `file`. Throws IoError when unreadable, InputError (file:line) when
    /// malformed. Model stages get their models from `models` (shared with the caller, e.g. the
    /// HTTP service's pool); without one the pipeline owns a pool whose models run on
    /// `threads` threads.
    static Pipeline load(const std::filesystem::path& file, const index::Index& index,
                         unsigned threads = 1,
                         std::shared_ptr<runtime::ModelPool> models = nullptr);
    /// Builds from YAML text; `file` labels messages.
    static Pipeline parse(std::string_view yaml, const std::string& file, const index::Index& index,
                          unsigned threads = 1,
                          std::shared_ptr<runtime::ModelPool> models = nullptr);

    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] const std::vector<Branch>& branches() const { return m_branches; }
    [[nodiscard]] const std::vector<std::unique_ptr<rerank::Stage>>& stages() const {
        return m_stages;
    }
    [[nodiscard]] const rerank::FeatureSchema& features() const { return *m_features; }
    /// The pool the model stages load from.
    [[nodiscard]] const std::shared_ptr<runtime::ModelPool>& models() const { return m_models; }

private:
    Pipeline() = default;
    std::string m_name = "cascade";
    std::shared_ptr<runtime::ModelPool> m_models;
    std::unique_ptr<rerank::FeatureSchema> m_features;
    std::vector<Branch> m_branches;
    std::vector<std::unique_ptr<rerank::Stage>> m_stages;
};

/// The registry the pipeline builds from: the built-in stages plus `ltr` when linked.
[[nodiscard]] const rerank::StageRegistry& stage_registry();

}  // namespace cascade::pipeline
