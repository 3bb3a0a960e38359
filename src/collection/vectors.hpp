#pragma once
/// Vectors computed elsewhere (any model, any modality), read for a dense index or as query
/// vectors: NumPy `.npy` (float32 or float16, C order, 2-D), `.fvecs` (the ann-benchmarks /
/// TEXMEX layout: per vector an int32 dimension, then that many float32), and JSON lines
/// `{"id": "...", "vector": [...]}` (`.jsonl`, optionally gzipped). Only JSONL carries ids; the
/// other two are in collection (document) or query-file order.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cascade {

struct VectorSet {
    std::uint32_t dim = 0;
    std::vector<float> values;     ///< size() * dim floats, row after row
    std::vector<std::string> ids;  ///< one per row for JSONL, empty otherwise
    [[nodiscard]] std::size_t size() const { return dim == 0 ? 0 : values.size() / dim; }
};

/// Reads `path` by its extension (.npy, .fvecs, .jsonl / .jsonl.gz). Throws InputError naming
/// the file (and line or vector) for a wrong shape or dtype, rows of different lengths,
/// non-numbers, NaN/Inf and missing or repeated ids; IoError when it cannot be read.
[[nodiscard]] VectorSet read_vectors(const std::filesystem::path& path);

}  // namespace cascade
