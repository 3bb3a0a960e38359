#include "index/token_store.hpp"

#include <fmt/format.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <queue>

#include "index/dense_index.hpp"
#include "index/file_io.hpp"
#include "index/format.hpp"
#include "index/vector_ops.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMultiManifestMagic = "CSCD-MVM";
constexpr std::string_view kOffsetsMagic = "CSCD-MVO";
constexpr std::string_view kTokenNormsMagic = "CSCD-MVN";
constexpr std::string_view kHalvesMagic = "CSCD-MVH";
constexpr std::string_view kScalesMagic = "CSCD-MVS";
constexpr std::string_view kCodesMagic = "CSCD-MVC";
constexpr std::string_view kBoundsMagic = "CSCD-MVB";
constexpr std::string_view kTildeManifestMagic = "CSCD-TLM";
constexpr std::string_view kTildeOffsetsMagic = "CSCD-TLO";
constexpr std::string_view kTildeTokensMagic = "CSCD-TLT";
constexpr std::string_view kTildeCodesMagic = "CSCD-TLC";
constexpr const char* kMultiManifest = "multivector.manifest";
constexpr const char* kOffsetsFile = "tokens.offsets";
constexpr const char* kNormsFile = "tokens.norms";
constexpr const char* kHalvesFile = "tokens.f16";
constexpr const char* kScalesFile = "tokens.scales";
constexpr const char* kCodesFile = "tokens.i8";
constexpr const char* kBoundsFile = "tokens.bounds";
constexpr const char* kTildeManifest = "tilde.manifest";
constexpr const char* kTildeOffsets = "tilde.offsets";
constexpr const char* kTildeTokens = "tilde.tokens";
constexpr const char* kTildeCodes = "tilde.weights";
constexpr std::size_t kAlign = 64;
/// Relative slack on every pruning bound: the bound multiplies float norms whose rounding can
/// undercut the exact inner product's by a few ulps; 1e-5 dwarfs that at no pruning cost.
constexpr double kBoundSlack = 1e-5;
/// Version of the cluster bound section this build writes and reads (others are ignored).
constexpr std::uint32_t kBoundsVersion = 1;
/// Bytes before the first cluster record of tokens.bounds.
constexpr std::uint64_t kBoundsHeader = 64;

// --- fp16 -------------------------------------------------------------------------------------

std::uint16_t float_to_half(float f) {
    // Round to nearest even, IEEE 754 binary16; overflow to infinity cannot happen for the
    // unit-norm token vectors stored here but is handled.
    std::uint32_t x = 0;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000U;
    const std::uint32_t abs = x & 0x7fffffffU;
    if (abs >= 0x47800000U)  // >= 65536: inf (NaN is refused before)
        return static_cast<std::uint16_t>(sign | 0x7c00U);
    if (abs < 0x38800000U) {  // below the smallest normal half: subnormal or zero
        float a = 0.0F;
        std::memcpy(&a, &abs, 4);
        // Scale so that the subnormal step (2^-24) is 1, then round to nearest even.
        const float scaled = a * 16777216.0F;
        const auto q = static_cast<std::uint32_t>(std::nearbyint(scaled));
        return static_cast<std::uint16_t>(sign | q);
    }
    const std::uint32_t mant_odd = (abs >> 13) & 1U;
    const std::uint32_t rounded = abs + 0xfffU + mant_odd;
    return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000U) >> 13));
}

float half_to_float_scalar(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000U) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fU;
    const std::uint32_t mant = h & 0x3ffU;
    float out = 0.0F;
    if (exp == 0) {
        out = std::ldexp(static_cast<float>(mant), -24);
        if (sign != 0)
            out = -out;
        return out;
    }
    std::uint32_t bits = 0;
    if (exp == 31)
        bits = sign | 0x7f800000U | (mant << 13);
    else
        bits = sign | ((exp + 112U) << 23) | (mant << 13);
    std::memcpy(&out, &bits, 4);
    return out;
}

__attribute__((target("f16c,avx"))) void halves_to_floats_f16c(const std::uint16_t* in, float* out,
                                                               std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(
            out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
    for (; i < n; ++i)
        out[i] = half_to_float_scalar(in[i]);
}

void halves_to_floats(const std::uint16_t* in, float* out, std::size_t n) {
    // Every AVX2 CPU has F16C (Intel since Haswell, AMD since Piledriver); the scalar ISA
    // override (CASCADE_ISA=scalar) turns it off with the other kernels.
    static const bool f16c = __builtin_cpu_supports("avx2") && vector_kernels().isa != "scalar";
    if (f16c) {
        halves_to_floats_f16c(in, out, n);
        return;
    }
    for (std::size_t i = 0; i < n; ++i)
        out[i] = half_to_float_scalar(in[i]);
}

float l2_norm(const float* v, std::size_t n) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        s += static_cast<double>(v[i]) * v[i];
    return static_cast<float>(std::sqrt(s));
}

// --- manifests -------------------------------------------------------------------------------

/// The file list, then `trailer` when not empty (an optional field readers find by the bytes
/// left before the CRC), then the CRC.
void put_files(FileWriter& w, const std::vector<FileDigest>& digests,
               std::string_view trailer = {}) {
    w.put<std::uint32_t>(static_cast<std::uint32_t>(digests.size()));
    for (const auto& d : digests) {
        w.put_string(d.name);
        w.put<std::uint64_t>(d.size);
        w.put<std::uint32_t>(d.crc32);
    }
    if (!trailer.empty())
        w.put_string(trailer);
    w.put_checksum();
}

FileDigest write_array(const fs::path& path, std::string_view magic, const void* data,
                       std::size_t bytes) {
    FileWriter w(path, magic);
    w.pad_to(kAlign);
    w.write(data, bytes);
    return w.finish();
}

/// Reads a part's manifest (header, trailing CRC) and maps the files it lists.
class PartReader {
public:
    PartReader(const fs::path& dir, const char* manifest, std::string_view magic,
               std::string_view what, std::string_view how)
        : m_dir(dir) {
        if (!fs::exists(dir / manifest))
            throw IoError(fmt::format("{}: no {} here (missing {}; build one with {})",
                                      dir.string(), what, manifest, how));
        m_manifest = std::make_unique<MappedFile>(dir / manifest);
        m_manifest->check_header(magic);
        const std::string& name = m_manifest->name();
        if (m_manifest->size() < kFileHeaderSize + 4)
            throw CorruptionError(name + ": truncated");
        const std::uint64_t body = m_manifest->size() - 4;
        if (load<std::uint32_t>(m_manifest->data() + body) != crc32_of(m_manifest->data(), body))
            throw CorruptionError(name + ": checksum mismatch");
        m_reader.emplace(m_manifest->data() + kFileHeaderSize, m_manifest->data() + body, name);
    }
    ByteReader& reader() { return *m_reader; }

