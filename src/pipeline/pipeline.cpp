#include "pipeline/pipeline.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "rerank/params.hpp"
#include "util/error.hpp"

namespace cascade::pipeline {

using rerank::line_of;

const rerank::FirstStage& Branch::head() const {
    return dynamic_cast<const rerank::FirstStage&>(*stages.front());
}

const rerank::StageRegistry& stage_registry() {
    static const rerank::StageRegistry registry = [] {
        rerank::StageRegistry r;
        rerank::register_builtin_stages(r);
#ifdef CASCADE_HAVE_LTR
        rerank::register_ltr_stage(r);
#endif
        return r;
    }();
    return registry;
}

namespace {

struct Builder {
    const std::string& file;
    rerank::StageEnv env;

    [[noreturn]] void fail(const YAML::Node& node, std::string_view what) const {
        throw InputError(file, line_of(node), what);
    }

    std::unique_ptr<rerank::Stage> stage(const YAML::Node& node) {
        rerank::StageParams params(node, file);
        return stage_registry().create(params, env);
    }

    std::vector<std::unique_ptr<rerank::Stage>> stage_list(const YAML::Node& node,
                                                           std::string_view key,
                                                           bool starts_branch = false) {
        if (!node.IsSequence()) {
            fail(node,
                 fmt::format("'{}' must be a list of stages, e.g. [{{type: mmr, k: 20}}]", key));
        }
        std::vector<std::unique_ptr<rerank::Stage>> out;
        for (const YAML::Node& item : node) {
            env.head = starts_branch && out.empty();
            out.push_back(stage(item));
            env.head = false;
            if (dynamic_cast<const rerank::FirstStage*>(out.back().get()) != nullptr &&
                out.size() > 1) {
                fail(item, fmt::format("stage type '{}' is a first stage; it can only start a "
                                       "branch",
                                       out.back()->type()));
            }
        }
        return out;
    }

    Branch branch(const YAML::Node& node, std::size_t number) {
        Branch b;
        if (node.IsMap() && node["stages"]) {
            for (const auto& kv : node) {
                const std::string key = kv.first.as<std::string>("");
                if (key != "name" && key != "stages") {
                    fail(kv.first, fmt::format("unknown key '{}' in a first-stage branch; "
                                               "accepted keys: name, stages",
                                               key));
                }
            }
            b.stages = stage_list(node["stages"], "stages", true);
            b.name = node["name"] ? node["name"].as<std::string>("") : "";
        } else {
            env.head = true;
            b.stages.push_back(stage(node));
            env.head = false;
        }
        if (b.stages.empty() ||
            dynamic_cast<const rerank::FirstStage*>(b.stages.front().get()) == nullptr) {
            fail(node,
                 fmt::format("a first stage must start with a retriever (bm25, dense); got '{}'",
                             b.stages.empty() ? "nothing" : b.stages.front()->type()));
        }
        if (b.name.empty()) {
            b.name = fmt::format("{}_{}", b.stages.front()->type(), number);
        }
        return b;
    }
};

runtime::PoolOptions own_pool_options(unsigned threads) {
    runtime::PoolOptions options;
    options.scheduling.threads = std::max(1U, threads);
    // One process, no other callers to wait for: a stage queues all its queries' pairs at
    // once, so there is no company worth waiting for and no queue limit to enforce.
    options.scheduling.max_wait = std::chrono::microseconds(0);
    options.scheduling.max_queue = std::size_t{1} << 30;
    return options;
}

}  // namespace

Pipeline Pipeline::parse(std::string_view yaml, const std::string& file, const index::Index& index,
                         unsigned threads, std::shared_ptr<runtime::ModelPool> models) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw InputError(file, static_cast<std::size_t>(e.mark.line + 1), e.msg);
    }
    if (!root.IsMap()) {
        throw InputError(file, line_of(root) == 0 ? 1 : line_of(root),
                         "a pipeline file is a mapping with first_stage (or first_stages) and "
                         "stages");
    }
    Pipeline p;
    p.m_features = std::make_unique<rerank::FeatureSchema>();
    p.m_models = models ? std::move(models)
                        : std::make_shared<runtime::ModelPool>(own_pool_options(threads));
    Builder builder{file, {&index, p.m_features.get(), threads, p.m_models.get()}};
    for (const auto& kv : root) {
        const std::string key = kv.first.as<std::string>("");
        if (key != "name" && key != "first_stage" && key != "first_stages" && key != "stages") {
            builder.fail(kv.first, fmt::format("unknown key '{}'; accepted keys: name, "
                                               "first_stage, first_stages, stages",
                                               key));
        }
    }
    if (root["first_stage"] && root["first_stages"]) {
        builder.fail(root["first_stages"], "give first_stage or first_stages, not both");
    }
    if (YAML::Node n = root["name"]) {
        p.m_name = n.IsScalar() ? n.Scalar() : "";
        if (p.m_name.empty() || p.m_name.find_first_of(" \t") != std::string::npos) {
            builder.fail(n, "name must be one word (it becomes the run tag)");
        }
    }
    if (YAML::Node n = root["first_stage"]) {
        p.m_branches.push_back(builder.branch(n, 0));
        p.m_branches.back().name = p.m_branches.back().stages.front()->type();
    } else if (YAML::Node many = root["first_stages"]) {
        if (!many.IsSequence() || many.size() < 2) {
            builder.fail(many, "first_stages must be a list of at least two branches");
        }
        for (std::size_t i = 0; i < many.size(); ++i) {
            p.m_branches.push_back(builder.branch(many[i], i + 1));
        }
    } else {
        throw InputError(file, 1, "missing first_stage (e.g. first_stage: {type: bm25, k: 1000})");
    }
    if (YAML::Node s = root["stages"]) {
        p.m_stages = builder.stage_list(s, "stages");
        if (!p.m_stages.empty() &&
            dynamic_cast<const rerank::FirstStage*>(p.m_stages.front().get()) != nullptr) {
            builder.fail(s[0], "the first stage goes under first_stage, not stages");
        }
    }
    if (p.m_branches.size() > 1 && (p.m_stages.empty() || p.m_stages.front()->type() != "fusion")) {
        builder.fail(root["first_stages"],
                     "several first stages need a fusion stage first in "
                     "stages (e.g. {type: fusion, method: rrf})");
    }
    return p;
}

Pipeline Pipeline::load(const std::filesystem::path& file, const index::Index& index,
                        unsigned threads, std::shared_ptr<runtime::ModelPool> models) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw IoError::from_errno("cannot open pipeline file", file.string());
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), file.string(), index, threads, std::move(models));
}

}  // namespace cascade::pipeline
