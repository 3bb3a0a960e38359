#include "index/dense_index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <utility>

#include "index/file_io.hpp"
#include "index/format.hpp"
#include "index/vector_ops.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"

namespace cascade::index {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDenseManifestMagic = "CSCD-DMN";
constexpr std::string_view kVectorsMagic = "CSCD-VEC";
constexpr std::string_view kCodesMagic = "CSCD-VI8";
constexpr std::string_view kGraphMagic = "CSCD-HNS";
constexpr const char* kManifestFile = "dense.manifest";
constexpr const char* kVectorsFile = "vectors.f32";
constexpr const char* kCodesFile = "vectors.i8";
constexpr const char* kGraphFile = "hnsw.graph";
constexpr std::size_t kAlign = 64;
constexpr std::uint8_t kHasInt8 = 1;
constexpr std::uint8_t kHasHnsw = 2;

/// Better = higher score, then lower docid: the order of every result list.
bool better(const ScoredNode& a, const ScoredNode& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}
struct WorstOnTop {
    bool operator()(const ScoredNode& a, const ScoredNode& b) const { return better(a, b); }
};
using TopK = std::priority_queue<ScoredNode, std::vector<ScoredNode>, WorstOnTop>;

void offer(TopK& top, std::size_t k, ScoredNode candidate) {
    if (top.size() < k) {
        top.push(candidate);
    } else if (better(candidate, top.top())) {
        top.pop();
        top.push(candidate);
    }
}

std::vector<ScoredNode> drain(TopK& top) {
    std::vector<ScoredNode> out(top.size());
    for (std::size_t i = out.size(); i-- > 0;) {
        out[i] = top.top();
        top.pop();
    }
    return out;
}

}  // namespace

std::string_view to_string(VectorMetric metric) {
    return metric == VectorMetric::Cosine ? "cosine" : "ip";
}

VectorMetric parse_vector_metric(std::string_view name) {
    if (name == "cosine")
        return VectorMetric::Cosine;
    if (name == "ip" || name == "inner_product")
        return VectorMetric::InnerProduct;
    throw UsageError(fmt::format("unknown vector metric '{}' (cosine or ip)", name));
}

std::string_view to_string(DenseMethod method) {
    switch (method) {
        case DenseMethod::Auto:
            return "auto";
        case DenseMethod::Exact:
            return "exact";
        case DenseMethod::Int8:
            return "int8";
        case DenseMethod::Hnsw:
            return "hnsw";
        case DenseMethod::HnswInt8:
            return "hnsw-int8";
    }
    return "auto";
}

DenseMethod parse_dense_method(std::string_view name) {
    for (const DenseMethod m : {DenseMethod::Auto, DenseMethod::Exact, DenseMethod::Int8,
                                DenseMethod::Hnsw, DenseMethod::HnswInt8})
        if (name == to_string(m))
            return m;
    throw UsageError(
        fmt::format("unknown dense search method '{}' (auto, exact, int8, hnsw, hnsw-int8)", name));
}

fs::path dense_dir(const fs::path& index_dir) {
    return index_dir / "dense";
}

std::uint64_t docid_fingerprint(const Index& index) {
    std::uint64_t h = kFnv1aBasis;
    for (std::uint32_t d = 0; d < index.num_docs(); ++d) {
        h = fnv1a(h, index.external_id(d));
        h = fnv1a(h, std::string_view("\0", 1));
    }
    return h;
}

