#pragma once
/// The dense part of an index: one vector per document (internal docid order), searched exactly
/// (fp32, or int8 codes re-scored in fp32) or through an HNSW graph. It lives in the folder
/// `dense/` of an index, written atomically beside the inverted files without touching them, and
/// is bound to its index by the document count and a fingerprint of the external ids, so a dense
/// part never answers for another collection. Layout: docs/formats/index.md ("Dense part").
///
/// Scores are inner products; with the cosine metric the vectors are unit-normalised at build
/// time and queries by prepare_query(), so the inner product is the cosine.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/hnsw.hpp"
#include "index/index.hpp"

namespace cascade::index {

enum class VectorMetric : std::uint8_t { InnerProduct = 0, Cosine = 1 };

[[nodiscard]] std::string_view to_string(VectorMetric metric);
/// "ip" / "inner_product" / "cosine"; UsageError otherwise.
[[nodiscard]] VectorMetric parse_vector_metric(std::string_view name);

/// The folder of an index's dense part.
[[nodiscard]] std::filesystem::path dense_dir(const std::filesystem::path& index_dir);

/// FNV-1a (64 bits) over the external ids in docid order, each followed by a 0 byte: binds a
/// dense part to the index whose documents it holds.
[[nodiscard]] std::uint64_t docid_fingerprint(const Index& index);

struct DenseBuildOptions {
    VectorMetric metric = VectorMetric::Cosine;
    bool int8 = true;  ///< also store int8 codes (a quarter of the bytes) for the int8 scan
    bool hnsw = true;  ///< build the HNSW graph
    HnswParams hnsw_params;
    std::size_t threads = 1;
    /// What made the vectors (the embedder's folder and fingerprint, or "vectors:FILE"):
    /// queries must be embedded the same way; recorded and shown, compared by callers.
    std::string embedder;
    std::uint64_t ids_fingerprint = 0;  ///< docid_fingerprint of the index, 0 for none
    /// Where the vectors came from, for error messages ("vector 12 of FILE").
    std::string source = "vectors";
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

/// Writes a dense part for `count` = vectors.size() / dim vectors into `dir` (replaced
/// atomically: an existing dense part stays until the new one is complete). Throws InputError
/// naming the vector on NaN/Inf, UsageError on a zero dimension or a size that is not a multiple.
void write_dense(const std::filesystem::path& dir, std::span<const float> vectors,
                 std::uint32_t dim, const DenseBuildOptions& options);

/// How a search runs.
enum class DenseMethod : std::uint8_t {
    Auto,   ///< HnswInt8 with a graph and codes, Hnsw with a graph only, else Exact
    Exact,  ///< every vector, fp32
    Int8,   ///< every int8 code, then the best k * rescore re-scored in fp32
    Hnsw,   ///< the graph, ef candidates
    /// The graph walked on the int8 codes, ef candidates, the best k * rescore re-scored in fp32
    HnswInt8,
};
[[nodiscard]] std::string_view to_string(DenseMethod method);
[[nodiscard]] DenseMethod parse_dense_method(std::string_view name);

struct DenseSearchOptions {
    std::size_t k = 10;
    DenseMethod method = DenseMethod::Auto;
    std::size_t ef = 100;     ///< HNSW: candidates explored (at least k)
    std::size_t rescore = 4;  ///< Int8, HnswInt8: candidates re-scored in fp32, a multiple of k
};

/// A memory-mapped dense part. Movable; every const member is safe from several threads.
class DenseIndex {
public:
    /// Opens `dir` (an index's dense/ folder). CorruptionError naming the file on a wrong
    /// magic/version, sizes that disagree with the manifest, or a checksum failure.
    static DenseIndex open(const std::filesystem::path& dir, const OpenOptions& options = {});

    DenseIndex(DenseIndex&&) noexcept;
    DenseIndex& operator=(DenseIndex&&) noexcept;
    ~DenseIndex();

    [[nodiscard]] std::uint32_t dim() const { return m_dim; }
    [[nodiscard]] std::uint32_t size() const { return m_count; }
    [[nodiscard]] VectorMetric metric() const { return m_metric; }
    [[nodiscard]] const std::string& embedder() const { return m_embedder; }
    [[nodiscard]] std::uint64_t ids_fingerprint() const { return m_ids_fingerprint; }
    [[nodiscard]] bool has_int8() const { return m_codes != nullptr; }
    [[nodiscard]] bool has_hnsw() const { return m_hnsw.level0 != nullptr; }
    [[nodiscard]] const HnswParams& hnsw_params() const { return m_hnsw_params; }
    [[nodiscard]] std::uint64_t total_bytes() const { return m_total_bytes; }

    /// Throws CorruptionError unless this part was built for `index` (same document count and
    /// ids), naming `dir`.
    void check_belongs_to(const Index& index) const;

    /// The stored (normalised, for cosine) vector of `docid`.
    [[nodiscard]] std::span<const float> vector(std::uint32_t docid) const;
    /// A query vector ready to search: checks its size and values (UsageError naming `what`),
    /// normalises it for the cosine metric.
    [[nodiscard]] std::vector<float> prepare_query(std::span<const float> query,
                                                   std::string_view what = "query vector") const;
    /// The best k documents for a prepared query, best first, ties by docid.
    [[nodiscard]] std::vector<ScoredNode> search(std::span<const float> query,
                                                 const DenseSearchOptions& options) const;
    /// Inner product of a prepared query with `docid`'s vector.
    [[nodiscard]] float score(std::span<const float> query, std::uint32_t docid) const;

private:
    DenseIndex();
    [[nodiscard]] std::vector<ScoredNode> search_exact(const float* q, std::size_t k) const;
    [[nodiscard]] std::vector<ScoredNode> search_int8(const float* q, std::size_t k,
                                                      std::size_t rescore) const;

    std::vector<std::unique_ptr<MappedFile>> m_files;
    std::string m_dir;
    std::uint32_t m_dim = 0;
    std::uint32_t m_count = 0;
    VectorMetric m_metric = VectorMetric::Cosine;
    std::string m_embedder;
    std::uint64_t m_ids_fingerprint = 0;
    std::uint64_t m_total_bytes = 0;
    const float* m_vectors = nullptr;
    const float* m_scales = nullptr;
    const std::int8_t* m_codes = nullptr;
    HnswParams m_hnsw_params;
    HnswView m_hnsw;
};

}  // namespace cascade::index
