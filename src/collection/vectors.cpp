#include "collection/vectors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade {
namespace {

std::vector<char> read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError::from_errno("cannot open", path.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_finite(const VectorSet& set, const std::string& name) {
    for (std::size_t i = 0; i < set.values.size(); ++i)
        if (!std::isfinite(set.values[i]))
            throw InputError(name, fmt::format("vector {} (0-based), value {}: not a finite number",
                                               i / set.dim, i % set.dim));
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000U) << 16;
    std::uint32_t exp = (h >> 10) & 0x1fU;
    std::uint32_t mant = h & 0x3ffU;
    std::uint32_t bits = 0;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400U) == 0) {
                mant <<= 1;
                --exp;
            }
            bits = sign | (exp << 23) | ((mant & 0x3ffU) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000U | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f = 0;
    std::memcpy(&f, &bits, 4);
    return f;
}

/// NumPy format 1.0-3.0: magic, version, header length, a Python dict literal header.
VectorSet read_npy(const std::filesystem::path& path) {
    const std::string name = path.string();
    const std::vector<char> bytes = read_all(path);
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
        throw InputError(name, "not a .npy file (no \\x93NUMPY magic)");
    const auto major = static_cast<std::uint8_t>(bytes[6]);
    std::size_t header_len = 0;
    std::size_t at = 0;
    if (major == 1) {
        header_len = static_cast<std::uint8_t>(bytes[8]) |
                     (static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[9])) << 8);
        at = 10;
    } else {
        if (bytes.size() < 12)
            throw InputError(name, "truncated .npy header");
        std::uint32_t n = 0;
        std::memcpy(&n, bytes.data() + 8, 4);
        header_len = n;
        at = 12;
    }
    if (at + header_len > bytes.size())
        throw InputError(name, "truncated .npy header");
    const std::string header(bytes.data() + at, header_len);
    at += header_len;
    auto field = [&](const std::string& key) {
        const auto k = header.find("'" + key + "'");
        if (k == std::string::npos)
            throw InputError(name, "npy header has no '" + key + "': " + header);
        return header.substr(header.find(':', k) + 1);
    };
    const std::string descr = field("descr");
    const bool f32 = descr.find("'<f4'") == 0 || descr.find(" '<f4'") == 0;
    const bool f16 = descr.find("'<f2'") == 0 || descr.find(" '<f2'") == 0;
    if (!f32 && !f16)
        throw InputError(name,
                         "dtype must be little-endian float32 ('<f4') or float16 ('<f2'), "
                         "the header says " +
                             header);
    if (field("fortran_order").find("True") < field("fortran_order").find(','))
        throw InputError(name, "Fortran-ordered arrays are not read; save with C order");
    const std::string shape = field("shape");
    const auto open = shape.find('(');
    const auto close = shape.find(')');
    std::vector<std::uint64_t> dims;
    std::string cur;
    for (std::size_t i = open + 1; i < close; ++i) {
        if (std::isdigit(static_cast<unsigned char>(shape[i])) != 0) {
            cur += shape[i];
        } else if (!cur.empty()) {
            dims.push_back(std::stoull(cur));
            cur.clear();
        }
    }
    if (!cur.empty())
        dims.push_back(std::stoull(cur));
    if (dims.size() != 2 || dims[1] == 0 || dims[1] > 65536)
        throw InputError(name,
                         "shape must be (count, dimension) with 1 <= dimension <= 65536, "
                         "the header says " +
                             shape.substr(open, close - open + 1));
    const std::size_t elem = f32 ? 4 : 2;
    const std::uint64_t n = dims[0] * dims[1];
    if (bytes.size() - at != n * elem)
        throw InputError(name, fmt::format("{} data bytes for shape ({}, {}) of {}-byte floats",
                                           bytes.size() - at, dims[0], dims[1], elem));
    VectorSet set;
    set.dim = static_cast<std::uint32_t>(dims[1]);
    set.values.resize(n);
    if (f32) {
        std::memcpy(set.values.data(), bytes.data() + at, n * 4);
    } else {
        for (std::uint64_t i = 0; i < n; ++i) {
            std::uint16_t h = 0;
            std::memcpy(&h, bytes.data() + at + i * 2, 2);
            set.values[i] = half_to_float(h);
        }
    }
    check_finite(set, name);
    return set;
}

VectorSet read_fvecs(const std::filesystem::path& path) {
    const std::string name = path.string();
    const std::vector<char> bytes = read_all(path);
    VectorSet set;
    std::size_t at = 0;
    std::size_t row = 0;
    while (at < bytes.size()) {
        if (bytes.size() - at < 4)
            throw InputError(name, fmt::format("vector {}: truncated dimension", row));
        std::int32_t d = 0;
        std::memcpy(&d, bytes.data() + at, 4);
        at += 4;
        if (d <= 0 || d > 65536)
            throw InputError(name, fmt::format("vector {}: dimension {} (1..65536)", row, d));
        if (set.dim == 0)
            set.dim = static_cast<std::uint32_t>(d);
        if (static_cast<std::uint32_t>(d) != set.dim)
            throw InputError(name, fmt::format("vector {}: dimension {}, the first vector has {}",
                                               row, d, set.dim));
        if (bytes.size() - at < set.dim * 4ULL)
            throw InputError(name, fmt::format("vector {}: truncated values", row));
        const std::size_t old = set.values.size();
        set.values.resize(old + set.dim);
        std::memcpy(set.values.data() + old, bytes.data() + at, set.dim * 4ULL);
        at += set.dim * 4ULL;
        ++row;
    }
    check_finite(set, name);
    return set;
}

VectorSet read_jsonl_vectors(const std::filesystem::path& path) {
    LineReader reader(path.string());
    VectorSet set;
    std::unordered_set<std::string> seen;
    std::string line;
    while (reader.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            reader.fail(std::string("not JSON: ") + e.what());
        }
        if (!j.is_object() || !j.contains("id") || !j.contains("vector"))
            reader.fail(R"(expected {"id": "...", "vector": [numbers]})");
        std::string id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
        const auto& v = j["vector"];
        if (!v.is_array() || v.empty())
            reader.fail("field \"vector\": expected a non-empty array of numbers");
        if (set.dim == 0)
            set.dim = static_cast<std::uint32_t>(v.size());
        if (v.size() != set.dim)
            reader.fail(fmt::format("field \"vector\": {} values, earlier lines have {}", v.size(),
                                    set.dim));
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_number())
                reader.fail(fmt::format("field \"vector\", value {}: not a number", i));
            const auto x = v[i].get<double>();
            if (!std::isfinite(x) || std::fabs(x) > 3.4e38)
                reader.fail(fmt::format("field \"vector\", value {}: not a finite float", i));
            set.values.push_back(static_cast<float>(x));
        }
        if (!seen.insert(id).second)
            reader.fail("id \"" + id + "\" appears twice");
        set.ids.push_back(std::move(id));
    }
    return set;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

VectorSet read_vectors(const std::filesystem::path& path) {
    const std::string name = path.string();
    if (ends_with(name, ".npy"))
        return read_npy(path);
    if (ends_with(name, ".fvecs"))
        return read_fvecs(path);
    if (ends_with(name, ".jsonl") || ends_with(name, ".jsonl.gz") || ends_with(name, ".json"))
        return read_jsonl_vectors(path);
    throw InputError(name, "unknown vector file type (.npy, .fvecs or .jsonl[.gz])");
}

}  // namespace cascade
