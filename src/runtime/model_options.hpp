#pragma once
/// How a model is loaded and run: the one place that knows every model option, its default,
/// its check and its help text. The CLI (`--int8`, `--max-length`, ...), pipeline files
/// (`{type: cross_encoder, int8: true, max_length: 256}`) and `cascade serve` all set options
/// through ModelOptions::set(), so an option added here is available everywhere. The value
/// types are public (cascade/model.hpp); the runtime names them as its own.

#include <cascade/model.hpp>

namespace cascade::runtime {

using cascade::Device;
using cascade::model_option_infos;
using cascade::ModelOptionInfo;
using cascade::ModelOptions;
using cascade::Precision;
using cascade::to_string;

/// Whether this build has a GPU backend (CASCADE_CUDA); false in the default build.
[[nodiscard]] bool has_gpu_backend();

/// The device a model with `requested` runs on here: Cpu for Cpu and for Auto without a GPU
/// backend. Throws UsageError for Cuda in a build or on a machine without one.
[[nodiscard]] Device resolve_device(Device requested);

}  // namespace cascade::runtime
