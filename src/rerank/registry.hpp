#pragma once
/// Stages by name: a registry of factories that build a Stage from its pipeline-file
/// parameters. Built explicitly (no static-initialisation registration): the pipeline layer
/// calls register_builtin_stages() and, when the LTR library is linked, register_ltr_stage().

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/params.hpp"
#include "rerank/stage.hpp"

namespace cascade::runtime {
class ModelPool;
}

namespace cascade::rerank {

/// What a factory may use while building a stage.
struct StageEnv {
    const index::Index* index = nullptr;
    /// Features recorded by the pipeline's stages; register the ones the stage writes or reads.
    FeatureSchema* features = nullptr;
    /// Worker threads the runner grants.
    unsigned threads = 1;
    /// Where model stages get their models (one copy per folder and options, shared with every
    /// other caller of the pool). Required by stages that take a `model`.
    runtime::ModelPool* models = nullptr;
    /// True while the stage that starts a branch (the first stage) is built: a type that can
    /// both retrieve and re-rank (`dense`) builds its retriever then.
    bool head = false;
};

/// Builds a stage; reads its keys through `params` and throws InputError (via
/// params.error()) for bad values. The registry rejects unknown keys afterwards.
using StageFactory = std::function<std::unique_ptr<Stage>(StageParams& params, StageEnv& env)>;

class StageRegistry {
public:
    /// Registers `type`; `summary` is a one-line description for error messages and --help.
    /// Registering a name twice is a bug (asserts).
    void add(std::string type, std::string summary, StageFactory factory);

    /// Builds the stage `params.type()`. Throws InputError for an unknown type (listing the
    /// registered ones), for bad values and for unknown keys (listing the accepted ones).
    [[nodiscard]] std::unique_ptr<Stage> create(StageParams& params, StageEnv& env) const;

    [[nodiscard]] bool contains(std::string_view type) const;
    /// Registered names, sorted.
    [[nodiscard]] std::vector<std::string> types() const;
    [[nodiscard]] const std::string& summary(std::string_view type) const;

private:
    struct Entry {
        std::string summary;
        StageFactory factory;
    };
    std::map<std::string, Entry, std::less<>> m_entries;
};

/// Registers the stages of this library: bm25, rm3, fusion, cross_encoder, bi_encoder, mmr,
/// cutoff.
void register_builtin_stages(StageRegistry& registry);

/// Registers the `ltr` stage. Defined by the cascade_rerank_ltr library (src/rerank/ltr/);
/// the pipeline layer calls it only when that library is built (CASCADE_HAVE_LTR).
void register_ltr_stage(StageRegistry& registry);

}  // namespace cascade::rerank
