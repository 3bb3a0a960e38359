// The dense part: kernels against a double loop on every ISA this CPU has, exact search against
// a sort, HNSW recall against exact (fails when the graph is built wrong), the int8 scan with
// re-scoring, the on-disk round trip, and damaged or mismatched parts refused.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "index/dense_index.hpp"
#include "index/hnsw.hpp"
#include "index/vector_ops.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using cascade::testing::TempDir;

/// Clustered vectors (as real embeddings are): `clusters` random centres plus noise.
std::vector<float> clustered(std::size_t count, std::uint32_t dim, std::uint32_t seed,
                             std::size_t clusters = 50) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::vector<float> centres(clusters * dim);
    for (float& x : centres)
        x = normal(rng);
    std::vector<float> v(count * dim);
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t c = pick(rng);
        for (std::uint32_t j = 0; j < dim; ++j)
            v[i * dim + j] = centres[c * dim + j] + 0.6F * normal(rng);
    }
    return v;
}

std::vector<std::string> isas() {
    std::vector<std::string> out;
    for (const char* isa : {"scalar", "avx2", "avx512"}) {
        try {
            (void)vector_kernels(isa);
            out.emplace_back(isa);
        } catch (const UsageError&) {
        }
    }
    return out;
}

TEST(VectorKernels, DotProductsMatchADoubleLoopOnEveryIsa) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1, 1);
    std::uniform_int_distribution<int> c(-127, 127);
    for (const std::string& isa : isas()) {
        const VectorKernels& k = vector_kernels(isa);
        for (std::size_t n = 0; n <= 130; ++n) {
            std::vector<float> a(n), b(n);
            std::vector<std::int8_t> x(n), y(n);
            double exact = 0;
            std::int32_t exact_i = 0;
            for (std::size_t i = 0; i < n; ++i) {
                a[i] = u(rng);
                b[i] = u(rng);
                x[i] = static_cast<std::int8_t>(c(rng));
                y[i] = static_cast<std::int8_t>(c(rng));
                exact += static_cast<double>(a[i]) * b[i];
                exact_i += x[i] * y[i];
            }
            EXPECT_NEAR(k.dot_f32(a.data(), b.data(), n), exact, 1e-5 * (1 + n))
                << isa << " n " << n;
            EXPECT_EQ(k.dot_i8(x.data(), y.data(), n), exact_i) << isa << " n " << n;
        }
    }
}

TEST(VectorKernels, QuantizeKeepsTheLargestValueAndTheSigns) {
    std::vector<float> v{0.5F, -1.0F, 0.25F, 0.0F};
    std::vector<std::int8_t> codes(4);
    const float scale = quantize_i8(v, codes);
    EXPECT_FLOAT_EQ(scale, 1.0F / 127.0F);
    EXPECT_EQ(codes, (std::vector<std::int8_t>{64, -127, 32, 0}));
    std::vector<float> zero(3, 0.0F);
    std::vector<std::int8_t> zc(3, 5);
    EXPECT_EQ(quantize_i8(zero, zc), 0.0F);
    EXPECT_EQ(zc, (std::vector<std::int8_t>(3, 0)));
}

/// Exact top-k by sorting every score (ties by docid).
std::vector<std::uint32_t> brute_force(const std::vector<float>& v, std::uint32_t dim,
                                       const float* q, std::size_t k) {
    std::vector<std::pair<double, std::uint32_t>> all;
    for (std::uint32_t d = 0; d < v.size() / dim; ++d) {
        double s = 0;
        for (std::uint32_t j = 0; j < dim; ++j)
            s += static_cast<double>(q[j]) * v[d * dim + j];
        all.emplace_back(-s, d);
    }
    std::sort(all.begin(), all.end());
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < k && i < all.size(); ++i)
        out.push_back(all[i].second);
    return out;
}

double recall(const std::vector<ScoredNode>& found, const std::vector<std::uint32_t>& truth) {
    std::set<std::uint32_t> t(truth.begin(), truth.end());
    std::size_t hit = 0;
    for (const auto& f : found)
        hit += t.count(f.second);
    return static_cast<double>(hit) / static_cast<double>(truth.size());
}

class DenseTest : public ::testing::Test {
protected:
    static constexpr std::uint32_t kDim = 24;
    static constexpr std::size_t kCount = 4000;