    /// Reads the file list that follows the part's own fields.
    void read_files() {
        const auto n = m_reader->get<std::uint32_t>();
        for (std::uint32_t i = 0; i < n; ++i) {
            Listed l;
            l.name = m_reader->get_string();
            l.size = m_reader->get<std::uint64_t>();
            l.crc = m_reader->get<std::uint32_t>();
            m_listed.push_back(std::move(l));
        }
    }

    /// Maps a listed file, checks magic, size (= the manifest's, >= `expected`) and CRC.
    const std::uint8_t* map(const std::string& name, std::string_view magic, std::uint64_t expected,
                            const OpenOptions& options,
                            std::vector<std::unique_ptr<MappedFile>>& files, std::uint64_t& total) {
        auto it = std::find_if(m_listed.begin(), m_listed.end(),
                               [&](const Listed& l) { return l.name == name; });
        if (it == m_listed.end())
            m_reader->fail("does not list " + name);
        auto file = std::make_unique<MappedFile>(m_dir / name);
        file->check_header(magic);
        if (file->size() != it->size)
            throw CorruptionError(fmt::format("{}: {} bytes, the manifest says {}", file->name(),
                                              file->size(), it->size));
        if (file->size() < expected)
            throw CorruptionError(fmt::format("{}: {} bytes, the manifest's counts need {}",
                                              file->name(), file->size(), expected));
        if (options.verify_checksums && file->crc32() != it->crc)
            throw CorruptionError(file->name() + ": checksum mismatch");
        total += file->size();
        const std::uint8_t* data = file->data();
        files.push_back(std::move(file));
        return data;
    }

    /// Whether the manifest lists `name` (optional files).
    [[nodiscard]] bool lists(const std::string& name) const {
        return std::any_of(m_listed.begin(), m_listed.end(),
                           [&](const Listed& l) { return l.name == name; });
    }

    std::unique_ptr<MappedFile> take_manifest() { return std::move(m_manifest); }

private:
    struct Listed {
        std::string name;
        std::uint64_t size = 0;
        std::uint32_t crc = 0;
    };
    fs::path m_dir;
    std::unique_ptr<MappedFile> m_manifest;
    std::optional<ByteReader> m_reader;
    std::vector<Listed> m_listed;
};

void check_part_belongs(const std::string& dir, std::string_view what, std::string_view how,
                        std::uint32_t count, std::uint64_t fingerprint, const Index& index) {
    if (index.num_docs() != count || docid_fingerprint(index) != fingerprint)
        throw CorruptionError(fmt::format(
            "{}: this {} was built for another collection ({} documents, the index has {}{}); "
            "rebuild it with {}",
            dir, what, count, index.num_docs(), index.num_docs() == count ? " with other ids" : "",
            how));
}

// --- token clusters: the MaxSim bound section ---------------------------------------------------

/// Tokens per cluster aimed at: the bound costs clusters / tokens of a full scoring.
constexpr std::size_t kTokensPerCluster = 12;
constexpr int kLloydRounds = 8;

/// Clusters for a document of `n` tokens: ceil(n / 12), at least 2 and at most n and `most`.
std::size_t cluster_count(std::size_t n, std::size_t most) {
    const std::size_t want =
        std::max<std::size_t>(2, (n + kTokensPerCluster - 1) / kTokensPerCluster);
    return std::min({want, n, most});
}

double squared_distance(const float* x, const double* c, std::size_t dim) {
    double s = 0.0;
    for (std::size_t j = 0; j < dim; ++j) {
        const double d = static_cast<double>(x[j]) - c[j];
        s += d * d;
    }
    return s;
}

/// The smallest float >= v (v >= 0); infinity above the float range or for NaN (a token that
/// fp16 stored as infinity), which bounds nothing and so never prunes.
float round_up_to_float(double v) {
    if (!(v <= static_cast<double>(std::numeric_limits<float>::max())))
        return std::numeric_limits<float>::infinity();
    auto f = static_cast<float>(v);
    if (static_cast<double>(f) < v)
        f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

/// One document's clusters: fp16 centroids and radii rounded up (stored), token assignment.
struct TokenClusters {
    std::vector<std::uint16_t> centroids;  // clusters x dim
    std::vector<float> radii;
    std::vector<std::uint8_t> assignment;  // per token
    std::vector<double> centres;           // scratch: clusters x dim
    std::vector<double> nearest;           // scratch: per token
    std::vector<std::size_t> members;      // scratch: per cluster
    std::vector<float> decoded;            // scratch: one centroid
};

/// Farthest-point seeds: the token farthest from the mean, then repeatedly the token farthest
/// from every seed so far (ties: the lowest token), stopping early when every token is a seed's
/// duplicate. Returns the number of seeds, written to m.centres.
std::size_t seed_clusters(const float* x, std::size_t n, std::size_t dim, std::size_t want,
                          TokenClusters& m) {
    std::vector<double> mean(dim, 0.0);
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t j = 0; j < dim; ++j)
            mean[j] += x[t * dim + j];
    for (double& v : mean)
        v /= static_cast<double>(n);
    m.nearest.assign(n, 0.0);
    for (std::size_t t = 0; t < n; ++t)
        m.nearest[t] = squared_distance(x + t * dim, mean.data(), dim);
    m.centres.clear();
    while (m.centres.size() / dim < want) {
        const auto far = static_cast<std::size_t>(
            std::max_element(m.nearest.begin(), m.nearest.end()) - m.nearest.begin());
        if (!m.centres.empty() && m.nearest[far] == 0.0)
            break;
        m.centres.insert(m.centres.end(), x + far * dim, x + (far + 1) * dim);
        const double* c = m.centres.data() + m.centres.size() - dim;
        for (std::size_t t = 0; t < n; ++t)
            m.nearest[t] = std::min(m.nearest[t], squared_distance(x + t * dim, c, dim));
    }
    return m.centres.size() / dim;
}

