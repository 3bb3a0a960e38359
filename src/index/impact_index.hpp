#pragma once
/// The impact part of an index: learned-sparse (SPLADE, uniCOIL) document vectors stored as an
/// inverted index whose postings carry integer impacts in place of term frequencies.
///
/// It lives in the folder `impact/` of an index and is a complete cascade index of its own (one
/// field `impact`, manifest analyzer `impact`, the same external ids in the same internal docid
/// order as the main index), plus `impact.meta`, which records how the weights were quantised
/// and binds the part to the main index by document count and id fingerprint. Since a posting's
/// "freq" is its impact, the stored per-block and per-list maximum freq bound the impact, which
/// is all the pruning algorithms need. Layout: docs/formats/impact.md.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "index/index.hpp"

namespace cascade::index {

/// The folder of an index's impact part.
[[nodiscard]] std::filesystem::path impact_dir(const std::filesystem::path& index_dir);

/// Name of the impact part's one field, and the analyzer name its manifest records.
inline constexpr std::string_view kImpactField = "impact";
inline constexpr std::string_view kImpactAnalyzer = "impact";
/// File name of the part's quantisation record.
inline constexpr std::string_view kImpactMetaFile = "impact.meta";

/// What `impact.meta` records about an impact part.
struct ImpactMeta {
    std::uint32_t num_docs = 0;
    std::uint32_t max_impact = 0;             ///< largest stored impact
    std::uint32_t docs_without_postings = 0;  ///< documents whose impacts all quantised to 0
    std::uint64_t ids_fingerprint = 0;        ///< docid_fingerprint of the main index
    std::uint64_t dropped_postings = 0;       ///< weights that quantised to 0
    double factor = 1.0;                      ///< impact ~ weight x factor
    std::string quantizer;                    ///< resolved --quantize spec, e.g. "scale:100"
    std::string source;                       ///< the vectors file it was built from
};

/// Writes `impact.meta` into `dir` (an impact part's staging folder).
void write_impact_meta(const std::filesystem::path& dir, const ImpactMeta& meta);

/// A memory-mapped impact part. Movable; const members are safe from several threads.
class ImpactIndex {
public:
    /// Opens the impact part in `dir` (an index's impact/ folder). IoError when there is none;
    /// CorruptionError naming the file on a damaged or inconsistent part.
    static ImpactIndex open(const std::filesystem::path& dir, const OpenOptions& options = {});

    /// The part's inverted index (its docids are the main index's).
    [[nodiscard]] const Index& index() const { return *m_index; }
    /// The `impact` field: a posting's freq() is its impact.
    [[nodiscard]] const FieldIndex& field() const { return *m_field; }
    [[nodiscard]] const ImpactMeta& meta() const { return m_meta; }
    /// Bytes of every file of the part.
    [[nodiscard]] std::uint64_t total_bytes() const;

    /// Throws CorruptionError unless this part was built for `main` (same document count and
    /// ids), naming the folder and saying how to rebuild it.
    void check_belongs_to(const Index& main) const;

private:
    ImpactIndex() = default;
    std::unique_ptr<Index> m_index;
    const FieldIndex* m_field = nullptr;
    ImpactMeta m_meta;
    std::string m_dir;
    std::uint64_t m_meta_bytes = 0;
};

}  // namespace cascade::index
