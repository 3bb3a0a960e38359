// Index::open: maps the files and validates them against the manifest before any use.

#include <bit>
#include <map>

#include "index/field_writer.hpp"
#include "index/file_io.hpp"
#include "index/format.hpp"
#include "index/index.hpp"
#include "index/shard_stats.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void corrupt(const MappedFile& file, const std::string& what) {
    throw CorruptionError(file.name() + ": " + what);
}

void expect(bool ok, const MappedFile& file, const std::string& what) {
    if (!ok) {
        corrupt(file, what);
    }
}

std::uint64_t trailer_u64(const MappedFile& file) {
    expect(file.size() >= kFileHeaderSize + 8, file, "truncated (no trailer)");
    return load<std::uint64_t>(file.data() + file.size() - 8);
}

struct ManifestFile {
    std::uint64_t size;
    std::uint32_t crc32;
};

}  // namespace

Index Index::open(const fs::path& dir, const OpenOptions& options) {
    if (!fs::is_directory(dir)) {
        throw IoError("index directory not found: " + dir.string());
    }
    Index index;
    index.load_manifest(dir, options);
    index.m_dir = dir;
    return index;
}

void Index::load_manifest(const fs::path& dir, const OpenOptions& options) {
    auto manifest = std::make_unique<MappedFile>(dir / "manifest");
    manifest->check_header(kManifestMagic);
    expect(manifest->size() >= kFileHeaderSize + 4, *manifest, "truncated");
    // The manifest's last 4 bytes are the CRC32 of everything before them.
    const std::uint32_t manifest_crc = load<std::uint32_t>(manifest->data() + manifest->size() - 4);
    expect(crc32_of(manifest->data(), manifest->size() - 4) == manifest_crc, *manifest,
           "checksum mismatch (manifest corrupted)");
    ByteReader r(manifest->data() + kFileHeaderSize, manifest->data() + manifest->size() - 4,
                 manifest->name());
    m_num_docs = r.get<std::uint32_t>();
    auto num_fields = r.get<std::uint32_t>();
    m_k1 = r.get<double>();
    m_b = r.get<double>();
    m_has_positions = r.get<std::uint8_t>() != 0;
    m_analyzer = r.get_string();
    if (num_fields == 0 || num_fields > 64) {
        r.fail("implausible field count " + std::to_string(num_fields));
    }
    m_fields.resize(num_fields);
    for (FieldIndex& f : m_fields) {
        f.m_stats.name = r.get_string();
        f.m_stats.doc_count = r.get<std::uint32_t>();
        f.m_stats.sum_total_term_freq = r.get<std::uint64_t>();
        f.m_stats.num_terms = r.get<std::uint64_t>();
        f.m_stats.num_postings = r.get<std::uint64_t>();
        f.m_num_docs = m_num_docs;
    }
    std::map<std::string, ManifestFile> listed;
    auto num_files = r.get<std::uint32_t>();
    for (std::uint32_t i = 0; i < num_files; ++i) {
        std::string name = r.get_string();
        auto size = r.get<std::uint64_t>();
        auto crc = r.get<std::uint32_t>();
        listed[name] = {size, crc};
    }
    // A shard's manifest ends with its place in the set (absent from an ordinary index).
    std::uint32_t shard = 0;
    std::uint32_t shard_count = 0;
    if (r.remaining() != 0) {
        shard = r.get<std::uint32_t>();
        shard_count = r.get<std::uint32_t>();
        if (shard_count == 0 || shard >= shard_count) {
            r.fail("bad shard " + std::to_string(shard) + " of " + std::to_string(shard_count));
        }
    }
    if (r.remaining() != 0) {
        r.fail("unexpected bytes after the file table");
    }
    // Checked once and recorded: a stamp that still vouches for every file lets this open skip
    // the checksums and the O(size) structure checks it would repeat (file_io.hpp).
    std::vector<std::string> stamped;
    stamped.reserve(listed.size());
    for (const auto& entry : listed) {
        stamped.push_back(entry.first);
    }
    const bool trusted = options.verify_checksums && options.trust_verified_stamp &&
                         verified_stamp::holds(dir, manifest_crc, stamped);
    m_deep_checks = options.verify_checksums && !trusted;
    m_stamp_trusted = trusted;
    m_total_bytes = manifest->size();
    m_files.push_back(std::move(manifest));

    FileMapper map = [&](const std::string& name, std::string_view magic) -> const MappedFile& {
        auto it = listed.find(name);
        if (it == listed.end()) {
            throw CorruptionError((dir / "manifest").string() + ": does not list " + name);
        }
        if (!fs::exists(dir / name)) {
            throw CorruptionError((dir / name).string() + ": missing from the index");
        }
        auto file = std::make_unique<MappedFile>(dir / name);
        if (file->size() != it->second.size) {
            corrupt(*file, "size " + std::to_string(file->size()) + " bytes, manifest says " +
                               std::to_string(it->second.size) + " (truncated or modified)");
        }
        file->check_header(magic);
        if (m_deep_checks && file->crc32() != it->second.crc32) {
            corrupt(*file, "checksum mismatch (corrupted)");
        }
        m_total_bytes += file->size();
        m_files.push_back(std::move(file));
        return *m_files.back();
    };

    for (std::size_t f = 0; f < m_fields.size(); ++f) {
        setup_field(f, map);
    }
    setup_ids(map("docids", kDocIdsMagic));
    setup_docstore(map("docstore", kDocStoreMagic));
    if (shard_count > 0) {
        setup_global_stats(map(std::string(kGlobalStatsFile), kGlobalStatsMagic), shard,
                           shard_count);
    }
    if (m_deep_checks && options.trust_verified_stamp) {
        verified_stamp::record(dir, manifest_crc, stamped);
    }
}