    void SetUp() override {
        // Unit vectors, as embedders give (HNSW on raw inner products is maximum inner-product
        // search, a harder problem the index does not claim to solve as well).
        m_vectors = clustered(kCount, kDim, 11);
        m_queries = clustered(100, kDim, 12);
        for (std::size_t i = 0; i < kCount; ++i)
            normalize({m_vectors.data() + i * kDim, kDim});
    }

    DenseIndex build(const fs::path& dir, DenseBuildOptions options = {}) {
        options.metric = VectorMetric::InnerProduct;
        options.hnsw_params.m = 12;
        options.hnsw_params.ef_construction = 100;
        write_dense(dir, m_vectors, kDim, options);
        return DenseIndex::open(dir);
    }

    double mean_recall(const DenseIndex& index, DenseSearchOptions options) {
        double sum = 0;
        for (std::size_t q = 0; q < 100; ++q) {
            const float* query = m_queries.data() + q * kDim;
            sum += recall(index.search({query, kDim}, options),
                          brute_force(m_vectors, kDim, query, options.k));
        }
        return sum / 100;
    }

    TempDir m_tmp;
    std::vector<float> m_vectors;
    std::vector<float> m_queries;
};

TEST_F(DenseTest, ExactSearchIsTheSortedInnerProducts) {
    DenseIndex index = build(m_tmp / "d");
    for (std::size_t q = 0; q < 20; ++q) {
        const float* query = m_queries.data() + q * kDim;
        const auto found = index.search({query, kDim}, {.k = 10, .method = DenseMethod::Exact});
        ASSERT_EQ(found.size(), 10U);
        std::vector<std::uint32_t> ids;
        for (const auto& [s, d] : found) {
            ids.push_back(d);
            EXPECT_NEAR(s, index.score({query, kDim}, d), 1e-6);
        }
        EXPECT_EQ(ids, brute_force(m_vectors, kDim, query, 10));
        EXPECT_TRUE(std::is_sorted(found.begin(), found.end(),
                                   [](auto& a, auto& b) { return a.first > b.first; }));
    }
}

TEST_F(DenseTest, ExactSearchBreaksTiesByDocid) {
    std::vector<float> same(6 * 2, 1.0F);
    write_dense(m_tmp / "t", same, 2, {.metric = VectorMetric::InnerProduct, .hnsw = false});
    const DenseIndex index = DenseIndex::open(m_tmp / "t");
    const std::vector<float> q{1.0F, 1.0F};
    for (const DenseMethod m : {DenseMethod::Exact, DenseMethod::Int8}) {
        const auto found = index.search(q, {.k = 4, .method = m});
        ASSERT_EQ(found.size(), 4U);
        for (std::uint32_t i = 0; i < 4; ++i)
            EXPECT_EQ(found[i].second, i) << to_string(m);
    }
}

TEST_F(DenseTest, HnswFindsWhatExactSearchFinds) {
    DenseIndex index = build(m_tmp / "d", {.threads = 1});
    ASSERT_TRUE(index.has_hnsw());
    const double r = mean_recall(index, {.k = 10, .method = DenseMethod::Hnsw, .ef = 64});
    EXPECT_GE(r, 0.97) << "recall@10 at ef 64";
    // A tiny ef cannot beat a large one.
    const double low = mean_recall(index, {.k = 10, .method = DenseMethod::Hnsw, .ef = 10});
    EXPECT_LE(low, r);
}

