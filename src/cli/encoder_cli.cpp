#include "encoder_cli.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cascade::cli {

void add_model_options(CLI::App* cmd, ModelOptions& options,
                       std::initializer_list<std::string_view> skip) {
    for (const ModelOptionInfo& info : model_option_infos()) {
        if (info.key == "model" || std::find(skip.begin(), skip.end(), info.key) != skip.end())
            continue;
        std::string flag = "--" + std::string(info.key);
        std::replace(flag.begin(), flag.end(), '_', '-');
        const std::string help = fmt::format("{} (default {})", info.help, info.default_text);
        const std::string key(info.key);
        if (info.is_flag) {
            cmd->add_flag_callback(
                flag, [&options, key] { options.set(key, "true"); }, help);
        } else {
            cmd->add_option_function<std::string>(
                flag, [&options, key](const std::string& value) { options.set(key, value); }, help);
        }
    }
}

void add_encoder_options(CLI::App* cmd, EncoderArgs& args, const std::string& model_help,
                         const std::string& input_help) {
    cmd->add_option_function<std::string>(
           "--model", [&args](const std::string& dir) { args.model.dir = dir; }, model_help)
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--input", args.input, input_help)->required()->check(CLI::ExistingFile);
    add_model_options(cmd, args.model);
}

}  // namespace cascade::cli