/// Lloyd rounds from the seeds: each token to its nearest centre (ties: the lowest), centres to
/// their members' means (an emptied centre stays), until nothing moves or kLloydRounds.
void lloyd(const float* x, std::size_t n, std::size_t dim, std::size_t clusters, TokenClusters& m) {
    m.assignment.assign(n, 0);
    for (int round = 0; round < kLloydRounds; ++round) {
        bool moved = false;
        for (std::size_t t = 0; t < n; ++t) {
            std::size_t best = 0;
            double best_d = squared_distance(x + t * dim, m.centres.data(), dim);
            for (std::size_t c = 1; c < clusters; ++c) {
                const double d = squared_distance(x + t * dim, m.centres.data() + c * dim, dim);
                if (d < best_d) {
                    best_d = d;
                    best = c;
                }
            }
            moved = moved || round == 0 || m.assignment[t] != best;
            m.assignment[t] = static_cast<std::uint8_t>(best);
        }
        if (!moved)
            break;
        m.members.assign(clusters, 0);
        std::vector<double> sums(clusters * dim, 0.0);
        for (std::size_t t = 0; t < n; ++t) {
            ++m.members[m.assignment[t]];
            for (std::size_t j = 0; j < dim; ++j)
                sums[m.assignment[t] * dim + j] += x[t * dim + j];
        }
        for (std::size_t c = 0; c < clusters; ++c)
            if (m.members[c] > 0)
                for (std::size_t j = 0; j < dim; ++j)
                    m.centres[c * dim + j] = sums[c * dim + j] / static_cast<double>(m.members[c]);
    }
}

/// Clusters the decoded tokens `x` (n x dim) for the MaxSim bound, in double with every tie to
/// the lowest index, so the same tokens give the same bytes on every machine and thread count.
/// Each kept (non-empty; every token is in one) cluster stores its members' mean rounded to fp16,
/// and as radius the largest distance of a member from that rounded centroid, rounded up to float:
/// every decoded token lies within its cluster's ball. A centroid that does not fit fp16 is stored
/// as 0 with the largest member norm as radius.
void cluster_tokens(const float* x, std::size_t n, std::size_t dim, std::size_t most,
                    TokenClusters& m) {
    m.centroids.clear();
    m.radii.clear();
    m.assignment.clear();
    if (n == 0 || most == 0)
        return;
    const std::size_t clusters = seed_clusters(x, n, dim, cluster_count(n, most), m);
    lloyd(x, n, dim, clusters, m);
    m.decoded.resize(dim);
    for (std::size_t c = 0; c < clusters; ++c) {
        std::vector<double> mean(dim, 0.0);
        std::size_t count = 0;
        for (std::size_t t = 0; t < n; ++t)
            if (m.assignment[t] == c) {
                ++count;
                for (std::size_t j = 0; j < dim; ++j)
                    mean[j] += x[t * dim + j];
            }
        if (count == 0)
            continue;  // emptied: no member to bound
        bool fits = true;
        const std::size_t at = m.centroids.size();
        for (std::size_t j = 0; j < dim; ++j) {
            const std::uint16_t h =
                float_to_half(static_cast<float>(mean[j] / static_cast<double>(count)));
            m.centroids.push_back(h);
            m.decoded[j] = half_to_float_scalar(h);
            fits = fits && std::isfinite(m.decoded[j]);
        }
        if (!fits) {
            std::fill(m.centroids.begin() + static_cast<std::ptrdiff_t>(at), m.centroids.end(), 0);
            std::fill(m.decoded.begin(), m.decoded.end(), 0.0F);
        }
        std::copy(m.decoded.begin(), m.decoded.end(), mean.begin());
        double radius = 0.0;
        for (std::size_t t = 0; t < n; ++t)
            if (m.assignment[t] == c)
                radius = std::max(radius, squared_distance(x + t * dim, mean.data(), dim));
        // The pad covers the double rounding of the distance; the float is rounded up.
        m.radii.push_back(round_up_to_float(std::sqrt(radius) * (1.0 + 0x1p-40)));
    }
}

/// Bytes of a document's record in tokens.bounds: u32 clusters, f32 radii, fp16 centroids,
/// padded to 8 (so the u64 record table after the last one stays aligned).
std::uint64_t bound_record_bytes(std::uint64_t clusters, std::uint64_t dim) {
    return (4 + 4 * clusters + 2 * clusters * dim + 7) / 8 * 8;
}

constexpr std::string_view kMultiHow = "cascade index --colbert";
constexpr std::string_view kTildeHow = "cascade index --tilde";

}  // namespace

std::string_view to_string(TokenCodec codec) {
    return codec == TokenCodec::Int8 ? "int8" : "fp16";
}

TokenCodec parse_token_codec(std::string_view name) {
    if (name == "fp16")
        return TokenCodec::Fp16;
    if (name == "int8")
        return TokenCodec::Int8;
    throw UsageError(fmt::format("unknown token codec '{}' (accepted: fp16, int8)", name));
}

fs::path multivector_dir(const fs::path& index_dir) {
    return index_dir / "multivector";
}

fs::path tilde_dir(const fs::path& index_dir) {
    return index_dir / "tilde";
}

// --- MultiVectorWriter -------------------------------------------------------------------------

struct MultiVectorWriter::Impl {
    AtomicDirectory out;
    std::uint32_t dim;
    TokenCodec codec;
    TokenPartOptions options;
    std::vector<std::uint64_t> offsets{0};
    std::vector<float> norms;
    std::unique_ptr<FileWriter> values;  // f16 or i8
    std::unique_ptr<FileWriter> scales;  // int8 only
    std::vector<std::uint16_t> halves;
    std::vector<std::int8_t> codes;
    std::vector<float> decoded;
    std::unique_ptr<FileWriter> bounds;        // tokens.bounds, when max_clusters > 0
    std::vector<std::uint64_t> bound_offsets;  // byte offset of each document's record
    TokenClusters clusters;
    bool finished = false;

    Impl(const fs::path& dir, std::uint32_t d, TokenCodec c, TokenPartOptions o)
        : out(dir), dim(d), codec(c), options(std::move(o)) {}
};