TEST_F(DenseTest, HnswOnInt8CodesFindsWhatExactSearchFindsWithExactScores) {
    DenseIndex index = build(m_tmp / "d", {.threads = 1});
    const DenseSearchOptions walk{.k = 10, .method = DenseMethod::HnswInt8, .ef = 64};
    EXPECT_GE(mean_recall(index, walk), 0.97) << "recall@10 at ef 64";
    // The default search of a part with a graph and codes is this one.
    const float* q = m_queries.data();
    const auto found = index.search({q, kDim}, walk);
    EXPECT_EQ(index.search({q, kDim}, {.k = 10, .ef = 64}), found);
    ASSERT_EQ(found.size(), 10U);
    for (std::size_t i = 0; i < found.size(); ++i) {
        // Re-scored in fp32, and ordered by those scores (ties by docid).
        EXPECT_FLOAT_EQ(found[i].first, index.score({q, kDim}, found[i].second));
        if (i > 0) {
            EXPECT_TRUE(
                found[i - 1].first > found[i].first ||
                (found[i - 1].first == found[i].first && found[i - 1].second < found[i].second));
        }
    }
    // Re-scoring only the best k of the walk's ef cannot find more than re-scoring 4k.
    EXPECT_LE(
        mean_recall(index, {.k = 10, .method = DenseMethod::HnswInt8, .ef = 64, .rescore = 1}),
        mean_recall(index, walk));
    // It needs both the graph and the codes.
    DenseIndex no_codes = build(m_tmp / "n", {.int8 = false});
    EXPECT_THROW((void)no_codes.search({q, kDim}, walk), UsageError);
    EXPECT_EQ(no_codes.search({q, kDim}, {.k = 10, .ef = 64}),
              no_codes.search({q, kDim}, {.k = 10, .method = DenseMethod::Hnsw, .ef = 64}));
    DenseIndex no_graph = build(m_tmp / "g", {.hnsw = false});
    EXPECT_THROW((void)no_graph.search({q, kDim}, walk), UsageError);
}

TEST_F(DenseTest, ParallelBuildKeepsRecall) {
    // A parallel build's graph depends on how the threads interleave: on a loaded machine
    // recall@10 at ef 64 was seen from 0.964 to 0.99 (one thread: 0.97 and up, held above).
    // 0.95 leaves that noise room and still fails a graph that loses links wholesale.
    DenseIndex index = build(m_tmp / "d", {.threads = 4});
    EXPECT_GE(mean_recall(index, {.k = 10, .method = DenseMethod::Hnsw, .ef = 64}), 0.95);
}

TEST_F(DenseTest, GraphIsWellFormedAndConnected) {
    const HnswGraph graph = build_hnsw(m_vectors.data(), kCount, kDim, {.m = 8}, 1);
    const HnswView view = graph.view(m_vectors.data(), kDim);
    std::vector<char> seen(kCount, 0);
    std::vector<std::uint32_t> stack{view.entry};
    seen[view.entry] = 1;
    std::size_t reached = 1;
    for (std::uint32_t n = 0; n < kCount; ++n) {
        EXPECT_LE(view.level_of(n), view.max_level);
        for (std::uint32_t l = 0; l <= view.level_of(n); ++l) {
            const auto links = view.links(n, l);
            EXPECT_LE(links.size(), l == 0 ? 16U : 8U);
            EXPECT_FALSE(links.empty() && kCount > 1 && l == 0) << "node " << n << " has no links";
            for (std::uint32_t x : links) {
                ASSERT_LT(x, kCount);
                EXPECT_NE(x, n);
                EXPECT_GE(view.level_of(x), l) << "link to a node below level " << l;
            }
        }
    }
    EXPECT_EQ(view.level_of(view.entry), view.max_level);
    while (!stack.empty()) {
        const std::uint32_t n = stack.back();
        stack.pop_back();
        for (std::uint32_t x : view.links(n, 0))
            if (!seen[x]) {
                seen[x] = 1;
                ++reached;
                stack.push_back(x);
            }
    }
    EXPECT_GE(reached, kCount * 99 / 100) << "level 0 falls apart";
}

TEST(Hnsw, LevelsFollowTheExponentialLaw) {
    // P(level >= 1) = 1/m: about 1/16 of 100,000 draws, deterministic for a seed.
    std::size_t above = 0;
    for (std::uint32_t i = 0; i < 100000; ++i)
        above += hnsw_level(7, i, 16) >= 1 ? 1 : 0;
    EXPECT_NEAR(static_cast<double>(above) / 100000, 1.0 / 16, 0.005);
    EXPECT_EQ(hnsw_level(7, 123, 16), hnsw_level(7, 123, 16));
}

TEST_F(DenseTest, Int8ScanWithRescoringKeepsTheExactTop10) {
    DenseIndex index = build(m_tmp / "d", {.hnsw = false});
    EXPECT_FALSE(index.has_hnsw());
    EXPECT_TRUE(index.has_int8());
    EXPECT_GE(mean_recall(index, {.k = 10, .method = DenseMethod::Int8, .rescore = 4}), 0.99);
    // Re-scored scores are the fp32 ones.
    const float* q = m_queries.data();
    for (const auto& [s, d] : index.search({q, kDim}, {.k = 5, .method = DenseMethod::Int8}))
        EXPECT_FLOAT_EQ(s, index.score({q, kDim}, d));
    EXPECT_THROW((void)index.search({q, kDim}, {.method = DenseMethod::Hnsw}), UsageError);
}

