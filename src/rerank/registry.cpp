#include "rerank/registry.hpp"

#include <fmt/format.h>

namespace cascade::rerank {

void StageRegistry::add(std::string type, std::string summary, StageFactory factory) {
    CASCADE_ASSERT(!m_entries.contains(type));
    m_entries.emplace(std::move(type), Entry{std::move(summary), std::move(factory)});
}

std::unique_ptr<Stage> StageRegistry::create(StageParams& params, StageEnv& env) const {
    const std::string type = params.type();
    auto it = m_entries.find(type);
    if (it == m_entries.end()) {
        std::string names;
        for (const auto& [name, entry] : m_entries) {
            names += names.empty() ? name : ", " + name;
        }
        throw params.error("type",
                           fmt::format("unknown stage type '{}'; accepted: {}", type, names));
    }
    std::unique_ptr<Stage> stage = it->second.factory(params, env);
    params.check_unknown();
    return stage;
}

bool StageRegistry::contains(std::string_view type) const {
    return m_entries.contains(type);
}

std::vector<std::string> StageRegistry::types() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : m_entries) {
        out.push_back(name);
    }
    return out;
}

const std::string& StageRegistry::summary(std::string_view type) const {
    auto it = m_entries.find(type);
    CASCADE_ASSERT(it != m_entries.end());
    return it->second.summary;
}

}  // namespace cascade::rerank
