#include "pipeline/bm25_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/error.hpp"

namespace cascade::pipeline {

namespace {

/// Labels the generated text in the (unexpected) messages Pipeline::parse throws about it.
constexpr const char* kLabel = "(bm25 search)";

/// A decimal the bm25 stage turns back into exactly `x`: it reads k1 and b as doubles and
/// rounds them to float. The shortest decimal of the float reads back as `x` when rounded
/// directly; when rounding through double lands elsewhere (possible in principle), the exact
/// value of `x` as a double is written instead.
std::string stage_decimal(float x) {
    std::string text = fmt::format("{}", x);
    if (static_cast<float>(std::strtod(text.c_str(), nullptr)) != x) {
        text = fmt::format("{}", static_cast<double>(x));
    }
    return text;
}

/// The `fields` value ("title=1,text=0.5") that retrieve::parse_field_weights reads back as
/// `fields`: weights are parsed as floats, so the shortest decimal of each is exact.
std::string field_list(const std::vector<retrieve::FieldWeight>& fields) {
    std::string out;
    for (const retrieve::FieldWeight& f : fields) {
        const bool writable = !f.name.empty() && f.name.find_first_of(",=") == std::string::npos &&
                              f.name.front() != ' ' && f.name.front() != '\t' &&
                              f.name.back() != ' ' && f.name.back() != '\t';
        if (!writable) {
            throw UsageError(
                fmt::format("field name '{}' cannot be written in a bm25 stage's "
                            "field list",
                            f.name));
        }
        if (!std::isfinite(f.weight) || f.weight < 0.0F) {
            throw UsageError(
                fmt::format("bad weight {} for field '{}': expected a non-negative "
                            "number",
                            f.weight, f.name));
        }
        out += fmt::format("{}{}={}", out.empty() ? "" : ",", f.name, f.weight);
    }
    return out;
}

}  // namespace

std::string bm25_pipeline_yaml(const Bm25StageSpec& spec) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << spec.name;
    out << YAML::Key << "first_stage" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << "bm25";
    out << YAML::Key << "k" << YAML::Value << spec.k;
    out << YAML::Key << "k1" << YAML::Value << stage_decimal(spec.params.k1);
    out << YAML::Key << "b" << YAML::Value << stage_decimal(spec.params.b);
    out << YAML::Key << "algorithm" << YAML::Value
        << std::string(retrieve::algorithm_name(spec.algorithm));
    if (!spec.fields.empty()) {
        out << YAML::Key << "fields" << YAML::Value << YAML::DoubleQuoted
            << field_list(spec.fields);
    }
    out << YAML::Key << "remove_query" << YAML::Value << spec.remove_query;
    out << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

Pipeline bm25_pipeline(const index::Index& index, const Bm25StageSpec& spec, unsigned threads) {
    if (spec.k == 0) {
        throw UsageError("k must be at least 1");
    }
    retrieve::Bm25Options options;
    options.params = spec.params;
    options.algorithm = spec.algorithm;
    options.fields = spec.fields;
    // The retriever's own checks (k1, b, fields the index lacks), as the UsageErrors a
    // caller reports as bad options; inside the stage they would become file:line errors
    // about the generated text.
    { [[maybe_unused]] const retrieve::Bm25Retriever check(index, options); }

    Bm25StageSpec stage = spec;
    stage.k = std::min<std::size_t>(spec.k, std::max<std::size_t>(1, index.num_docs()));
    Pipeline pipeline = Pipeline::parse(bm25_pipeline_yaml(stage), kLabel, index, threads);
    if (pipeline.name() != spec.name) {
        throw UsageError(
            fmt::format("run tag '{}' cannot be written in a pipeline file (it "
                        "must be valid UTF-8)",
                        spec.name));
    }
    // The text round-trips by construction; a stage that reads it otherwise is a bug.
    const retrieve::Bm25Retriever* built = pipeline.branches().front().head().bm25();
    CASCADE_ASSERT(built != nullptr);
    CASCADE_ASSERT(built->options().params.k1 == spec.params.k1 &&
                   built->options().params.b == spec.params.b);
    CASCADE_ASSERT(built->options().algorithm == spec.algorithm);
    CASCADE_ASSERT(spec.fields.empty() || built->options().fields.size() == spec.fields.size());
    for (std::size_t i = 0; i < spec.fields.size(); ++i) {
        CASCADE_ASSERT(built->options().fields[i].name == spec.fields[i].name &&
                       built->options().fields[i].weight == spec.fields[i].weight);
    }
    return pipeline;
}

}  // namespace cascade::pipeline
