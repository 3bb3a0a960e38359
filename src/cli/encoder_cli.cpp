#include "cli/encoder_cli.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/line_reader.hpp"

namespace cascade::cli {

void add_model_options(CLI::App* cmd, runtime::ModelOptions& options,
                       std::initializer_list<std::string_view> skip) {
    for (const runtime::ModelOptionInfo& info : runtime::model_option_infos()) {
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

runtime::PoolOptions command_pool_options(std::size_t threads) {
    runtime::PoolOptions options;
    options.scheduling.threads = std::max<std::size_t>(1, threads);
    options.scheduling.max_wait = std::chrono::microseconds(0);
    options.scheduling.max_queue = std::size_t{1} << 30;
    return options;
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

std::vector<std::vector<std::string>> read_jsonl_strings(const std::string& path,
                                                         const std::vector<std::string>& keys) {
    std::vector<std::string> shapes;
    for (const std::string& key : keys) {
        shapes.push_back(fmt::format("\"{}\": ...", key));
    }
    const std::string expected = fmt::format("{{{}}}", fmt::join(shapes, ", "));
    LineReader reader(path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (reader.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            reader.fail("malformed JSON (expected " + expected + ")");
        }
        std::vector<std::string> row;
        for (const std::string& key : keys) {
            if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
                reader.fail(fmt::format("missing string field \"{}\"", key));
            }
            auto value = j[key].get<std::string>();
            if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
                reader.fail(fmt::format("empty {}", key));
            }
            row.push_back(std::move(value));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace cascade::cli