MultiVectorWriter::MultiVectorWriter(const fs::path& dir, std::uint32_t dim, TokenCodec codec,
                                     TokenPartOptions options) {
    if (dim == 0)
        throw UsageError("multivector part: the token vector dimension must be at least 1");
    m_impl = std::make_unique<Impl>(dir, dim, codec, std::move(options));
    const fs::path& s = m_impl->out.staging();
    if (codec == TokenCodec::Fp16) {
        m_impl->values = std::make_unique<FileWriter>(s / kHalvesFile, kHalvesMagic);
    } else {
        m_impl->values = std::make_unique<FileWriter>(s / kCodesFile, kCodesMagic);
        m_impl->scales = std::make_unique<FileWriter>(s / kScalesFile, kScalesMagic);
        m_impl->scales->pad_to(kAlign);
    }
    m_impl->values->pad_to(kAlign);
    const std::uint32_t most = m_impl->options.max_clusters;
    if (most > kMaxTokenClusters)
        throw UsageError(
            fmt::format("multivector part: at most {} token clusters per document, "
                        "not {}",
                        kMaxTokenClusters, most));
    if (most > 0) {
        m_impl->bounds = std::make_unique<FileWriter>(s / kBoundsFile, kBoundsMagic);
        m_impl->bounds->put<std::uint32_t>(kBoundsVersion);
        m_impl->bounds->put<std::uint32_t>(most);
        m_impl->bounds->pad_to(kBoundsHeader);
    }
}

MultiVectorWriter::~MultiVectorWriter() = default;

std::uint32_t MultiVectorWriter::size() const {
    return static_cast<std::uint32_t>(m_impl->norms.size());
}

namespace {

/// Clusters one decoded document (n tokens) and streams its bound record to `w`.
void add_bound_record(FileWriter& w, std::vector<std::uint64_t>& offsets, TokenClusters& c,
                      const float* decoded, std::size_t n, std::size_t dim, std::size_t most) {
    cluster_tokens(decoded, n, dim, most, c);
    offsets.push_back(w.size());
    w.put<std::uint32_t>(static_cast<std::uint32_t>(c.radii.size()));
    w.write(c.radii.data(), c.radii.size() * sizeof(float));
    w.write(c.centroids.data(), c.centroids.size() * sizeof(std::uint16_t));
    w.pad_to(8);
    CASCADE_ASSERT(w.size() - offsets.back() == bound_record_bytes(c.radii.size(), dim));
}

}  // namespace

void MultiVectorWriter::add(std::span<const float> rows) {
    Impl& m = *m_impl;
    CASCADE_ASSERT(!m.finished);
    const std::size_t doc = m.norms.size();
    if (doc >= 0xffffffffULL)
        throw UsageError("multivector part: more than 2^32 - 1 documents");
    if (rows.size() % m.dim != 0)
        throw InputError(m.options.source,
                         fmt::format("document {} (0-based): {} floats are not a whole number of "
                                     "{}-d token vectors",
                                     doc, rows.size(), m.dim));
    const std::size_t n = rows.size() / m.dim;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (!std::isfinite(rows[i]))
            throw InputError(m.options.source,
                             fmt::format("document {} (0-based), token {}, value {}: not a finite "
                                         "number",
                                         doc, i / m.dim, i % m.dim));
    float max_norm = 0.0F;
    m.decoded.resize(rows.size());
    if (m.codec == TokenCodec::Fp16) {
        m.halves.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i)
            m.halves[i] = float_to_half(rows[i]);
        for (std::size_t i = 0; i < rows.size(); ++i)
            m.decoded[i] = half_to_float_scalar(m.halves[i]);
        m.values->write(m.halves.data(), m.halves.size() * sizeof(std::uint16_t));
    } else {
        m.codes.resize(rows.size());
        for (std::size_t t = 0; t < n; ++t) {
            const float scale =
                quantize_i8({rows.data() + t * m.dim, m.dim}, {m.codes.data() + t * m.dim, m.dim});
            m.scales->put<float>(scale);
            for (std::size_t j = 0; j < m.dim; ++j)
                m.decoded[t * m.dim + j] = static_cast<float>(m.codes[t * m.dim + j]) * scale;
        }
        m.values->write(m.codes.data(), m.codes.size());
    }
    for (std::size_t t = 0; t < n; ++t)
        max_norm = std::max(max_norm, l2_norm(m.decoded.data() + t * m.dim, m.dim));
    if (m.bounds)
        add_bound_record(*m.bounds, m.bound_offsets, m.clusters, m.decoded.data(), n, m.dim,
                         m.options.max_clusters);
    m.norms.push_back(max_norm);
    m.offsets.push_back(m.offsets.back() + n);
}

void MultiVectorWriter::finish() {
    Impl& m = *m_impl;
    CASCADE_ASSERT(!m.finished);
    m.finished = true;
    const fs::path& s = m.out.staging();
    std::vector<FileDigest> digests;
    digests.push_back(write_array(s / kOffsetsFile, kOffsetsMagic, m.offsets.data(),
                                  m.offsets.size() * sizeof(std::uint64_t)));
    digests.push_back(write_array(s / kNormsFile, kTokenNormsMagic, m.norms.data(),
                                  m.norms.size() * sizeof(float)));
    digests.push_back(m.values->finish());
    if (m.scales)
        digests.push_back(m.scales->finish());
    if (m.bounds) {
        // The record offsets close the file: [count + 1] u64, the last one the table's start.
        m.bound_offsets.push_back(m.bounds->size());
        m.bounds->write(m.bound_offsets.data(), m.bound_offsets.size() * sizeof(std::uint64_t));
        digests.push_back(m.bounds->finish());
    }
    {
        FileWriter w(s / kMultiManifest, kMultiManifestMagic);
        w.put<std::uint32_t>(m.dim);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(m.norms.size()));
        w.put<std::uint8_t>(static_cast<std::uint8_t>(m.codec));
        w.put<std::uint8_t>(0);
        w.put<std::uint16_t>(0);
        w.put<std::uint64_t>(m.offsets.back());
        w.put_string(m.options.model);
        w.put<std::uint64_t>(m.options.ids_fingerprint);
        put_files(w, digests);
        (void)w.finish();
    }
    m.out.commit();
}

// --- MultiVectorStore --------------------------------------------------------------------------

MultiVectorStore::MultiVectorStore() = default;
MultiVectorStore::MultiVectorStore(MultiVectorStore&&) noexcept = default;
MultiVectorStore& MultiVectorStore::operator=(MultiVectorStore&&) noexcept = default;
MultiVectorStore::~MultiVectorStore() = default;

