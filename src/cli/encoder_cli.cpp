#include "cli/encoder_cli.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/line_reader.hpp"

namespace cascade::cli {

void add_encoder_options(CLI::App* cmd, EncoderArgs& args, const std::string& model_help,
                         const std::string& input_help, const std::string& unit) {
    cmd->add_option("--model", args.model, model_help)->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--input", args.input, input_help)->required()->check(CLI::ExistingFile);
    cmd->add_option("--batch-size", args.batch_size, unit + " per forward pass")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-length", args.max_length,
                    "tokens per " + unit.substr(0, unit.size() - 1) +
                        " incl. special tokens (default: tokenizer/model limit)");
    cmd->add_option("--threads", args.threads, "CPU threads")->check(CLI::PositiveNumber);
    cmd->add_flag("--int8", args.int8, "dynamic int8 quantization of the linear layers");
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
