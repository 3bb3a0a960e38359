#pragma once
/// What `cascade rerank`, `cascade embed` and `cascade serve` share: the model options and
/// the JSONL input.

#include <initializer_list>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include <cascade/model.hpp>

namespace cascade::cli {

/// Options of a subcommand that runs a model folder over a JSONL file.
struct EncoderArgs {
    ModelOptions model;
    std::string input;
};

/// Adds one command-line option per model option of the runtime's table (`--max-length`,
/// `--int8`, `--precision`, `--device`, `--batch-size`, `--threads`), each setting `options`
/// through ModelOptions::set, except the keys in `skip` and `model`.
void add_model_options(CLI::App* cmd, ModelOptions& options,
                       std::initializer_list<std::string_view> skip = {});

/// Adds --model, --input and the model options to `cmd`.
void add_encoder_options(CLI::App* cmd, EncoderArgs& args, const std::string& model_help,
                         const std::string& input_help);

}  // namespace cascade::cli