MultiVectorStore MultiVectorStore::open(const fs::path& dir, const OpenOptions& options) {
    MultiVectorStore st;
    st.m_dir = dir.string();
    PartReader part(dir, kMultiManifest, kMultiManifestMagic, "multivector part", kMultiHow);
    ByteReader& r = part.reader();
    st.m_dim = r.get<std::uint32_t>();
    st.m_count = r.get<std::uint32_t>();
    const auto codec = r.get<std::uint8_t>();
    (void)r.get<std::uint8_t>();
    (void)r.get<std::uint16_t>();
    const auto tokens = r.get<std::uint64_t>();
    st.m_model = r.get_string();
    st.m_ids_fingerprint = r.get<std::uint64_t>();
    part.read_files();
    if (codec > 1)
        r.fail("unknown token codec");
    if (st.m_dim == 0)
        r.fail("zero dimension");
    st.m_codec = static_cast<TokenCodec>(codec);
    const std::uint64_t count = st.m_count;
    std::uint64_t& total = st.m_total_bytes;
    st.m_offsets = reinterpret_cast<const std::uint64_t*>(part.map(kOffsetsFile, kOffsetsMagic,
                                                                   kAlign + (count + 1) * 8,
                                                                   options, st.m_files, total) +
                                                          kAlign);
    if (st.m_offsets[0] != 0 || st.m_offsets[count] != tokens)
        throw CorruptionError(st.m_dir + "/" + kOffsetsFile +
                              ": token offsets disagree with the manifest's token count");
    for (std::uint64_t d = 0; d < count; ++d)
        if (st.m_offsets[d + 1] < st.m_offsets[d])
            throw CorruptionError(
                fmt::format("{}/{}: offsets decrease at document {}", st.m_dir, kOffsetsFile, d));
    st.m_norms = reinterpret_cast<const float*>(
        part.map(kNormsFile, kTokenNormsMagic, kAlign + count * 4, options, st.m_files, total) +
        kAlign);
    const std::uint64_t values = tokens * st.m_dim;
    if (st.m_codec == TokenCodec::Fp16) {
        st.m_halves = reinterpret_cast<const std::uint16_t*>(
            part.map(kHalvesFile, kHalvesMagic, kAlign + values * 2, options, st.m_files, total) +
            kAlign);
    } else {
        st.m_codes = reinterpret_cast<const std::int8_t*>(
            part.map(kCodesFile, kCodesMagic, kAlign + values, options, st.m_files, total) +
            kAlign);
        st.m_scales = reinterpret_cast<const float*>(
            part.map(kScalesFile, kScalesMagic, kAlign + tokens * 4, options, st.m_files, total) +
            kAlign);
    }
    if (part.lists(kBoundsFile)) {
        const std::uint8_t* bounds = part.map(
            kBoundsFile, kBoundsMagic, kBoundsHeader + (count + 1) * 8, options, st.m_files, total);
        st.attach_bounds(bounds, st.m_files.back()->size());
    }
    auto manifest = part.take_manifest();
    total += manifest->size();
    st.m_files.push_back(std::move(manifest));
    return st;
}

void MultiVectorStore::attach_bounds(const std::uint8_t* data, std::uint64_t size) {
    const std::string name = m_dir + "/" + kBoundsFile;
    if (load<std::uint32_t>(data + kFileHeaderSize) != kBoundsVersion)
        return;  // another version of the optional section: prune with the norms alone
    const auto most = load<std::uint32_t>(data + kFileHeaderSize + 4);
    if (most == 0 || most > kMaxTokenClusters)
        throw CorruptionError(fmt::format("{}: {} clusters per document at most", name, most));
    const std::uint64_t table = size - (std::uint64_t{m_count} + 1) * 8;
    if (table % 8 != 0)
        throw CorruptionError(name + ": the record table is not at the end of the file");
    const auto* offsets = reinterpret_cast<const std::uint64_t*>(data + table);
    if (offsets[0] != kBoundsHeader || offsets[m_count] != table)
        throw CorruptionError(name + ": record offsets disagree with the file size");
    for (std::uint32_t d = 0; d < m_count; ++d) {
        const std::uint64_t at = offsets[d];
        if (offsets[d + 1] < at + 4 || offsets[d + 1] > table)
            throw CorruptionError(fmt::format("{}: bad record offsets at document {}", name, d));
        const auto clusters = load<std::uint32_t>(data + at);
        const std::uint32_t n = num_tokens(d);
        if (clusters > most || clusters > n || (clusters == 0) != (n == 0) ||
            offsets[d + 1] - at != bound_record_bytes(clusters, m_dim))
            throw CorruptionError(
                fmt::format("{}: document {}: {} clusters in a {}-byte record for {} tokens", name,
                            d, clusters, offsets[d + 1] - at, n));
    }
    m_bounds = data;
    m_bound_offsets = offsets;
    m_bounds_bytes = size;
}

std::uint32_t MultiVectorStore::decode_clusters(std::uint32_t docid, std::vector<float>& centroids,
                                                std::vector<float>& radii) const {
    CASCADE_ASSERT(m_bounds != nullptr);
    const std::uint8_t* record = m_bounds + m_bound_offsets[docid];
    const auto clusters = load<std::uint32_t>(record);
    radii.resize(clusters);
    std::memcpy(radii.data(), record + 4, std::size_t{clusters} * sizeof(float));
    centroids.resize(std::size_t{clusters} * m_dim);
    halves_to_floats(reinterpret_cast<const std::uint16_t*>(record + 4 + 4 * std::size_t{clusters}),
                     centroids.data(), centroids.size());
    return clusters;
}

std::uint64_t MultiVectorStore::total_tokens() const {
    return m_offsets[m_count];
}

std::size_t MultiVectorStore::bytes_per_token() const {
    return m_codec == TokenCodec::Fp16 ? 2 * std::size_t{m_dim} : std::size_t{m_dim} + 4;
}

void MultiVectorStore::check_belongs_to(const Index& index) const {
    check_part_belongs(m_dir, "multivector part", kMultiHow, m_count, m_ids_fingerprint, index);
}

std::uint32_t MultiVectorStore::num_tokens(std::uint32_t docid) const {
    return static_cast<std::uint32_t>(m_offsets[docid + 1] - m_offsets[docid]);
}

