#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/safetensors.hpp"

namespace cascade::model {

WeightStore::WeightStore(const std::filesystem::path& dir) {
    const auto single = dir / "model.safetensors";
    const auto index = dir / "model.safetensors.index.json";
    if (std::filesystem::exists(single)) {
        m_files.push_back(std::make_unique<SafetensorsFile>(single));
        m_source = single.string();
    } else if (std::filesystem::exists(index)) {
        m_source = index.string();
        std::ifstream in(index);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            throw CorruptionError(fmt::format("{}: not valid JSON: {}", m_source, e.what()));
        }
        if (!j.contains("weight_map") || !j["weight_map"].is_object())
            throw CorruptionError(fmt::format("{}: no \"weight_map\" object", m_source));
        std::map<std::string, const SafetensorsFile*> by_shard;
        for (const auto& [tensor, shard] : j["weight_map"].items()) {
            if (!shard.is_string())
                throw CorruptionError(
                    fmt::format("{}: weight_map entry '{}' is not a file name", m_source, tensor));
            auto shard_name = shard.get<std::string>();
            if (shard_name.find('/') != std::string::npos)
                throw CorruptionError(fmt::format("{}: shard '{}' must be a file in the folder",
                                                  m_source, shard_name));
            auto it = by_shard.find(shard_name);
            if (it == by_shard.end()) {
                if (!std::filesystem::exists(dir / shard_name))
                    throw Error(
                        fmt::format("{}: shard '{}' (listed in weight_map for '{}') is "
                                    "missing from the folder",
                                    m_source, shard_name, tensor));
                m_files.push_back(std::make_unique<SafetensorsFile>(dir / shard_name));
                it = by_shard.emplace(shard_name, m_files.back().get()).first;
            }
            if (!it->second->contains(tensor))
                throw CorruptionError(
                    fmt::format("{}: tensor '{}' is listed for shard '{}' but "
                                "the shard does not contain it",
                                m_source, tensor, shard_name));
            m_owner[tensor] = it->second;
        }
        return;
    } else {
        throw Error(
            fmt::format("{}: no model.safetensors or model.safetensors.index.json "
                        "(only safetensors weights are supported)",
                        dir.string()));
    }
    for (const auto& name : m_files.front()->names())
        m_owner[name] = m_files.front().get();
}

WeightStore WeightStore::from_file(const std::filesystem::path& file) {
    WeightStore ws;
    ws.m_files.push_back(std::make_unique<SafetensorsFile>(file));
    ws.m_source = file.string();
    for (const auto& name : ws.m_files.front()->names())
        ws.m_owner[name] = ws.m_files.front().get();
    return ws;
}

bool WeightStore::contains(const std::string& name) const {
    return m_owner.contains(name);
}

std::vector<std::string> WeightStore::names() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : m_owner)
        out.push_back(name);
    return out;
}

Tensor WeightStore::load(const std::string& name,
                         const std::vector<std::int64_t>& expected_shape) const {
    auto it = m_owner.find(name);
    if (it == m_owner.end())
        throw Error(fmt::format("{}: missing tensor '{}' (expected shape {})", m_source, name,
                                Tensor::shape_string(expected_shape)));
    const auto& info = it->second->info(name);
    if (info.shape != expected_shape)
        throw Error(fmt::format("{}: tensor '{}' has shape {} but the config implies {}",
                                it->second->path().string(), name, Tensor::shape_string(info.shape),
                                Tensor::shape_string(expected_shape)));
    return it->second->load(name);
}

}  // namespace cascade::model
