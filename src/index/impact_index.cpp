#include "index/impact_index.hpp"

#include <fmt/format.h>

#include "index/dense_index.hpp"
#include "index/file_io.hpp"
#include "index/format.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kImpactMetaMagic = "CSCD-IMP";
}  // namespace

fs::path impact_dir(const fs::path& index_dir) {
    return index_dir / "impact";
}

void write_impact_meta(const fs::path& dir, const ImpactMeta& meta) {
    FileWriter w(dir / std::string(kImpactMetaFile), kImpactMetaMagic);
    w.put<std::uint32_t>(meta.num_docs);
    w.put<std::uint32_t>(meta.max_impact);
    w.put<std::uint32_t>(meta.docs_without_postings);
    w.put<std::uint32_t>(0);
    w.put<std::uint64_t>(meta.ids_fingerprint);
    w.put<std::uint64_t>(meta.dropped_postings);
    w.put<double>(meta.factor);
    w.put_string(meta.quantizer);
    w.put_string(meta.source);
    w.put_checksum();
    (void)w.finish();
}

ImpactIndex ImpactIndex::open(const fs::path& dir, const OpenOptions& options) {
    const fs::path meta_path = dir / std::string(kImpactMetaFile);
    if (!fs::exists(meta_path)) {
        throw IoError(
            fmt::format("{}: no impact part here (missing {}; build one with cascade "
                        "index --impact-vectors FILE)",
                        dir.string(), kImpactMetaFile));
    }
    ImpactIndex part;
    part.m_dir = dir.string();
    {
        MappedFile file(meta_path);
        file.check_header(kImpactMetaMagic);
        if (file.size() < kFileHeaderSize + 4) {
            throw CorruptionError(file.name() + ": truncated");
        }
        const std::uint64_t body = file.size() - 4;
        if (load<std::uint32_t>(file.data() + body) != crc32_of(file.data(), body)) {
            throw CorruptionError(file.name() + ": checksum mismatch (corrupted)");
        }
        ByteReader r(file.data() + kFileHeaderSize, file.data() + body, file.name());
        ImpactMeta& m = part.m_meta;
        m.num_docs = r.get<std::uint32_t>();
        m.max_impact = r.get<std::uint32_t>();
        m.docs_without_postings = r.get<std::uint32_t>();
        (void)r.get<std::uint32_t>();
        m.ids_fingerprint = r.get<std::uint64_t>();
        m.dropped_postings = r.get<std::uint64_t>();
        m.factor = r.get<double>();
        m.quantizer = r.get_string();
        m.source = r.get_string();
        if (r.remaining() != 0) {
            r.fail("unexpected bytes after the source");
        }
        part.m_meta_bytes = file.size();
    }
    part.m_index = std::make_unique<Index>(Index::open(dir, options));
    const Index& idx = *part.m_index;
    part.m_field = idx.find_field(kImpactField);
    if (idx.analyzer_name() != kImpactAnalyzer || idx.num_fields() != 1 ||
        part.m_field == nullptr) {
        throw CorruptionError(fmt::format("{}: not an impact part (analyzer '{}', {} field(s))",
                                          part.m_dir, idx.analyzer_name(), idx.num_fields()));
    }
    if (idx.num_docs() != part.m_meta.num_docs) {
        throw CorruptionError(fmt::format("{}: {} documents, {} says {}", part.m_dir,
                                          idx.num_docs(), kImpactMetaFile, part.m_meta.num_docs));
    }
    return part;
}

std::uint64_t ImpactIndex::total_bytes() const {
    return m_index->total_bytes() + m_meta_bytes;
}

void ImpactIndex::check_belongs_to(const Index& main) const {
    if (main.num_docs() != m_meta.num_docs || docid_fingerprint(main) != m_meta.ids_fingerprint) {
        throw CorruptionError(fmt::format(
            "{}: this impact part was built for another collection ({} documents, the index has "
            "{}{}); rebuild it with cascade index --impact-vectors",
            m_dir, m_meta.num_docs, main.num_docs(),
            main.num_docs() == m_meta.num_docs ? " with other ids" : ""));
    }
}

}  // namespace cascade::index
