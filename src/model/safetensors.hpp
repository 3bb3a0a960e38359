#pragma once
/// Reader for Hugging Face safetensors files, single or sharded.
///
/// Format (https://huggingface.co/docs/safetensors, "Format" section): an 8-byte little-endian
/// header length N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets}, then
/// the raw tensor bytes; offsets are relative to the byte after the header. Every field is
/// validated against the file size before any tensor byte is touched, so a truncated or lying
/// file raises CorruptionError naming the file and the tensor, never reads past the mapping.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/tensor.hpp"

namespace cascade::model {

/// Element types found in safetensors files. Only F32, F16 and BF16 can be loaded.
enum class DType { F32, F16, BF16, Other };

/// Where one tensor lives inside a file.
struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::string dtype_name;  ///< as spelled in the header, for messages
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;  ///< absolute byte offset in the file
    std::uint64_t end = 0;    ///< one past the last byte
};

/// A memory-mapped safetensors file with a validated header.
class SafetensorsFile {
public:
    /// Maps and validates `path`; throws IoError when it cannot be opened and CorruptionError
    /// when the header is malformed or inconsistent with the file size.
    explicit SafetensorsFile(std::filesystem::path path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] bool contains(const std::string& name) const { return m_tensors.contains(name); }
    [[nodiscard]] const TensorInfo& info(const std::string& name) const;
    [[nodiscard]] std::vector<std::string> names() const;
    /// Converts the tensor to fp32 (F16 and BF16 are widened exactly).
    [[nodiscard]] Tensor load(const std::string& name) const;

private:
    void parse_header();

    std::filesystem::path m_path;
    const std::uint8_t* m_map = nullptr;
    std::uint64_t m_size = 0;
    std::map<std::string, TensorInfo> m_tensors;
};

/// All the tensors of a model folder: `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json` ("weight_map": tensor name -> shard file).
class WeightStore {
public:
    /// Opens the weights of the model folder `dir`; throws Error when neither file exists.
    explicit WeightStore(const std::filesystem::path& dir);
    /// Opens one safetensors file.
    static WeightStore from_file(const std::filesystem::path& file);

    [[nodiscard]] bool contains(const std::string& name) const;
    /// Loads `name` as fp32 and checks its shape; throws Error naming the tensor when it is
    /// missing or shaped differently.
    [[nodiscard]] Tensor load(const std::string& name,
                              const std::vector<std::int64_t>& expected_shape) const;
    [[nodiscard]] std::vector<std::string> names() const;
    /// Description for messages ("dir/model.safetensors" or the index file).
    [[nodiscard]] const std::string& source() const { return m_source; }

private:
    WeightStore() = default;
    std::vector<std::unique_ptr<SafetensorsFile>> m_files;
    std::map<std::string, const SafetensorsFile*> m_owner;
    std::string m_source;
};

/// IEEE half -> float, exact.
[[nodiscard]] float half_to_float(std::uint16_t h);
/// bfloat16 -> float, exact.
[[nodiscard]] inline float bf16_to_float(std::uint16_t h) {
    std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
    float f;
    __builtin_memcpy(&f, &bits, 4);
    return f;
}

}  // namespace cascade::model