void MultiVectorStore::decode(std::uint32_t docid, std::vector<float>& out) const {
    const std::uint64_t first = m_offsets[docid];
    const std::uint64_t n = m_offsets[docid + 1] - first;
    out.resize(n * m_dim);
    if (m_codec == TokenCodec::Fp16) {
        halves_to_floats(m_halves + first * m_dim, out.data(), n * m_dim);
        return;
    }
    for (std::uint64_t t = 0; t < n; ++t) {
        const float scale = m_scales[first + t];
        const std::int8_t* c = m_codes + (first + t) * m_dim;
        float* o = out.data() + t * m_dim;
        for (std::uint32_t j = 0; j < m_dim; ++j)
            o[j] = static_cast<float>(c[j]) * scale;
    }
}

namespace {

/// The best inner product of query token `q` with the decoded document (-inf for none).
float best_dot(const float* q, const std::vector<float>& doc, std::size_t dim) {
    const DotF32 dot = vector_kernels().dot_f32;
    float best = -std::numeric_limits<float>::infinity();
    for (std::size_t off = 0; off < doc.size(); off += dim)
        best = std::max(best, dot(q, doc.data() + off, dim));
    return best;
}

/// An upper bound made safe against the rounding of the sums it is compared with.
double inflate(double bound) {
    return bound + std::abs(bound) * kBoundSlack + 1e-12;
}

void check_query(const MultiVectorStore& store, std::span<const float> query) {
    if (store.dim() == 0 || query.size() % store.dim() != 0)
        throw UsageError(
            fmt::format("MaxSim: {} query floats are not a whole number of {}-d "
                        "token vectors (the multivector part's dimension)",
                        query.size(), store.dim()));
}

}  // namespace

float maxsim(const MultiVectorStore& store, std::span<const float> query, std::uint32_t docid,
             std::vector<float>& scratch) {
    check_query(store, query);
    store.decode(docid, scratch);
    if (scratch.empty())
        return 0.0F;
    const std::size_t dim = store.dim();
    double sum = 0.0;
    for (std::size_t off = 0; off < query.size(); off += dim)
        sum += static_cast<double>(best_dot(query.data() + off, scratch, dim));
    return static_cast<float>(sum);
}

namespace {

/// One query's MaxSim scoring of candidates under a pruning threshold. Every score it returns
/// is the sum in query order, in double, of the per-token maxima, rounded once: the same bits
/// as maxsim() and an unpruned run, whatever order the query tokens were scored in.
class MaxSimScorer {
public:
    MaxSimScorer(const MultiVectorStore& store, std::span<const float> query, MaxSimStats& stats)
        : m_store(store),
          m_query(query),
          m_dim(store.dim()),
          m_nq(query.size() / store.dim()),
          m_stats(stats) {
        m_norms.resize(m_nq);
        m_norm_suffix.assign(m_nq + 1, 0.0);
        for (std::size_t i = m_nq; i-- > 0;) {
            m_norms[i] = l2_norm(query.data() + i * m_dim, m_dim);
            m_norm_suffix[i] = m_norm_suffix[i + 1] + static_cast<double>(m_norms[i]);
        }
        m_best.resize(m_nq);
    }

    /// `docid`'s exact score, or nullopt when a bound proves it below `threshold` (a float
    /// score; -inf never prunes).
    std::optional<float> score(std::uint32_t docid, MaxSimBound bound, double threshold) {
        // Until the top k is full nothing can be pruned: no bound is worth computing.
        const bool can_prune = threshold > -std::numeric_limits<double>::infinity();
        return bound == MaxSimBound::Clusters && can_prune ? by_clusters(docid, threshold)
                                                           : by_norms(docid, threshold);
    }

private:
    [[nodiscard]] const float* query_token(std::size_t i) const {
        return m_query.data() + i * m_dim;
    }

    /// The norm bound, query tokens in order (the scoring before the cluster section).
    std::optional<float> by_norms(std::uint32_t docid, double threshold) {
        const double doc_norm = static_cast<double>(m_store.max_norm(docid)) * (1.0 + kBoundSlack);
        // Even a perfect match on every query token cannot reach the k-th score.
        if (inflate(m_norm_suffix[0] * doc_norm) < threshold)
            return std::nullopt;
        m_store.decode(docid, m_doc);
        const std::size_t rows = m_doc.size() / m_dim;
        double sum = 0.0;
        for (std::size_t i = 0; i < m_nq && rows > 0; ++i) {
            sum += static_cast<double>(best_dot(query_token(i), m_doc, m_dim));
            ++m_stats.query_tokens_scored;
            m_stats.token_dots += rows;
            if (i + 1 < m_nq && inflate(sum + m_norm_suffix[i + 1] * doc_norm) < threshold)
                return std::nullopt;
        }
        return static_cast<float>(sum);
    }

    std::optional<float> by_clusters(std::uint32_t docid, double threshold);
    void bound_query_tokens(std::uint32_t docid);

