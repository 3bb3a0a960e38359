#include "rerank/model_params.hpp"

#include "index/index.hpp"

namespace cascade::rerank {

runtime::ModelOptions read_model_options(StageParams& params, bool required) {
    runtime::ModelOptions options;
    for (const runtime::ModelOptionInfo& info : runtime::model_option_infos()) {
        std::string value;
        if (info.key == "model" && required) {
            value = params.required_string("model");
        } else if (!params.has(info.key)) {
            (void)params.node(info.key);  // accepted even when absent
            continue;
        } else if (info.is_flag) {
            value = params.flag(info.key, false) ? "true" : "false";
        } else {
            value = params.string(info.key, "");
        }
        try {
            options.set(info.key, value);
        } catch (const UsageError& e) {
            throw params.error(info.key, e.what());
        }
    }
    return options;
}

std::shared_ptr<runtime::LoadedModel> stage_model(StageParams& params, const StageEnv& env,
                                                  const runtime::ModelOptions& options,
                                                  runtime::Task task) {
    CASCADE_ASSERT(env.models != nullptr);
    try {
        return env.models->get(options, task);
    } catch (const Error& e) {
        throw params.error(params.has("device") ? "device" : "model", e.what());
    }
}

std::string document_text(const index::Index& index, std::uint32_t docid) {
    Document d = index.document(docid);
    return d.title.empty() ? d.text : d.title + " " + d.text;
}

}  // namespace cascade::rerank