void write_dense(const fs::path& dir, std::span<const float> vectors, std::uint32_t dim,
                 const DenseBuildOptions& options) {
    if (dim == 0)
        throw UsageError("dense index: the vector dimension must be at least 1");
    if (vectors.size() % dim != 0)
        throw UsageError(fmt::format(
            "dense index: {} floats are not a whole number of {}-d vectors", vectors.size(), dim));
    const std::size_t count = vectors.size() / dim;
    if (count > 0xffffffffULL)
        throw UsageError("dense index: more than 2^32 - 1 vectors");
    std::vector<float> stored(vectors.begin(), vectors.end());
    for (std::size_t i = 0; i < count; ++i) {
        std::span<float> v(stored.data() + i * dim, dim);
        for (std::size_t j = 0; j < dim; ++j)
            if (!std::isfinite(v[j]))
                throw InputError(
                    options.source,
                    fmt::format("vector {} (0-based), value {}: not a finite number", i, j));
        if (options.metric == VectorMetric::Cosine)
            normalize(v);
    }

    AtomicDirectory out(dir);
    std::vector<FileDigest> digests;
    {
        FileWriter w(out.staging() / kVectorsFile, kVectorsMagic);
        w.pad_to(kAlign);
        w.write(stored.data(), stored.size() * sizeof(float));
        digests.push_back(w.finish());
    }
    if (options.int8) {
        std::vector<float> scales(count);
        std::vector<std::int8_t> codes(stored.size());
        for (std::size_t i = 0; i < count; ++i)
            scales[i] = quantize_i8({stored.data() + i * dim, dim}, {codes.data() + i * dim, dim});
        FileWriter w(out.staging() / kCodesFile, kCodesMagic);
        w.pad_to(kAlign);
        w.write(scales.data(), scales.size() * sizeof(float));
        w.pad_to(kAlign);
        w.write(codes.data(), codes.size());
        digests.push_back(w.finish());
    }
    HnswGraph graph;
    if (options.hnsw) {
        std::function<void(std::uint64_t)> progress;
        if (options.progress)
            progress = [&](std::uint64_t done) { options.progress(done, count); };
        graph = build_hnsw(stored.data(), static_cast<std::uint32_t>(count), dim,
                           options.hnsw_params, options.threads, progress);
        FileWriter w(out.staging() / kGraphFile, kGraphMagic);
        w.pad_to(kAlign);
        w.write(graph.upper_offsets.data(), graph.upper_offsets.size() * sizeof(std::uint64_t));
        w.write(graph.level0.data(), graph.level0.size() * sizeof(std::uint32_t));
        w.write(graph.upper.data(), graph.upper.size() * sizeof(std::uint32_t));
        digests.push_back(w.finish());
    }
    {
        FileWriter w(out.staging() / kManifestFile, kDenseManifestMagic);
        w.put<std::uint32_t>(dim);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(count));
        w.put<std::uint8_t>(static_cast<std::uint8_t>(options.metric));
        w.put<std::uint8_t>(static_cast<std::uint8_t>((options.int8 ? kHasInt8 : 0) |
                                                      (options.hnsw ? kHasHnsw : 0)));
        w.put<std::uint16_t>(0);
        w.put_string(options.embedder);
        w.put<std::uint64_t>(options.ids_fingerprint);
        w.put<std::uint32_t>(options.hnsw_params.m);
        w.put<std::uint32_t>(options.hnsw_params.ef_construction);
        w.put<std::uint64_t>(options.hnsw_params.seed);
        w.put<std::uint32_t>(graph.entry);
        w.put<std::uint32_t>(graph.max_level);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(digests.size()));
        for (const auto& d : digests) {
            w.put_string(d.name);
            w.put<std::uint64_t>(d.size);
            w.put<std::uint32_t>(d.crc32);
        }
        w.put_checksum();
        (void)w.finish();
    }
    out.commit();
}

DenseIndex::DenseIndex() = default;
DenseIndex::DenseIndex(DenseIndex&&) noexcept = default;
DenseIndex& DenseIndex::operator=(DenseIndex&&) noexcept = default;
DenseIndex::~DenseIndex() = default;