    const MultiVectorStore& m_store;
    std::span<const float> m_query;
    std::size_t m_dim;
    std::size_t m_nq;
    MaxSimStats& m_stats;
    std::vector<float> m_norms;         // |q_i|
    std::vector<double> m_norm_suffix;  // sum of |q_j| for j >= i
    std::vector<float> m_doc;           // decoded tokens
    std::vector<float> m_centroids;
    std::vector<float> m_radii;
    std::vector<double> m_bound;  // per query token: its bound in the document
    std::vector<double> m_gap;    // per query token: bound - best centroid product
    std::vector<std::uint32_t> m_order;
    std::vector<double> m_suffix;  // sum of m_bound over m_order[t..]
    std::vector<float> m_best;     // per query token: its best inner product
};

/// Bounds every query token's best inner product in `docid` from its clusters (one pass over
/// nq x clusters centroids) and orders the query tokens for scoring (m_order, m_suffix).
void MaxSimScorer::bound_query_tokens(std::uint32_t docid) {
    const std::uint32_t clusters = m_store.decode_clusters(docid, m_centroids, m_radii);
    const DotF32 dot = vector_kernels().dot_f32;
    const auto doc_norm = static_cast<double>(m_store.max_norm(docid));
    // A float dot product of d terms is within d * 2^-24 |q| |x| of the exact one (any
    // summation order, FMA or not), for the tokens as for the centroids (|centroid| <= the
    // largest member norm up to fp16 rounding); the sum with |q| r and the stored norms add a
    // few roundings more. (4d + 32) * 2^-24 |q| max_norm covers all of it twice over.
    const double eps = (4.0 * static_cast<double>(m_dim) + 32.0) * 0x1p-24;
    m_bound.resize(m_nq);
    m_gap.resize(m_nq);
    for (std::size_t i = 0; i < m_nq; ++i) {
        float best_ub = -std::numeric_limits<float>::infinity();
        float best_centre = -std::numeric_limits<float>::infinity();
        for (std::uint32_t c = 0; c < clusters; ++c) {
            const float p = dot(query_token(i), m_centroids.data() + c * m_dim, m_dim);
            best_ub = std::max(best_ub, p + m_norms[i] * m_radii[c]);
            best_centre = std::max(best_centre, p);
        }
        const double cap = static_cast<double>(m_norms[i]) * doc_norm;
        m_bound[i] = std::min(static_cast<double>(best_ub), cap) + cap * eps;
        m_gap[i] = m_bound[i] - static_cast<double>(best_centre);
    }
    m_stats.bound_dots += m_nq * clusters;
    // Largest expected drop first: the bound exceeds the best centroid product most where the
    // document is least likely to hold a close token, so scoring those tokens first lowers the
    // remaining bound fastest. Ties: query order.
    m_order.resize(m_nq);
    std::iota(m_order.begin(), m_order.end(), 0U);
    std::sort(m_order.begin(), m_order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return m_gap[a] > m_gap[b] || (m_gap[a] == m_gap[b] && a < b);
    });
    m_suffix.assign(m_nq + 1, 0.0);
    for (std::size_t t = m_nq; t-- > 0;)
        m_suffix[t] = m_suffix[t + 1] + m_bound[m_order[t]];
}

std::optional<float> MaxSimScorer::by_clusters(std::uint32_t docid, double threshold) {
    if (m_store.num_tokens(docid) == 0)
        return inflate(0.0) < threshold ? std::nullopt : std::optional<float>(0.0F);
    bound_query_tokens(docid);
    if (inflate(m_suffix[0]) < threshold)
        return std::nullopt;  // proven out without decoding the document
    m_store.decode(docid, m_doc);
    const std::size_t rows = m_doc.size() / m_dim;
    double partial = 0.0;
    for (std::size_t t = 0; t < m_nq; ++t) {
        const std::uint32_t i = m_order[t];
        m_best[i] = best_dot(query_token(i), m_doc, m_dim);
        partial += static_cast<double>(m_best[i]);
        ++m_stats.query_tokens_scored;
        m_stats.token_dots += rows;
        if (t + 1 < m_nq && inflate(partial + m_suffix[t + 1]) < threshold)
            return std::nullopt;
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < m_nq; ++i)
        sum += static_cast<double>(m_best[i]);
    return static_cast<float>(sum);
}

}  // namespace

std::vector<MaxSimHit> maxsim_top_k(const MultiVectorStore& store, std::span<const float> query,
                                    std::span<const MaxSimCandidate> candidates, std::size_t k,
                                    MaxSimBound bound, MaxSimStats* stats) {
    check_query(store, query);
    if (bound == MaxSimBound::Clusters && !store.has_clusters())
        throw UsageError(
            "MaxSim: the multivector part has no cluster bound section (rebuild it "
            "with this version of cascade index --colbert)");
    if (k == 0 || k > candidates.size())
        k = candidates.size();
    auto better = [&](const MaxSimHit& a, const MaxSimHit& b) {
        return a.score > b.score || (a.score == b.score && candidates[a.candidate].tie_rank <
                                                               candidates[b.candidate].tie_rank);
    };
    // Min-heap on "better": the top is the worst hit kept.
    std::priority_queue<MaxSimHit, std::vector<MaxSimHit>, decltype(better)> heap(better);
    MaxSimStats local;
    local.candidates = candidates.size();
    MaxSimScorer scorer(store, query, local);
    for (std::uint32_t c = 0; c < candidates.size(); ++c) {
        const std::uint32_t docid = candidates[c].docid;
        CASCADE_ASSERT(docid < store.size());
        const bool full = heap.size() == k;
        // Pruning can only drop a candidate that would lose to the k-th: strictly below its
        // score (an equal score may still win on the tie rank).
        const double threshold = bound != MaxSimBound::None && full && k > 0
                                     ? static_cast<double>(heap.top().score)
                                     : -std::numeric_limits<double>::infinity();
        const std::optional<float> score = scorer.score(docid, bound, threshold);
        if (!score) {
            ++local.pruned;
            continue;
        }
        MaxSimHit hit{*score, c};
        if (heap.size() < k) {
            heap.push(hit);
        } else if (k > 0 && better(hit, heap.top())) {
            heap.pop();
            heap.push(hit);
        }
    }
    std::vector<MaxSimHit> out;
    out.reserve(heap.size());
    while (!heap.empty()) {
        out.push_back(heap.top());
        heap.pop();
    }
    std::reverse(out.begin(), out.end());
    if (stats != nullptr)
        *stats = local;
    return out;
}

std::vector<MaxSimHit> maxsim_top_k(const MultiVectorStore& store, std::span<const float> query,
                                    std::span<const MaxSimCandidate> candidates, std::size_t k,
                                    bool prune, MaxSimStats* stats) {
    const MaxSimBound bound = !prune                 ? MaxSimBound::None
                              : store.has_clusters() ? MaxSimBound::Clusters
                                                     : MaxSimBound::DocNorm;
    return maxsim_top_k(store, query, candidates, k, bound, stats);
}

// --- TILDE -------------------------------------------------------------------------------------

struct TildeWriter::Impl {
    AtomicDirectory out;
    TokenPartOptions options;
    std::vector<std::uint64_t> offsets{0};
    std::vector<std::uint32_t> tokens;
    std::vector<float> weights;
    std::vector<std::pair<std::uint32_t, float>> sorted;
    bool finished = false;

    Impl(const fs::path& dir, TokenPartOptions o) : out(dir), options(std::move(o)) {}
};

TildeWriter::TildeWriter(const fs::path& dir, TokenPartOptions options)
    : m_impl(std::make_unique<Impl>(dir, std::move(options))) {}

TildeWriter::~TildeWriter() = default;

std::uint32_t TildeWriter::size() const {
    return static_cast<std::uint32_t>(m_impl->offsets.size() - 1);
}