TEST_F(DenseTest, RoundTripKeepsVectorsMetricAndEmbedder) {
    const std::vector<float> m_raw = clustered(kCount, kDim, 11);
    write_dense(m_tmp / "c", m_raw, kDim,
                {.metric = VectorMetric::Cosine,
                 .hnsw = false,
                 .embedder = "glove-100",
                 .ids_fingerprint = 42});
    const DenseIndex index = DenseIndex::open(m_tmp / "c");
    EXPECT_EQ(index.dim(), kDim);
    EXPECT_EQ(index.size(), kCount);
    EXPECT_EQ(index.metric(), VectorMetric::Cosine);
    EXPECT_EQ(index.embedder(), "glove-100");
    EXPECT_EQ(index.ids_fingerprint(), 42U);
    for (std::uint32_t d : {0U, 1U, 3999U}) {
        double norm = 0;
        const auto v = index.vector(d);
        double original = 0;
        for (std::uint32_t j = 0; j < kDim; ++j) {
            norm += static_cast<double>(v[j]) * v[j];
            original += static_cast<double>(m_raw[d * kDim + j]) * m_raw[d * kDim + j];
        }
        for (std::uint32_t j = 0; j < kDim; ++j)
            EXPECT_NEAR(v[j], m_raw[d * kDim + j] / std::sqrt(original), 1e-6);
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
    // Cosine: a query is normalised, so its scale does not change scores.
    std::vector<float> q(m_queries.begin(), m_queries.begin() + kDim);
    std::vector<float> q3 = q;
    for (float& x : q3)
        x *= 3;
    const auto a = index.search(index.prepare_query(q), {.k = 5});
    const auto b = index.search(index.prepare_query(q3), {.k = 5});
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].second, b[i].second);
        EXPECT_NEAR(a[i].first, b[i].first, 1e-6);
        EXPECT_LE(a[i].first, 1.0F + 1e-6F);
    }
    EXPECT_THROW((void)index.prepare_query(std::vector<float>(kDim + 1, 1.0F)), UsageError);
    std::vector<float> nan = q;
    nan[3] = std::nanf("");
    EXPECT_THROW((void)index.prepare_query(nan), UsageError);
}

TEST_F(DenseTest, BadVectorsAreRefusedAndTheOldPartSurvives) {
    DenseIndex good = build(m_tmp / "d", {.hnsw = false});
    std::vector<float> bad = m_vectors;
    bad[5 * kDim + 2] = std::numeric_limits<float>::infinity();
    try {
        write_dense(m_tmp / "d", bad, kDim, {.source = "vecs.npy"});
        ADD_FAILURE() << "an infinite value was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("vecs.npy"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("vector 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW(write_dense(m_tmp / "d", std::span<const float>(m_vectors).first(25), kDim, {}),
                 UsageError);
    const DenseIndex again = DenseIndex::open(m_tmp / "d");
    EXPECT_EQ(again.size(), kCount);
    EXPECT_EQ(again.vector(7)[0], m_vectors[7 * kDim]);
}

void flip_byte(const fs::path& file, std::uint64_t at) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
}

TEST_F(DenseTest, DamagedFilesAreRefusedNamingTheFile) {
    (void)build(m_tmp / "good");
    for (const char* file : {"dense.manifest", "vectors.f32", "vectors.i8", "hnsw.graph"}) {
        for (const std::string how : {"flip", "truncate"}) {
            const fs::path dir = m_tmp / (std::string("bad_") + file + how);
            fs::copy(m_tmp / "good", dir);
            const fs::path p = dir / file;
            const auto size = fs::file_size(p);
            if (how == "flip")
                flip_byte(p, size / 2 + 1);
            else
                fs::resize_file(p, size - 7);
            try {
                (void)DenseIndex::open(dir);
                ADD_FAILURE() << how << " of " << file << " was accepted";
            } catch (const CorruptionError& e) {
                EXPECT_NE(std::string(e.what()).find(file), std::string::npos)
                    << how << ": " << e.what();
            }
        }
    }
    EXPECT_THROW((void)DenseIndex::open(m_tmp / "nowhere"), IoError);
}

}  // namespace
}  // namespace cascade::index