DenseIndex DenseIndex::open(const fs::path& dir, const OpenOptions& options) {
    DenseIndex d;
    d.m_dir = dir.string();
    if (!fs::exists(dir / kManifestFile))
        throw IoError(
            fmt::format("{}: no dense part here (missing {}; build one with cascade "
                        "index --embedder or --vectors)",
                        dir.string(), kManifestFile));
    auto manifest = std::make_unique<MappedFile>(dir / kManifestFile);
    manifest->check_header(kDenseManifestMagic);
    const std::string mname = manifest->name();
    if (manifest->size() < kFileHeaderSize + 4)
        throw CorruptionError(mname + ": truncated");
    {
        const std::uint64_t body = manifest->size() - 4;
        if (load<std::uint32_t>(manifest->data() + body) != crc32_of(manifest->data(), body))
            throw CorruptionError(mname + ": checksum mismatch");
    }
    ByteReader r(manifest->data() + kFileHeaderSize, manifest->data() + manifest->size() - 4,
                 mname);
    d.m_dim = r.get<std::uint32_t>();
    d.m_count = r.get<std::uint32_t>();
    const auto metric = r.get<std::uint8_t>();
    if (metric > 1)
        r.fail("unknown metric");
    d.m_metric = static_cast<VectorMetric>(metric);
    const auto flags = r.get<std::uint8_t>();
    (void)r.get<std::uint16_t>();
    d.m_embedder = r.get_string();
    d.m_ids_fingerprint = r.get<std::uint64_t>();
    d.m_hnsw_params.m = r.get<std::uint32_t>();
    d.m_hnsw_params.ef_construction = r.get<std::uint32_t>();
    d.m_hnsw_params.seed = r.get<std::uint64_t>();
    const auto entry = r.get<std::uint32_t>();
    const auto max_level = r.get<std::uint32_t>();
    const auto nfiles = r.get<std::uint32_t>();
    if (d.m_dim == 0)
        r.fail("zero dimension");
    auto map = [&](const std::string& name, std::string_view magic,
                   std::uint64_t expected) -> const MappedFile& {
        std::uint64_t size = 0;
        std::uint32_t crc = 0;
        bool listed = false;
        ByteReader files(r);
        for (std::uint32_t i = 0; i < nfiles; ++i) {
            const std::string n = files.get_string();
            const auto s = files.get<std::uint64_t>();
            const auto c = files.get<std::uint32_t>();
            if (n == name) {
                size = s;
                crc = c;
                listed = true;
            }
        }
        if (!listed)
            r.fail("does not list " + name);
        auto file = std::make_unique<MappedFile>(dir / name);
        file->check_header(magic);
        if (file->size() != size)
            throw CorruptionError(fmt::format("{}: {} bytes, the manifest says {}", file->name(),
                                              file->size(), size));
        if (size < expected)
            throw CorruptionError(fmt::format("{}: {} bytes, {} vectors of {} floats need {}",
                                              file->name(), size, d.m_count, d.m_dim, expected));
        if (options.verify_checksums && file->crc32() != crc)
            throw CorruptionError(file->name() + ": checksum mismatch");
        d.m_total_bytes += size;
        d.m_files.push_back(std::move(file));
        return *d.m_files.back();
    };
    const std::uint64_t n = static_cast<std::uint64_t>(d.m_count) * d.m_dim;
    const MappedFile& vec = map(kVectorsFile, kVectorsMagic, kAlign + n * sizeof(float));
    d.m_vectors = reinterpret_cast<const float*>(vec.data() + kAlign);
    if ((flags & kHasInt8) != 0) {
        const std::uint64_t scales_end = kAlign + std::uint64_t{d.m_count} * sizeof(float);
        const std::uint64_t codes_at = (scales_end + kAlign - 1) / kAlign * kAlign;
        const MappedFile& codes = map(kCodesFile, kCodesMagic, codes_at + n);
        d.m_scales = reinterpret_cast<const float*>(codes.data() + kAlign);
        d.m_codes = reinterpret_cast<const std::int8_t*>(codes.data() + codes_at);
    }
    if ((flags & kHasHnsw) != 0) {
        const std::uint32_t m = d.m_hnsw_params.m;
        if (m < 2 || m > 64 || (d.m_count > 0 && entry >= d.m_count))
            r.fail("bad HNSW parameters");
        const std::uint64_t offsets_bytes = (std::uint64_t{d.m_count} + 1) * 8;
        const std::uint64_t level0_words = std::uint64_t{d.m_count} * (1 + 2 * m);
        const MappedFile& graph =
            map(kGraphFile, kGraphMagic, kAlign + offsets_bytes + level0_words * 4);
        const auto* offsets = reinterpret_cast<const std::uint64_t*>(graph.data() + kAlign);
        const std::uint64_t upper_words = offsets[d.m_count];
        if (graph.size() != kAlign + offsets_bytes + (level0_words + upper_words) * 4)
            throw CorruptionError(graph.name() + ": size disagrees with its level offsets");
        d.m_hnsw.m = m;
        d.m_hnsw.count = d.m_count;
        d.m_hnsw.dim = d.m_dim;
        d.m_hnsw.entry = entry;
        d.m_hnsw.max_level = max_level;
        d.m_hnsw.upper_offsets = offsets;
        d.m_hnsw.level0 =
            reinterpret_cast<const std::uint32_t*>(graph.data() + kAlign + offsets_bytes);
        d.m_hnsw.upper = d.m_hnsw.level0 + level0_words;
        d.m_hnsw.vectors = d.m_vectors;
    }
    d.m_total_bytes += manifest->size();
    d.m_files.push_back(std::move(manifest));
    return d;
}

