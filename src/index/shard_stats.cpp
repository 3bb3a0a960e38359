#include "index/shard_stats.hpp"

#include <algorithm>

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

GlobalStatsCounter::GlobalStatsCounter(std::size_t num_fields, std::uint32_t classes,
                                       std::uint64_t first, std::uint64_t stride)
    : m_fields(num_fields),
      m_first(first),
      m_stride(stride),
      m_id_hash(std::max<std::uint32_t>(classes, 1), kFnvOffsetBasis),
      m_class_docs(m_id_hash.size(), 0) {
    for (Field& f : m_fields) {
        f.length_hash.assign(m_id_hash.size(), kFnvOffsetBasis);
    }
}

void GlobalStatsCounter::add_document(std::string_view id) {
    const std::size_t c = class_of(m_num_docs);
    ++m_num_docs;
    ++m_class_docs[c];
    m_id_hash[c] = fnv1a(m_id_hash[c], id.data(), id.size());
    const char end = 0;
    m_id_hash[c] = fnv1a(m_id_hash[c], &end, 1);
}

void GlobalStatsCounter::add_length(std::size_t field, std::uint32_t length) {
    Field& f = m_fields[field];
    f.doc_count += length > 0 ? 1 : 0;
    f.sum_total_term_freq += length;
    const std::size_t c = class_of(f.next++);
    f.length_hash[c] = fnv1a(f.length_hash[c], &length, sizeof length);
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

namespace {

void put64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
}

/// Reads what serialize() wrote.
class StatsReader {
public:
    explicit StatsReader(std::string_view bytes) : m_bytes(bytes) {}
    std::uint64_t u64() {
        need(8);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_bytes[m_at + i]))
                 << (8 * i);
        }
        m_at += 8;
        return v;
    }
    std::string_view str() {
        const std::uint64_t n = u64();
        need(n);
        std::string_view s = m_bytes.substr(m_at, n);
        m_at += n;
        return s;
    }
    [[nodiscard]] bool done() const { return m_at == m_bytes.size(); }

private:
    void need(std::uint64_t n) const {
        if (n > m_bytes.size() - m_at) {
            throw CorruptionError("a rank's collection statistics are truncated");
        }
    }
    std::string_view m_bytes;
    std::size_t m_at = 0;
};

}  // namespace

std::string GlobalStatsCounter::serialize() const {
    std::string out;
    put64(out, m_num_docs);
    put64(out, m_id_hash.size());
    put64(out, m_fields.size());
    for (std::size_t c = 0; c < m_id_hash.size(); ++c) {
        put64(out, m_class_docs[c]);
        put64(out, m_id_hash[c]);
    }
    for (const Field& f : m_fields) {
        put64(out, f.doc_count);
        put64(out, f.sum_total_term_freq);
        for (const std::uint64_t h : f.length_hash) {
            put64(out, h);
        }
        put64(out, f.doc_freq.size());
        for (const auto& [term, df] : f.doc_freq) {
            put64(out, term.size());
            out += term;
            put64(out, df);
        }
    }
    return out;
}

void GlobalStatsCounter::merge(std::string_view bytes) {
    StatsReader in(bytes);
    m_num_docs += in.u64();
    if (in.u64() != m_id_hash.size() || in.u64() != m_fields.size()) {
        throw CorruptionError("a rank counted another shard count or other fields");
    }
    std::vector<bool> take(m_id_hash.size(), false);
    for (std::size_t c = 0; c < m_id_hash.size(); ++c) {
        const std::uint64_t docs = in.u64();
        const std::uint64_t hash = in.u64();
        if (docs > 0) {
            if (m_class_docs[c] > 0) {
                throw CorruptionError("two ranks counted documents of residue class " +
                                      std::to_string(c));
            }
            take[c] = true;
            m_class_docs[c] = docs;
            m_id_hash[c] = hash;
        }
    }
    for (Field& f : m_fields) {
        f.doc_count += static_cast<std::uint32_t>(in.u64());
        f.sum_total_term_freq += in.u64();
        for (std::size_t c = 0; c < f.length_hash.size(); ++c) {
            const std::uint64_t h = in.u64();
            if (take[c]) {
                f.length_hash[c] = h;
            }
        }
        const std::uint64_t terms = in.u64();
        for (std::uint64_t t = 0; t < terms; ++t) {
            const std::string_view term = in.str();
            const std::uint64_t df = in.u64();
            if (auto it = f.doc_freq.find(term); it != f.doc_freq.end()) {
                it->second += static_cast<std::uint32_t>(df);
            }
        }
    }
    if (!in.done()) {
        throw CorruptionError("a rank's collection statistics have trailing bytes");
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
    std::uint64_t hash = kFnvOffsetBasis;
    for (std::size_t c = 0; c < m_id_hash.size(); ++c) {
        hash = fnv1a(hash, &m_id_hash[c], sizeof m_id_hash[c]);
        for (const Field& f : m_fields) {
            hash = fnv1a(hash, &f.length_hash[c], sizeof f.length_hash[c]);
        }
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
