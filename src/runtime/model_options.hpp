#pragma once
/// How a model is loaded and run: the one place that knows every model option, its default,
/// its check and its help text. The CLI (`--int8`, `--max-length`, ...), pipeline files
/// (`{type: cross_encoder, int8: true, max_length: 256}`) and `cascade serve` all set options
/// through ModelOptions::set(), so an option added here is available everywhere.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace cascade::runtime {

/// Numeric precision of the linear layers.
enum class Precision {
    Fp32,  ///< the weights as stored, computed in fp32
    Int8,  ///< dynamic int8 quantization of the encoder's linear layers (docs/model.md)
};

/// Where the forward passes run. `Auto` picks a GPU when the build has a GPU backend and a
/// device is present, else the CPU.
enum class Device { Cpu, Cuda, Auto };

/// One model option as the user sees it: key (`max_length`; `--max-length` on the command
/// line), the default in words, and what it does.
struct ModelOptionInfo {
    std::string_view key;
    std::string_view default_text;
    std::string_view help;
    bool is_flag = false;  ///< a boolean: `--int8` on the command line, `int8: true` in YAML
};

/// Every model option, in the order --help lists them.
[[nodiscard]] std::span<const ModelOptionInfo> model_option_infos();

/// What identifies a loaded model (ModelOptions::key) plus how to run it. Models are shared
/// by key: two callers asking for the same folder with the same precision, maximum length and
/// device get one copy; `batch_size` and `threads` tune the copy the first caller loaded.
struct ModelOptions {
    std::filesystem::path dir;  ///< Hugging Face model folder
    Precision precision = Precision::Fp32;
    std::size_t max_length = 0;  ///< tokens per sequence; 0 = tokenizer/model limit
    Device device = Device::Cpu;
    std::size_t batch_size = 32;  ///< sequences per forward pass
    std::size_t threads = 0;      ///< forward-pass threads; 0 = the pool's default
    /// LLM re-rankers: the task instruction of the prompt (`<Instruct>: ...`). Not part of
    /// key(): it changes the prompt, not the weights, so callers with different instructions
    /// share one copy and each request carries its caller's instruction.
    std::string instruction = "Given a web search query, retrieve relevant passages that answer "
                              "the query";
    /// LLM re-rankers: the vocabulary entries whose logits are compared (score = logit(yes) -
    /// logit(no)). Part of key(): they choose the output rows the loaded copy computes.
    std::string yes_token = "yes";
    std::string no_token = "no";

    /// Sets option `key` from its text form (a CLI value or a YAML scalar): `int8` takes
    /// true/false, `precision` fp32/int8, `device` cpu/cuda/auto, `max_length`, `batch_size`
    /// and `threads` whole numbers, `instruction`, `yes_token` and `no_token` non-empty text.
    /// Throws UsageError naming the key and the accepted values.
    void set(std::string_view key, std::string_view value);
    /// True when `key` is a model option.
    [[nodiscard]] static bool is_option(std::string_view key);

    /// The sharing key: the folder's canonical path, precision, max_length and device (and
    /// yes_token / no_token when not the defaults).
    [[nodiscard]] std::string key() const;
};

[[nodiscard]] std::string_view to_string(Precision precision);
[[nodiscard]] std::string_view to_string(Device device);

/// Whether this build has a GPU backend (CASCADE_CUDA); false in the default build.
[[nodiscard]] bool has_gpu_backend();

/// The device a model with `requested` runs on here: Cpu for Cpu and for Auto without a GPU
/// backend. Throws UsageError for Cuda in a build or on a machine without one.
[[nodiscard]] Device resolve_device(Device requested);

}  // namespace cascade::runtime