void DenseIndex::check_belongs_to(const Index& index) const {
    if (index.num_docs() != m_count || docid_fingerprint(index) != m_ids_fingerprint)
        throw CorruptionError(fmt::format(
            "{}: this dense part was built for another collection ({} vectors, the index has {} "
            "documents{}); rebuild it with cascade index --embedder or --vectors",
            m_dir, m_count, index.num_docs(),
            index.num_docs() == m_count ? " with other ids" : ""));
}

std::span<const float> DenseIndex::vector(std::uint32_t docid) const {
    return {m_vectors + static_cast<std::size_t>(docid) * m_dim, m_dim};
}

std::vector<float> DenseIndex::prepare_query(std::span<const float> query,
                                             std::string_view what) const {
    if (query.size() != m_dim)
        throw UsageError(fmt::format("{}: {} values, the dense index holds {}-d vectors{}", what,
                                     query.size(), m_dim,
                                     m_embedder.empty() ? "" : " (made by " + m_embedder + ")"));
    std::vector<float> q(query.begin(), query.end());
    for (std::size_t j = 0; j < q.size(); ++j)
        if (!std::isfinite(q[j]))
            throw UsageError(fmt::format("{}: value {} is not a finite number", what, j));
    if (m_metric == VectorMetric::Cosine)
        normalize(q);
    return q;
}

float DenseIndex::score(std::span<const float> query, std::uint32_t docid) const {
    return vector_kernels().dot_f32(query.data(), vector(docid).data(), m_dim);
}

std::vector<ScoredNode> DenseIndex::search(std::span<const float> query,
                                           const DenseSearchOptions& options) const {
    CASCADE_ASSERT(query.size() == m_dim);
    const std::size_t k = std::min<std::size_t>(options.k, m_count);
    if (k == 0)
        return {};
    DenseMethod method = options.method;
    if (method == DenseMethod::Auto)
        method = has_hnsw() && has_int8() ? DenseMethod::HnswInt8
                 : has_hnsw()             ? DenseMethod::Hnsw
                                          : DenseMethod::Exact;
    switch (method) {
        case DenseMethod::Hnsw:
            if (!has_hnsw())
                throw UsageError(m_dir +
                                 ": this dense part has no HNSW graph (built with --no-hnsw)");
            return m_hnsw.search(query.data(), k, std::max(options.ef, k));
        case DenseMethod::HnswInt8:
            if (!has_hnsw() || !has_int8())
                throw UsageError(m_dir + ": hnsw-int8 needs the HNSW graph and the int8 codes" +
                                 " (this dense part was built with --no-hnsw or --no-int8)");
            return m_hnsw.search_int8(query.data(), {.codes = m_codes, .scales = m_scales}, k,
                                      std::max(options.ef, k),
                                      k * std::max<std::size_t>(1, options.rescore));
        case DenseMethod::Int8:
            if (!has_int8())
                throw UsageError(m_dir +
                                 ": this dense part has no int8 codes (built with --no-int8)");
            return search_int8(query.data(), k, std::max<std::size_t>(1, options.rescore));
        default:
            return search_exact(query.data(), k);
    }
}

std::vector<ScoredNode> DenseIndex::search_exact(const float* q, std::size_t k) const {
    const DotF32 dot = vector_kernels().dot_f32;
    TopK top;
    for (std::uint32_t d = 0; d < m_count; ++d)
        offer(top, k, {dot(q, m_vectors + static_cast<std::size_t>(d) * m_dim, m_dim), d});
    return drain(top);
}

std::vector<ScoredNode> DenseIndex::search_int8(const float* q, std::size_t k,
                                                std::size_t rescore) const {
    std::vector<std::int8_t> qc(m_dim);
    const float qs = quantize_i8({q, m_dim}, qc);
    const DotI8 dot = vector_kernels().dot_i8;
    const std::size_t shortlist = std::min<std::size_t>(m_count, k * rescore);
    TopK top;
    for (std::uint32_t d = 0; d < m_count; ++d) {
        const std::int32_t s = dot(qc.data(), m_codes + static_cast<std::size_t>(d) * m_dim, m_dim);
        offer(top, shortlist, {static_cast<float>(s) * m_scales[d] * qs, d});
    }
    std::vector<ScoredNode> candidates = drain(top);
    TopK exact;
    const DotF32 dotf = vector_kernels().dot_f32;
    for (const auto& [approx, d] : candidates)
        offer(exact, k, {dotf(q, m_vectors + static_cast<std::size_t>(d) * m_dim, m_dim), d});
    return drain(exact);
}

}  // namespace cascade::index