void TildeWriter::add(std::span<const std::pair<std::uint32_t, float>> weights) {
    Impl& m = *m_impl;
    CASCADE_ASSERT(!m.finished);
    const std::size_t doc = m.offsets.size() - 1;
    m.sorted.assign(weights.begin(), weights.end());
    std::sort(m.sorted.begin(), m.sorted.end());
    for (std::size_t i = 0; i < m.sorted.size(); ++i) {
        const auto [token, w] = m.sorted[i];
        if (!std::isfinite(w) || w < 0.0F)
            throw InputError(m.options.source,
                             fmt::format("document {} (0-based), token id {}: weight {} is not a "
                                         "finite non-negative number",
                                         doc, token, w));
        if (i > 0 && m.sorted[i - 1].first == token)
            throw InputError(m.options.source,
                             fmt::format("document {} (0-based): token id {} is listed twice "
                                         "(TILDE keeps one weight per distinct token)",
                                         doc, token));
        m.tokens.push_back(token);
        m.weights.push_back(w);
    }
    m.offsets.push_back(m.tokens.size());
}

void TildeWriter::finish() {
    Impl& m = *m_impl;
    CASCADE_ASSERT(!m.finished);
    m.finished = true;
    float max_w = 0.0F;
    for (float w : m.weights)
        max_w = std::max(max_w, w);
    // 8-bit linear quantisation over the global maximum: code = round(w / scale), scale =
    // max / 255, so the largest weight is 255 and every weight is within scale / 2.
    const float scale = max_w > 0.0F ? max_w / 255.0F : 0.0F;
    std::vector<std::uint8_t> codes(m.weights.size());
    for (std::size_t i = 0; i < codes.size(); ++i)
        codes[i] =
            scale > 0.0F
                ? static_cast<std::uint8_t>(std::min(255.0F, std::nearbyint(m.weights[i] / scale)))
                : 0;
    const fs::path& s = m.out.staging();
    std::vector<FileDigest> digests;
    digests.push_back(write_array(s / kTildeOffsets, kTildeOffsetsMagic, m.offsets.data(),
                                  m.offsets.size() * sizeof(std::uint64_t)));
    digests.push_back(write_array(s / kTildeTokens, kTildeTokensMagic, m.tokens.data(),
                                  m.tokens.size() * sizeof(std::uint32_t)));
    digests.push_back(write_array(s / kTildeCodes, kTildeCodesMagic, codes.data(), codes.size()));
    {
        FileWriter w(s / kTildeManifest, kTildeManifestMagic);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(m.offsets.size() - 1));
        w.put<float>(scale);
        w.put<std::uint64_t>(m.tokens.size());
        w.put_string(m.options.model);
        w.put<std::uint64_t>(m.options.ids_fingerprint);
        put_files(w, digests, m.options.expansion);
        (void)w.finish();
    }
    m.out.commit();
}

TildeStore::TildeStore() = default;
TildeStore::TildeStore(TildeStore&&) noexcept = default;
TildeStore& TildeStore::operator=(TildeStore&&) noexcept = default;
TildeStore::~TildeStore() = default;

TildeStore TildeStore::open(const fs::path& dir, const OpenOptions& options) {
    TildeStore st;
    st.m_dir = dir.string();
    PartReader part(dir, kTildeManifest, kTildeManifestMagic, "TILDE part", kTildeHow);
    ByteReader& r = part.reader();
    st.m_count = r.get<std::uint32_t>();
    st.m_scale = r.get<float>();
    const auto pairs = r.get<std::uint64_t>();
    st.m_model = r.get_string();
    st.m_ids_fingerprint = r.get<std::uint64_t>();
    part.read_files();
    if (r.remaining() > 0)
        st.m_expansion = r.get_string();
    if (!std::isfinite(st.m_scale) || st.m_scale < 0.0F)
        r.fail("bad weight scale");
    const std::uint64_t count = st.m_count;
    std::uint64_t& total = st.m_total_bytes;
    st.m_offsets = reinterpret_cast<const std::uint64_t*>(
        part.map(kTildeOffsets, kTildeOffsetsMagic, kAlign + (count + 1) * 8, options, st.m_files,
                 total) +
        kAlign);
    if (st.m_offsets[0] != 0 || st.m_offsets[count] != pairs)
        throw CorruptionError(st.m_dir + "/" + kTildeOffsets +
                              ": offsets disagree with the manifest's token count");
    for (std::uint64_t d = 0; d < count; ++d)
        if (st.m_offsets[d + 1] < st.m_offsets[d])
            throw CorruptionError(
                fmt::format("{}/{}: offsets decrease at document {}", st.m_dir, kTildeOffsets, d));
    st.m_tokens = reinterpret_cast<const std::uint32_t*>(
        part.map(kTildeTokens, kTildeTokensMagic, kAlign + pairs * 4, options, st.m_files, total) +
        kAlign);
    st.m_codes =
        part.map(kTildeCodes, kTildeCodesMagic, kAlign + pairs, options, st.m_files, total) +
        kAlign;
    auto manifest = part.take_manifest();
    total += manifest->size();
    st.m_files.push_back(std::move(manifest));
    return st;
}

void TildeStore::check_belongs_to(const Index& index) const {
    check_part_belongs(m_dir, "TILDE part", kTildeHow, m_count, m_ids_fingerprint, index);
}

std::vector<std::pair<std::uint32_t, float>> TildeStore::weights(std::uint32_t docid) const {
    std::vector<std::pair<std::uint32_t, float>> out;
    for (std::uint64_t i = m_offsets[docid]; i < m_offsets[docid + 1]; ++i)
        out.emplace_back(m_tokens[i], static_cast<float>(m_codes[i]) * m_scale);
    return out;
}

float TildeStore::score(std::uint32_t docid, std::span<const std::uint32_t> query_tokens) const {
    const std::uint32_t* first = m_tokens + m_offsets[docid];
    const std::uint32_t* last = m_tokens + m_offsets[docid + 1];
    double sum = 0.0;
    for (std::uint32_t t : query_tokens) {
        const std::uint32_t* it = std::lower_bound(first, last, t);
        if (it != last && *it == t)
            sum += static_cast<double>(static_cast<float>(m_codes[it - m_tokens]) * m_scale);
    }
    return static_cast<float>(sum);
}

}  // namespace cascade::index
