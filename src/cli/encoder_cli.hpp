#pragma once
/// What `cascade rerank` and `cascade embed` share: the model options and the JSONL input.

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "runtime/model_pool.hpp"

namespace cascade::cli {

/// Options of a subcommand that runs a model folder over a JSONL file.
struct EncoderArgs {
    runtime::ModelOptions model;
    std::string input;
};

/// Adds one command-line option per model option of the runtime's table (`--max-length`,
/// `--int8`, `--precision`, `--device`, `--batch-size`, `--threads`), each setting `options`
/// through ModelOptions::set, except the keys in `skip` and `model`.
void add_model_options(CLI::App* cmd, runtime::ModelOptions& options,
                       std::initializer_list<std::string_view> skip = {});

/// The pool options of a command that runs one batch of work and exits (rerank, embed, run):
/// no waiting for company and no queue limit, since every request comes from this process.
[[nodiscard]] runtime::PoolOptions command_pool_options(std::size_t threads = 1);

/// Adds --model, --input and the model options to `cmd`.
void add_encoder_options(CLI::App* cmd, EncoderArgs& args, const std::string& model_help,
                         const std::string& input_help);

/// Reads JSONL lines that each hold every key of `keys` as a non-blank string, returning the
/// values in key order; blank lines are skipped. Malformed JSON, a missing or non-string
/// field and a blank value are InputErrors at `file:line`.
[[nodiscard]] std::vector<std::vector<std::string>> read_jsonl_strings(
    const std::string& path, const std::vector<std::string>& keys);

}  // namespace cascade::cli