void Index::setup_field(std::size_t f, const FileMapper& map) {
    FieldIndex& field = m_fields[f];
    const std::uint64_t n = field.m_stats.num_terms;
    const std::uint64_t docs = m_num_docs;

    const MappedFile& terms = map(field_file(f, "terms"), kTermsMagic);
    expect(terms.size() == kFileHeaderSize + n * kTermEntrySize + 8 && trailer_u64(terms) == n,
           terms, "term count or size does not match the manifest (truncated?)");
    field.m_term_entries = terms.data() + kFileHeaderSize;

    const MappedFile& lex = map(field_file(f, "lex"), kLexiconMagic);
    expect(lex.size() >= kFileHeaderSize + (n + 1) * 8 + 8 && trailer_u64(lex) == n, lex,
           "term count or size does not match the manifest (truncated?)");
    const std::uint64_t bytes = lex.size() - kFileHeaderSize - (n + 1) * 8 - 8;
    field.m_term_bytes = reinterpret_cast<const char*>(lex.data() + kFileHeaderSize);
    field.m_term_offsets = lex.data() + kFileHeaderSize + bytes;
    std::uint64_t prev = m_deep_checks ? 0 : bytes;
    for (std::uint64_t i = 0; m_deep_checks && i <= n; ++i) {
        auto off = load<std::uint64_t>(field.m_term_offsets + i * 8);
        expect(off >= prev && off <= bytes && (i > 0 || off == 0), lex, "bad term offset");
        prev = off;
    }
    expect(prev == bytes, lex, "term bytes do not match the offsets");

    const MappedFile& postings = map(field_file(f, "postings"), kPostingsMagic);
    field.m_postings = postings.data();
    const MappedFile* positions = nullptr;
    if (m_has_positions) {
        positions = &map(field_file(f, "positions"), kPositionsMagic);
        field.m_positions = positions->data();
    }
    std::uint64_t num_postings = m_deep_checks ? 0 : field.m_stats.num_postings;
    for (std::uint64_t i = 0; m_deep_checks && i < n; ++i) {
        TermEntry e = load<TermEntry>(field.m_term_entries + i * kTermEntrySize);
        expect(e.doc_freq > 0 && e.doc_freq <= docs && e.postings_offset >= kFileHeaderSize &&
                   e.postings_offset < postings.size(),
               terms, "bad entry for term #" + std::to_string(i));
        expect(positions == nullptr || (e.positions_offset >= kFileHeaderSize &&
                                        e.positions_offset <= positions->size()),
               terms, "bad positions offset for term #" + std::to_string(i));
        num_postings += e.doc_freq;
    }
    expect(num_postings == field.m_stats.num_postings, terms,
           "posting count does not match the manifest");

    const MappedFile& norms = map(field_file(f, "norms"), kNormsMagic);
    const std::uint64_t lengths_at = (kFileHeaderSize + docs + 3) / 4 * 4;
    expect(norms.size() == lengths_at + docs * 4, norms,
           "size does not match the document count (truncated?)");
    field.m_norms = {norms.data() + kFileHeaderSize, static_cast<std::size_t>(docs)};
    field.m_lengths = norms.data() + lengths_at;
}

