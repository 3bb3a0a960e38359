#include "runtime/model_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

#include "runtime/chat_format.hpp"
#include "util/error.hpp"

namespace cascade {
namespace {

constexpr std::array<ModelOptionInfo, 12> kInfos{{
    {"max_length", "tokenizer/model limit", "tokens per sequence incl. special tokens"},
    {"int8", "false", "dynamic int8 quantization of the linear layers (= precision int8)", true},
    {"precision", "fp32", "fp32, int8 or bf16"},
    {"device", "cpu", "cpu, cuda or auto (GPU when the build and machine have one)"},
    {"batch_size", "32", "sequences per forward pass"},
    {"threads", "all the command's threads", "forward-pass threads"},
    {"model", "", "Hugging Face model folder"},
    {"instruction",
     "\"Given a web search query, retrieve relevant passages that answer the query\"",
     "LLM re-rankers: the task instruction in the prompt"},
    {"yes_token", "yes", "LLM re-rankers: the token whose logit means relevant"},
    {"no_token", "no", "LLM re-rankers: the token whose logit means not relevant"},
    {"evidence_tokens", "0",
     "LLM yes/no re-rankers: after a yes verdict, generate up to N tokens of evidence"},
    {"chat_template", "auto",
     "LLM re-rankers: prompt chat format, chatml (Qwen) or llama3; auto reads the tokenizer"},
}};

std::size_t whole(std::string_view key, std::string_view value, std::size_t min, std::size_t max) {
    std::size_t out = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, out);
    if (ec != std::errc{} || ptr != end || out < min || out > max)
        throw UsageError(
            fmt::format("{}: expected a whole number in [{}, {}], got '{}'", key, min, max, value));
    return out;
}

}  // namespace

std::span<const ModelOptionInfo> model_option_infos() {
    return kInfos;
}

bool ModelOptions::is_option(std::string_view key) {
    return std::ranges::any_of(kInfos,
                               [&](const ModelOptionInfo& info) { return info.key == key; });
}

void ModelOptions::set(std::string_view key, std::string_view value) {
    if (key == "model") {
        dir = std::filesystem::path(std::string(value));
    } else if (key == "max_length") {
        max_length = whole(key, value, 0, std::size_t{1} << 16);
    } else if (key == "batch_size") {
        batch_size = whole(key, value, 1, 4096);
    } else if (key == "evidence_tokens") {
        evidence_tokens = whole(key, value, 0, 4096);
    } else if (key == "threads") {
        threads = whole(key, value, 1, 1024);
    } else if (key == "int8") {
        if (value != "true" && value != "false")
            throw UsageError(fmt::format("int8: expected true or false, got '{}'", value));
        precision = value == "true" ? Precision::Int8 : Precision::Fp32;
    } else if (key == "precision") {
        if (value == "fp32")
            precision = Precision::Fp32;
        else if (value == "int8")
            precision = Precision::Int8;
        else if (value == "bf16")
            precision = Precision::Bf16;
        else
            throw UsageError(
                fmt::format("precision: expected fp32, int8 or bf16, got '{}'", value));
    } else if (key == "device") {
        if (value == "cpu")
            device = Device::Cpu;
        else if (value == "cuda")
            device = Device::Cuda;
        else if (value == "auto")
            device = Device::Auto;
        else
            throw UsageError(fmt::format("device: expected cpu, cuda or auto, got '{}'", value));
    } else if (key == "chat_template") {
        chat_template = std::string(runtime::to_string(runtime::parse_chat_template(value)));
    } else if (key == "instruction" || key == "yes_token" || key == "no_token") {
        if (value.empty())
            throw UsageError(fmt::format("{}: must not be empty", key));
        (key == "instruction" ? instruction : key == "yes_token" ? yes_token : no_token) = value;
    } else {
        throw UsageError(fmt::format("unknown model option '{}'", key));
    }
}

std::string ModelOptions::key() const {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    if (ec)
        canonical = dir;
    canonical = canonical.lexically_normal();
    if (!canonical.has_filename() && canonical.has_parent_path())
        canonical = canonical.parent_path();  // "models/minilm/" is "models/minilm"
    std::string out = fmt::format("{}|{}|{}|{}", canonical.string(), to_string(precision),
                                  max_length, to_string(runtime::resolve_device(device)));
    if (yes_token != "yes" || no_token != "no")
        out += fmt::format("|{}|{}", yes_token, no_token);
    if (chat_template != "auto")
        out += fmt::format("|{}", chat_template);
    return out;
}

std::string_view to_string(Precision precision) {
    switch (precision) {
        case Precision::Int8:
            return "int8";
        case Precision::Bf16:
            return "bf16";
        case Precision::Fp32:
            break;
    }
    return "fp32";
}

std::string_view to_string(Device device) {
    switch (device) {
        case Device::Cpu:
            return "cpu";
        case Device::Cuda:
            return "cuda";
        case Device::Auto:
            return "auto";
    }
    return "cpu";
}

}  // namespace cascade

namespace cascade::runtime {

bool has_gpu_backend() {
#ifdef CASCADE_CUDA
    return true;
#else
    return false;
#endif
}

Device resolve_device(Device requested) {
    if (requested == Device::Cuda && !has_gpu_backend())
        throw UsageError(
            "device cuda: this build of cascade has no GPU backend (configure with "
            "-DCASCADE_CUDA=ON on a machine with the CUDA toolkit), use device cpu or auto");
    if (requested == Device::Auto)
        return has_gpu_backend() ? Device::Cuda : Device::Cpu;
    return requested;
}

}  // namespace cascade::runtime
