#pragma once
/// What `cascade rerank` and `cascade embed` share: the model options and the JSONL input.

#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "model/encoder.hpp"

namespace cascade::cli {

/// Options of a subcommand that runs an encoder model folder over a JSONL file.
struct EncoderArgs {
    std::string model;
    std::string input;
    std::size_t batch_size = 32;
    std::size_t max_length = 0;
    int threads = 1;
    bool int8 = false;

    [[nodiscard]] model::EncoderOptions options() const {
        return model::EncoderOptions{batch_size, threads, int8};
    }
};

/// Adds --model, --input, --batch-size, --max-length, --threads and --int8 to `cmd`; `unit`
/// names one input line ("pairs", "texts") in the help.
void add_encoder_options(CLI::App* cmd, EncoderArgs& args, const std::string& model_help,
                         const std::string& input_help, const std::string& unit);

/// Reads JSONL lines that each hold every key of `keys` as a non-blank string, returning the
/// values in key order; blank lines are skipped. Malformed JSON, a missing or non-string
/// field and a blank value are InputErrors at `file:line`.
[[nodiscard]] std::vector<std::vector<std::string>> read_jsonl_strings(
    const std::string& path, const std::vector<std::string>& keys);

}  // namespace cascade::cli
