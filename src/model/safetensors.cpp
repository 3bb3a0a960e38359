#include "model/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cascade::model {
namespace {

// Headers of real models are a few hundred KiB; anything this large is a lying length field.
constexpr std::uint64_t kMaxHeaderBytes = 100ULL << 20;

std::size_t dtype_bytes(const std::string& name) {
    if (name == "F64" || name == "I64" || name == "U64")
        return 8;
    if (name == "F32" || name == "I32" || name == "U32")
        return 4;
    if (name == "F16" || name == "BF16" || name == "I16" || name == "U16")
        return 2;
    if (name == "I8" || name == "U8" || name == "BOOL" || name == "F8_E4M3" || name == "F8_E5M2")
        return 1;
    return 0;
}

DType parse_dtype(const std::string& name) {
    if (name == "F32")
        return DType::F32;
    if (name == "F16")
        return DType::F16;
    if (name == "BF16")
        return DType::BF16;
    return DType::Other;
}

}  // namespace

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    std::uint32_t exponent = (h >> 10) & 0x1fu;
    std::uint32_t mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);  // inf / nan
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        exponent = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            --exponent;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

SafetensorsFile::SafetensorsFile(std::filesystem::path path) : m_path(std::move(path)) {
    int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw IoError::from_errno("cannot open safetensors file", m_path.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw IoError::from_errno("cannot stat", m_path.string());
    }
    m_size = static_cast<std::uint64_t>(st.st_size);
    if (m_size > 0) {
        void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            ::close(fd);
            throw IoError::from_errno("cannot mmap", m_path.string());
        }
        m_map = static_cast<const std::uint8_t*>(p);
    }
    ::close(fd);
    try {
        parse_header();
    } catch (...) {
        if (m_map)
            ::munmap(const_cast<std::uint8_t*>(m_map), m_size);
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map)
        ::munmap(const_cast<std::uint8_t*>(m_map), m_size);
}

void SafetensorsFile::parse_header() {
    const std::string file = m_path.string();
    if (m_size < 8)
        throw CorruptionError(
            fmt::format("{}: truncated safetensors file ({} bytes, no header)", file, m_size));
    std::uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i)
        header_len = (header_len << 8) | m_map[i];
    if (header_len > kMaxHeaderBytes || header_len > m_size - 8)
        throw CorruptionError(fmt::format(
            "{}: safetensors header length {} exceeds the file size {} (truncated or corrupt)",
            file, header_len, m_size));
    const char* text = reinterpret_cast<const char*>(m_map + 8);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text, text + header_len);
    } catch (const nlohmann::json::exception& e) {
        throw CorruptionError(
            fmt::format("{}: safetensors header is not valid JSON: {}", file, e.what()));
    }
    if (!header.is_object())
        throw CorruptionError(fmt::format("{}: safetensors header is not a JSON object", file));
    const std::uint64_t data_start = 8 + header_len;
    const std::uint64_t data_size = m_size - data_start;
    for (const auto& item : header.items()) {
        // Not a structured binding: clang (and so clang-tidy) 14 cannot capture one in `bad`.
        const std::string& name = item.key();
        const auto& entry = item.value();
        if (name == "__metadata__")
            continue;
        auto bad = [&](const std::string& why) {
            return CorruptionError(fmt::format("{}: tensor '{}': {}", file, name, why));
        };
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets"))
            throw bad("entry needs dtype, shape and data_offsets");
        const auto& dt = entry["dtype"];
        const auto& shape = entry["shape"];
        const auto& offsets = entry["data_offsets"];
        if (!dt.is_string())
            throw bad("dtype is not a string");
        if (!shape.is_array())
            throw bad("shape is not an array");
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            throw bad("data_offsets must be two non-negative integers");
        TensorInfo info;
        info.name = name;
        info.dtype_name = dt.get<std::string>();
        info.dtype = parse_dtype(info.dtype_name);
        const std::size_t elem = dtype_bytes(info.dtype_name);
        if (elem == 0)
            throw bad("unknown dtype '" + info.dtype_name + "'");
        std::uint64_t count = 1;
        for (const auto& d : shape) {
            if (!d.is_number_unsigned())
                throw bad("shape has a non-integer or negative dim");
            auto v = d.get<std::uint64_t>();
            if (v != 0 && count > std::numeric_limits<std::uint64_t>::max() / 16 / v)
                throw bad("shape is too large");
            count *= v;
            info.shape.push_back(static_cast<std::int64_t>(v));
        }
        const auto b = offsets[0].get<std::uint64_t>();
        const auto e = offsets[1].get<std::uint64_t>();
        if (b > e)
            throw bad(fmt::format("data_offsets [{}, {}] are reversed", b, e));
        if (e > data_size)
            throw bad(
                fmt::format("data_offsets end {} lies past the end of the data ({} bytes; "
                            "file truncated?)",
                            e, data_size));
        if (e - b != count * elem)
            throw bad(fmt::format("data_offsets span {} bytes but shape {} of {} needs {}", e - b,
                                  Tensor::shape_string(info.shape), info.dtype_name, count * elem));
        info.begin = data_start + b;
        info.end = data_start + e;
        m_tensors.emplace(name, std::move(info));
    }
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
    auto it = m_tensors.find(name);
    if (it == m_tensors.end())
        throw Error(fmt::format("{}: no tensor named '{}'", m_path.string(), name));
    return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : m_tensors)
        out.push_back(name);
    return out;
}

Tensor SafetensorsFile::load(const std::string& name) const {
    const TensorInfo& ti = info(name);
    CASCADE_ASSERT(ti.end <= m_size && ti.begin <= ti.end);
    const std::uint8_t* src = m_map + ti.begin;
    const std::size_t n = Tensor::element_count(ti.shape);
    std::vector<float> out(n);
    switch (ti.dtype) {
        case DType::F32:
            std::memcpy(out.data(), src, n * 4);
            break;
        case DType::F16:
        case DType::BF16:
            for (std::size_t i = 0; i < n; ++i) {
                std::uint16_t h;
                std::memcpy(&h, src + 2 * i, 2);
                out[i] = ti.dtype == DType::F16 ? half_to_float(h) : bf16_to_float(h);
            }
            break;
        case DType::Other:
            throw Error(
                fmt::format("{}: tensor '{}' has dtype {}; only F32, F16 and BF16 "
                            "weights can be loaded",
                            m_path.string(), name, ti.dtype_name));
    }
    return Tensor(ti.shape, std::move(out));
}

}  // namespace cascade::model