void Index::setup_ids(const MappedFile& file) {
    const std::uint64_t docs = m_num_docs;
    expect(trailer_u64(file) == docs, file, "document count does not match the manifest");
    // Version 3 stores the ranks right after the header; version 2 has none (id_ranks()
    // computes them).
    const std::uint64_t ranks_bytes = file.version() >= 3 ? docs * 4 : 0;
    const std::uint64_t tables = ranks_bytes + (docs + 1) * 8 + docs * 4 + 8;
    expect(file.size() >= kFileHeaderSize + tables, file, "truncated");
    const std::uint64_t bytes = file.size() - kFileHeaderSize - tables;
    if (ranks_bytes > 0) {
        static_assert(std::endian::native == std::endian::little,
                      "the stored id ranks are used in place as little-endian u32");
        // The mapping is page-aligned and the ranks start at byte 16.
        m_stored_id_ranks = {reinterpret_cast<const std::uint32_t*>(file.data() + kFileHeaderSize),
                             static_cast<std::size_t>(docs)};
    }
    m_id_bytes = reinterpret_cast<const char*>(file.data() + kFileHeaderSize + ranks_bytes);
    m_id_offsets = file.data() + kFileHeaderSize + ranks_bytes + bytes;
    m_id_sorted = m_id_offsets + (docs + 1) * 8;
    std::uint64_t prev = m_deep_checks ? 0 : bytes;
    for (std::uint64_t i = 0; m_deep_checks && i <= docs; ++i) {
        auto off = load<std::uint64_t>(m_id_offsets + i * 8);
        expect(off >= prev && off <= bytes && (i > 0 || off == 0), file, "bad id offset");
        prev = off;
    }
    expect(prev == bytes, file, "id bytes do not match the offsets");
    for (std::uint64_t i = 0; m_deep_checks && i < docs; ++i) {
        const auto docid = load<std::uint32_t>(m_id_sorted + i * 4);
        expect(docid < docs, file, "bad id permutation");
        // sorted and ranks inverse to each other: this also makes sorted a permutation.
        expect(m_stored_id_ranks.empty() || m_stored_id_ranks[docid] == i, file,
               "id ranks do not invert the sorted order");
    }
}

void Index::setup_docstore(const MappedFile& file) {
    expect(file.size() >= kFileHeaderSize + 4 + 12, file, "truncated");
    const std::uint64_t blocks = load<std::uint32_t>(file.data() + file.size() - 4);
    const std::uint64_t tables = (blocks + 1) * 12 + 4;
    expect(file.size() >= kFileHeaderSize + tables, file, "truncated");
    const std::uint64_t data_end = file.size() - tables;
    m_docstore = file.data();
    m_doc_block_first = file.data() + data_end;
    m_doc_block_offsets = m_doc_block_first + (blocks + 1) * 4;
    m_doc_num_blocks = static_cast<std::uint32_t>(blocks);
    for (std::uint64_t b = 0; m_deep_checks && b <= blocks; ++b) {
        auto first = load<std::uint32_t>(m_doc_block_first + b * 4);
        auto off = load<std::uint64_t>(m_doc_block_offsets + b * 8);
        bool ok = off >= kFileHeaderSize && off <= data_end && first <= m_num_docs;
        if (b > 0) {
            ok = ok && first > load<std::uint32_t>(m_doc_block_first + (b - 1) * 4) &&
                 off > load<std::uint64_t>(m_doc_block_offsets + (b - 1) * 8);
        }
        expect(ok, file, "bad block table entry " + std::to_string(b));
    }
    expect(load<std::uint32_t>(m_doc_block_first) == 0 &&
               load<std::uint32_t>(m_doc_block_first + blocks * 4) == m_num_docs &&
               load<std::uint64_t>(m_doc_block_offsets + blocks * 8) == data_end,
           file, "block table does not cover the documents");
}

}  // namespace cascade::index
