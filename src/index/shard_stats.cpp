#include "index/shard_stats.hpp"

#include "index/format.hpp"
#include "index/index.hpp"
#include "index/inverter.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace {

constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
        hash = (hash ^ p[i]) * kFnvPrime;
    }
    return hash;
}

}  // namespace

void validate(const ShardSpec& spec) {
    if (spec.count > 0 && spec.shard >= spec.count) {
        throw UsageError("--shard " + std::to_string(spec.shard) + " is out of range for --of " +
                         std::to_string(spec.count) + " (shards are numbered 0 to " +
                         std::to_string(spec.count - 1) + ")");
    }
}

std::size_t GlobalStatsCounter::Hash::operator()(std::string_view s) const noexcept {
    return static_cast<std::size_t>(term_hash(s));
}

void GlobalStatsCounter::add_document(std::string_view id) {
    ++m_num_docs;
    m_id_hash = fnv1a(m_id_hash, id.data(), id.size());
    const char end = 0;
    m_id_hash = fnv1a(m_id_hash, &end, 1);
}

void GlobalStatsCounter::add_length(std::size_t field, std::uint32_t length) {
    Field& f = m_fields[field];
    f.doc_count += length > 0 ? 1 : 0;
    f.sum_total_term_freq += length;
    f.length_hash = fnv1a(f.length_hash, &length, sizeof length);
}

void GlobalStatsCounter::add_term(std::size_t field, std::string_view term) {
    auto& counts = m_fields[field].doc_freq;
    auto it = counts.find(term);
    if (it == counts.end()) {
        counts.emplace(std::string(term), 1U);
    } else {
        ++it->second;
    }
}

double GlobalStatsCounter::avgdl(std::size_t field) const {
    const Field& f = m_fields[field];
    return f.doc_count > 0 ? static_cast<double>(f.sum_total_term_freq) / f.doc_count : 1.0;
}

std::uint32_t GlobalStatsCounter::doc_freq(std::size_t field, std::string_view term) const {
    const auto& counts = m_fields[field].doc_freq;
    auto it = counts.find(term);
    return it == counts.end() ? 0 : it->second;
}

std::uint64_t GlobalStatsCounter::fingerprint(std::string_view salt) const {
    std::uint64_t hash = m_id_hash;
    for (const Field& f : m_fields) {
        hash = fnv1a(hash, &f.length_hash, sizeof f.length_hash);
    }
    hash = fnv1a(hash, salt.data(), salt.size());
    return fnv1a(hash, &m_num_docs, sizeof m_num_docs);
}

FileDigest write_global_stats(const std::filesystem::path& dir, const ShardSpec& spec,
                              std::uint64_t fingerprint, std::uint64_t collection_docs,
                              const std::vector<GlobalFieldStats>& fields) {
    FileWriter out(dir / std::string(kGlobalStatsFile), kGlobalStatsMagic);
    out.put<std::uint32_t>(spec.shard);
    out.put<std::uint32_t>(spec.count);
    out.put<std::uint64_t>(fingerprint);
    out.put<std::uint64_t>(collection_docs);
    out.put<std::uint32_t>(static_cast<std::uint32_t>(fields.size()));
    for (const GlobalFieldStats& f : fields) {
        out.put<std::uint32_t>(f.doc_count);
        out.put<std::uint64_t>(f.sum_total_term_freq);
        out.put<std::uint64_t>(f.doc_freq.size());
    }
    for (const GlobalFieldStats& f : fields) {
        out.write(f.doc_freq.data(), f.doc_freq.size() * sizeof(std::uint32_t));
    }
    out.put_checksum();
    FileDigest digest = out.finish();
    digest.name = std::string(kGlobalStatsFile);
    return digest;
}

void Index::setup_global_stats(const MappedFile& file, std::uint32_t shard, std::uint32_t count) {
    ByteReader r(file.data() + kFileHeaderSize, file.data() + file.size(), file.name());
    ShardInfo info;
    info.shard = r.get<std::uint32_t>();
    info.count = r.get<std::uint32_t>();
    info.fingerprint = r.get<std::uint64_t>();
    info.collection_docs = r.get<std::uint64_t>();
    if (info.shard != shard || info.count != count) {
        r.fail("says shard " + std::to_string(info.shard) + " of " + std::to_string(info.count) +
               ", the manifest shard " + std::to_string(shard) + " of " + std::to_string(count));
    }
    if (info.collection_docs < m_num_docs) {
        r.fail("collection of " + std::to_string(info.collection_docs) +
               " documents is smaller than the shard's " + std::to_string(m_num_docs));
    }
    if (r.get<std::uint32_t>() != m_fields.size()) {
        r.fail("field count does not match the manifest");
    }
    for (FieldIndex& f : m_fields) {
        f.m_collection_stats = f.m_stats;
        f.m_collection_stats.doc_count = r.get<std::uint32_t>();
        f.m_collection_stats.sum_total_term_freq = r.get<std::uint64_t>();
        if (r.get<std::uint64_t>() != f.m_stats.num_terms) {
            r.fail("term count of field '" + f.name() + "' does not match the manifest");
        }
        if (f.m_collection_stats.doc_count < f.m_stats.doc_count ||
            f.m_collection_stats.doc_count > info.collection_docs ||
            f.m_collection_stats.sum_total_term_freq < f.m_stats.sum_total_term_freq) {
            r.fail("statistics of field '" + f.name() + "' are smaller than the shard's own");
        }
    }
    for (FieldIndex& f : m_fields) {
        const std::uint8_t* df = r.skip(f.m_stats.num_terms * 4);
        for (std::uint64_t t = 0; m_deep_checks && t < f.m_stats.num_terms; ++t) {
            const auto global = load<std::uint32_t>(df + t * 4);
            if (global < f.term_info_at(t).doc_freq || global > f.m_collection_stats.doc_count) {
                r.fail("bad doc_freq for term #" + std::to_string(t) + " of field '" + f.name() +
                       "'");
            }
        }
        f.m_global_doc_freq = df;
    }
    if (r.remaining() != 4) {
        r.fail("unexpected size");
    }
    if (m_deep_checks && crc32_of(file.data(), file.size() - 4) !=
                             load<std::uint32_t>(file.data() + file.size() - 4)) {
        r.fail("checksum mismatch (corrupted)");
    }
    m_shard = info;
}

}  // namespace cascade::index
