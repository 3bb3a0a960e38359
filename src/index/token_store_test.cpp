// Token-level parts: fp16 and int8 token vectors round-trip within their codec's error, MaxSim
// equals a double loop over the decoded vectors, pruned top-k MaxSim equals exhaustive (scores,
// order and ties), TILDE weights round-trip within half a quantisation step and score as a
// hand sum, and bad input or damaged files are refused without touching an existing part.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>

#include "index/builder.hpp"
#include "index/dense_index.hpp"
#include "index/test_support.hpp"
#include "index/token_store.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using cascade::testing::TempDir;

constexpr std::uint32_t kDim = 16;

/// Unit-norm token vectors around a few topic centres, `tokens` of them.
std::vector<float> doc_tokens(std::mt19937& rng, std::size_t tokens,
                              const std::vector<float>& centres, std::size_t topics) {
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::uniform_int_distribution<std::size_t> pick(0, topics - 1);
    std::vector<float> v(tokens * kDim);
    for (std::size_t t = 0; t < tokens; ++t) {
        const std::size_t c = pick(rng);
        double norm = 0.0;
        for (std::uint32_t j = 0; j < kDim; ++j) {
            v[t * kDim + j] = centres[c * kDim + j] + 0.5F * normal(rng);
            norm += static_cast<double>(v[t * kDim + j]) * v[t * kDim + j];
        }
        for (std::uint32_t j = 0; j < kDim; ++j)
            v[t * kDim + j] = static_cast<float>(v[t * kDim + j] / std::sqrt(norm));
    }
    return v;
}

struct Collection {
    std::vector<std::vector<float>> docs;
    std::vector<float> query;
};

Collection make_collection(std::uint32_t seed, std::size_t count, std::size_t query_tokens) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const std::size_t topics = 8;
    std::vector<float> centres(topics * kDim);
    for (float& x : centres)
        x = normal(rng);
    Collection c;
    std::uniform_int_distribution<std::size_t> len(0, 40);
    for (std::size_t d = 0; d < count; ++d)
        c.docs.push_back(doc_tokens(rng, d % 17 == 5 ? 0 : len(rng) + 1, centres, topics));
    // Exact duplicates make equal scores, so ties are exercised.
    for (std::size_t d = 10; d < count; d += 23)
        c.docs[d] = c.docs[d - 7];
    c.query = doc_tokens(rng, query_tokens, centres, topics);
    return c;
}

fs::path write_part(const fs::path& dir, const Collection& c, TokenCodec codec) {
    MultiVectorWriter w(dir, kDim, codec, {"model test", 0, "test vectors"});
    for (const auto& d : c.docs)
        w.add(d);
    EXPECT_EQ(w.size(), c.docs.size());
    w.finish();
    return dir;
}

double naive_maxsim(const std::vector<float>& q, const std::vector<float>& d) {
    if (d.empty())
        return 0.0;
    double sum = 0.0;
    for (std::size_t i = 0; i < q.size(); i += kDim) {
        double best = -1e30;
        for (std::size_t j = 0; j < d.size(); j += kDim) {
            double s = 0.0;
            for (std::uint32_t x = 0; x < kDim; ++x)
                s += static_cast<double>(q[i + x]) * d[j + x];
            best = std::max(best, s);
        }
        sum += best;
    }
    return sum;
}

TEST(MultiVector, Fp16RoundTripIsIeeeHalfRounding) {
    TempDir tmp;
    // Values whose half rounding is known: 1/3 -> 0.333251953125, 2^-20 (subnormal) exact,
    // 1 + 2^-11 rounds to even (1.0), 1 + 3 * 2^-11 rounds up to 1 + 2^-9.
    std::vector<float> row(kDim, 0.0F);
    row[0] = 1.0F / 3.0F;
    row[1] = std::ldexp(1.0F, -20);
    row[2] = 1.0F + std::ldexp(1.0F, -11);
    row[3] = 1.0F + 3.0F * std::ldexp(1.0F, -11);
    row[4] = -2.5F;
    row[5] = 65504.0F;
    {
        MultiVectorWriter w(tmp.path() / "mv", kDim, TokenCodec::Fp16, {});
        w.add(row);
        w.finish();
    }
    auto store = MultiVectorStore::open(tmp.path() / "mv");
    std::vector<float> out;
    store.decode(0, out);
    ASSERT_EQ(out.size(), kDim);
    EXPECT_EQ(out[0], 0.333251953125F);
    EXPECT_EQ(out[1], std::ldexp(1.0F, -20));
    EXPECT_EQ(out[2], 1.0F);
    EXPECT_EQ(out[3], 1.0F + std::ldexp(1.0F, -9));
    EXPECT_EQ(out[4], -2.5F);
    EXPECT_EQ(out[5], 65504.0F);
    EXPECT_EQ(store.bytes_per_token(), 2 * kDim);
}

TEST(MultiVector, CodecsRoundTripWithinTheirError) {
    const Collection c = make_collection(1, 60, 8);
    for (TokenCodec codec : {TokenCodec::Fp16, TokenCodec::Int8}) {
        TempDir tmp;
        auto store = MultiVectorStore::open(write_part(tmp.path() / "mv", c, codec));
        EXPECT_EQ(store.size(), c.docs.size());
        EXPECT_EQ(store.codec(), codec);
        EXPECT_EQ(store.model(), "model test");
        std::uint64_t tokens = 0;
        std::vector<float> out;
        for (std::uint32_t d = 0; d < c.docs.size(); ++d) {
            store.decode(d, out);
            ASSERT_EQ(out.size(), c.docs[d].size()) << d;
            tokens += c.docs[d].size() / kDim;
            EXPECT_EQ(store.num_tokens(d), c.docs[d].size() / kDim);
            float max_norm = 0.0F;
            for (std::size_t t = 0; t < out.size(); t += kDim) {
                double n = 0.0;
                for (std::uint32_t j = 0; j < kDim; ++j) {
                    // fp16: relative 2^-11; int8: half a step of max|v| / 127 (max|v| <= 1).
                    const float tol = codec == TokenCodec::Fp16
                                          ? std::abs(c.docs[d][t + j]) * 4.9e-4F + 1e-7F
                                          : 0.5F / 127.0F + 1e-6F;
                    EXPECT_NEAR(out[t + j], c.docs[d][t + j], tol) << d << " " << t;
                    n += static_cast<double>(out[t + j]) * out[t + j];
                }
                max_norm = std::max(max_norm, static_cast<float>(std::sqrt(n)));
            }
            EXPECT_NEAR(store.max_norm(d), max_norm, 1e-6F);
        }
        EXPECT_EQ(store.total_tokens(), tokens);
    }
}

TEST(MultiVector, MaxSimIsTheDoubleLoopOverDecodedVectors) {
    const Collection c = make_collection(2, 40, 6);
    TempDir tmp;
    auto store = MultiVectorStore::open(write_part(tmp.path() / "mv", c, TokenCodec::Int8));
    std::vector<float> scratch;
    std::vector<float> decoded;
    for (std::uint32_t d = 0; d < c.docs.size(); ++d) {
        store.decode(d, decoded);
        EXPECT_NEAR(maxsim(store, c.query, d, scratch), naive_maxsim(c.query, decoded), 1e-5) << d;
    }
    EXPECT_THROW((void)maxsim(store, std::vector<float>(kDim + 1, 0.0F), 0, scratch), UsageError);
}

/// make_collection plus the shapes a bound can get wrong: documents of one token, of 150
/// tokens, of all-zero tokens and with some zero tokens; the query gets a zero token.
Collection make_varied_collection(std::uint32_t seed, std::size_t count, std::size_t query_tokens) {
    Collection c = make_collection(seed, count, query_tokens);
    std::mt19937 rng(seed + 1000);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const std::vector<float> centres = [&] {
        std::vector<float> v(std::size_t{8} * kDim);
        for (float& x : v)
            x = normal(rng);
        return v;
    }();
    for (std::size_t d = 0; d < count; ++d) {
        if (d % 19 == 3)
            c.docs[d] = doc_tokens(rng, 1, centres, 8);
        else if (d % 29 == 7)
            c.docs[d] = doc_tokens(rng, 150, centres, 8);
        else if (d % 31 == 11)
            c.docs[d].assign(std::size_t{5} * kDim, 0.0F);
        else if (d % 37 == 13 && !c.docs[d].empty())
            std::fill(c.docs[d].begin(), c.docs[d].begin() + kDim, 0.0F);
    }
    std::fill(c.query.begin() + kDim, c.query.begin() + std::ptrdiff_t{2} * kDim, 0.0F);
    return c;
}

TEST(MultiVector, PrunedTopKEqualsExhaustive) {
    std::uint64_t pruned_by[3] = {0, 0, 0};
    for (std::uint32_t seed = 0; seed < 6; ++seed) {
        const Collection c = make_varied_collection(10 + seed, 300, 12);
        for (TokenCodec codec : {TokenCodec::Fp16, TokenCodec::Int8}) {
            TempDir tmp;
            auto store = MultiVectorStore::open(write_part(tmp.path() / "mv", c, codec));
            ASSERT_TRUE(store.has_clusters());
            std::vector<MaxSimCandidate> candidates;
            std::mt19937 rng(seed);
            for (std::uint32_t d = 0; d < c.docs.size(); ++d)
                candidates.push_back({d, static_cast<std::uint32_t>(rng() % 1000)});
            std::shuffle(candidates.begin(), candidates.end(), rng);
            const auto all = maxsim_top_k(store, c.query, candidates, 0, false);
            ASSERT_EQ(all.size(), candidates.size());
            std::vector<float> scratch;
            for (const auto& hit : all)
                ASSERT_EQ(hit.score,
                          maxsim(store, c.query, candidates[hit.candidate].docid, scratch));
            for (std::size_t k : {1, 5, 10, 50, 299, 300, 500}) {
                const auto exhaustive = maxsim_top_k(store, c.query, candidates, k, false);
                ASSERT_EQ(exhaustive.size(), std::min<std::size_t>(k, candidates.size()));
                for (MaxSimBound bound : {MaxSimBound::DocNorm, MaxSimBound::Clusters}) {
                    MaxSimStats stats;
                    const auto fast = maxsim_top_k(store, c.query, candidates, k, bound, &stats);
                    ASSERT_EQ(fast.size(), exhaustive.size()) << k;
                    for (std::size_t i = 0; i < fast.size(); ++i) {
                        EXPECT_EQ(fast[i].candidate, exhaustive[i].candidate) << k << " " << i;
                        EXPECT_EQ(fast[i].score, exhaustive[i].score) << k << " " << i;
                        EXPECT_EQ(exhaustive[i].candidate, all[i].candidate);
                    }
                    EXPECT_EQ(stats.candidates, candidates.size());
                    pruned_by[static_cast<int>(bound)] += stats.pruned;
                }
            }
        }
    }
    // Each bound must actually prune on clustered data, or the option does nothing.
    EXPECT_GT(pruned_by[static_cast<int>(MaxSimBound::DocNorm)], 100U);
    EXPECT_GT(pruned_by[static_cast<int>(MaxSimBound::Clusters)], 100U);
}

/// The exact (long double) inner product of two dim-vectors.
long double dot_ld(const float* a, const float* b) {
    long double s = 0.0L;
    for (std::uint32_t j = 0; j < kDim; ++j)
        s += static_cast<long double>(a[j]) * static_cast<long double>(b[j]);
    return s;
}

TEST(MultiVector, ClusterBoundIsNeverBelowTheBestInnerProduct) {
    // The stored clusters, evaluated exactly (long double, no slack): every decoded token lies
    // in some cluster's ball, and max_c (q . centroid + |q| r) is at least the best inner
    // product for random queries and for each token's worst case, q = token - the centroid of
    // a ball holding it (where q . token = q . centroid + |q| |token - centroid|, so a radius
    // rounded down or a cluster left out fails).
    const Collection c = make_varied_collection(21, 150, 4);
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    for (TokenCodec codec : {TokenCodec::Fp16, TokenCodec::Int8}) {
        TempDir tmp;
        auto store = MultiVectorStore::open(write_part(tmp.path() / "mv", c, codec));
        std::vector<float> tokens;
        std::vector<float> centroids;
        std::vector<float> radii;
        std::size_t checked = 0;
        for (std::uint32_t d = 0; d < store.size(); ++d) {
            store.decode(d, tokens);
            const std::uint32_t n = store.num_tokens(d);
            const std::uint32_t clusters = store.decode_clusters(d, centroids, radii);
            ASSERT_EQ(clusters == 0, n == 0) << d;
            ASSERT_LE(clusters, std::min<std::uint32_t>(8, n)) << d;
            std::vector<std::vector<float>> queries;
            for (std::uint32_t t = 0; t < n; ++t) {
                // The ball that holds the token with the most room to spare.
                long double room = -1e30L;
                std::uint32_t home = 0;
                for (std::uint32_t k = 0; k < clusters; ++k) {
                    long double dist = 0.0L;
                    for (std::uint32_t j = 0; j < kDim; ++j) {
                        const long double x = static_cast<long double>(tokens[t * kDim + j]) -
                                              static_cast<long double>(centroids[k * kDim + j]);
                        dist += x * x;
                    }
                    const long double r = static_cast<long double>(radii[k]) - std::sqrt(dist);
                    if (r > room) {
                        room = r;
                        home = k;
                    }
                }
                EXPECT_GE(room, 0.0L) << "document " << d << ", token " << t << " in no ball";
                std::vector<float> q(kDim);
                for (std::uint32_t j = 0; j < kDim; ++j)
                    q[j] = tokens[t * kDim + j] - centroids[home * kDim + j];
                queries.push_back(std::move(q));
            }
            for (int r = 0; r < 20; ++r) {
                std::vector<float> q(kDim);
                for (float& x : q)
                    x = normal(rng) * (r % 2 == 0 ? 1.0F : 0.01F);
                queries.push_back(std::move(q));
            }
            for (const auto& q : queries) {
                long double best = -1e30L;
                for (std::uint32_t t = 0; t < n; ++t)
                    best = std::max(best, dot_ld(q.data(), tokens.data() + std::size_t{t} * kDim));
                const long double qn = std::sqrt(dot_ld(q.data(), q.data()));
                long double bound = -1e30L;
                for (std::uint32_t k = 0; k < clusters; ++k)
                    bound =
                        std::max(bound, dot_ld(q.data(), centroids.data() + std::size_t{k} * kDim) +
                                            qn * static_cast<long double>(radii[k]));
                if (n > 0) {
                    EXPECT_GE(bound, best) << d;
                    ++checked;
                }
            }
        }
        EXPECT_GT(checked, 1000U);
    }
}

TEST(MultiVector, ClusterSectionIsOptionalDeterministicAndChecked) {
    const Collection c = make_varied_collection(31, 120, 10);
    TempDir tmp;
    auto write = [&](const fs::path& dir, std::uint32_t most) {
        TokenPartOptions options{"model test", 0, "test vectors"};
        options.max_clusters = most;
        MultiVectorWriter w(dir, kDim, TokenCodec::Fp16, options);
        for (const auto& d : c.docs)
            w.add(d);
        w.finish();
    };
    auto bytes = [](const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    write(tmp.path() / "a", 8);
    write(tmp.path() / "b", 8);
    write(tmp.path() / "old", 0);  // as parts were before the section
    for (const char* f : {"tokens.bounds", "tokens.f16", "tokens.norms", "multivector.manifest"})
        EXPECT_EQ(bytes(tmp.path() / "a" / f), bytes(tmp.path() / "b" / f)) << f;
    EXPECT_FALSE(fs::exists(tmp.path() / "old" / "tokens.bounds"));
    EXPECT_EQ(bytes(tmp.path() / "a" / "tokens.f16"), bytes(tmp.path() / "old" / "tokens.f16"));
    EXPECT_THROW(write(tmp.path() / "x", kMaxTokenClusters + 1), UsageError);

    auto with = MultiVectorStore::open(tmp.path() / "a");
    auto without = MultiVectorStore::open(tmp.path() / "old");
    EXPECT_TRUE(with.has_clusters());
    EXPECT_GT(with.cluster_bytes(), 0U);
    EXPECT_FALSE(without.has_clusters());
    EXPECT_EQ(without.cluster_bytes(), 0U);
    std::vector<MaxSimCandidate> candidates;
    for (std::uint32_t d = 0; d < c.docs.size(); ++d)
        candidates.push_back({d, d});
    MaxSimStats s_with;
    MaxSimStats s_without;
    const auto a = maxsim_top_k(with, c.query, candidates, 10, true, &s_with);
    const auto b = maxsim_top_k(without, c.query, candidates, 10, true, &s_without);
    EXPECT_GT(s_with.bound_dots, 0U);  // prune = true takes the clusters when there are some
    EXPECT_EQ(s_without.bound_dots, 0U);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].candidate, b[i].candidate);
        EXPECT_EQ(a[i].score, b[i].score);
    }
    EXPECT_THROW((void)maxsim_top_k(without, c.query, candidates, 10, MaxSimBound::Clusters),
                 UsageError);

    // Damage: a flipped byte fails the CRC; unverified, a record whose cluster count disagrees
    // with its size is refused; another section version is ignored.
    const fs::path bounds = tmp.path() / "b" / "tokens.bounds";
    auto poke = [&](std::streamoff at, char value) {
        std::fstream f(bounds, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(at);
        f.put(value);
    };
    const std::string original = bytes(bounds);
    poke(200, static_cast<char>(original[200] ^ 0x10));
    EXPECT_THROW((void)MultiVectorStore::open(tmp.path() / "b"), CorruptionError);
    poke(200, original[200]);
    OpenOptions unverified;
    unverified.verify_checksums = false;
    unverified.trust_verified_stamp = false;
    poke(64, static_cast<char>(original[64] + 1));  // document 0's cluster count
    EXPECT_THROW((void)MultiVectorStore::open(tmp.path() / "b", unverified), CorruptionError);
    poke(64, original[64]);
    poke(16, 2);  // section version 2
    EXPECT_FALSE(MultiVectorStore::open(tmp.path() / "b", unverified).has_clusters());
    poke(16, original[16]);
    EXPECT_TRUE(MultiVectorStore::open(tmp.path() / "b").has_clusters());
    fs::resize_file(bounds, original.size() - 8);
    EXPECT_THROW((void)MultiVectorStore::open(tmp.path() / "b"), CorruptionError);
}

TEST(MultiVector, BadInputIsRefusedAndAnExistingPartSurvives) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "mv";
    const Collection c = make_collection(3, 5, 4);
    write_part(dir, c, TokenCodec::Fp16);
    {
        MultiVectorWriter w(dir, kDim, TokenCodec::Fp16, {"m", 0, "vectors.jsonl"});
        std::vector<float> bad(kDim, 0.5F);
        bad[3] = std::nanf("");
        try {
            w.add(bad);
            FAIL() << "NaN accepted";
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find("vectors.jsonl"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("value 3"), std::string::npos) << e.what();
        }
        EXPECT_THROW(w.add(std::vector<float>(kDim + 3, 0.1F)), InputError);
        // Destroyed unfinished: the part written before stays.
    }
    auto store = MultiVectorStore::open(dir);
    EXPECT_EQ(store.size(), 5U);
    EXPECT_THROW(MultiVectorWriter(dir, 0, TokenCodec::Fp16, {}), UsageError);
    EXPECT_THROW((void)parse_token_codec("bf16"), UsageError);
    EXPECT_THROW((void)MultiVectorStore::open(tmp.path() / "none"), IoError);
}

TEST(MultiVector, DamagedFilesAreRefused) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "mv";
    write_part(dir, make_collection(4, 20, 4), TokenCodec::Int8);
    {
        std::fstream f(dir / "tokens.i8", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x55');
    }
    EXPECT_THROW((void)MultiVectorStore::open(dir), CorruptionError);
    write_part(dir, make_collection(4, 20, 4), TokenCodec::Int8);
    fs::resize_file(dir / "tokens.scales", fs::file_size(dir / "tokens.scales") - 4);
    EXPECT_THROW((void)MultiVectorStore::open(dir), CorruptionError);
}

TEST(MultiVector, BelongsOnlyToItsIndex) {
    TempDir tmp;
    std::vector<Document> docs;
    for (int i = 0; i < 4; ++i)
        docs.push_back({"d" + std::to_string(i), "", "alpha beta"});
    testing::VectorReader reader(docs);
    testing::WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    (void)build_index(reader, analyzer, tmp.path() / "idx", options);
    auto index = Index::open(tmp.path() / "idx");
    Collection c = make_collection(5, 4, 2);
    {
        MultiVectorWriter w(tmp.path() / "mv", kDim, TokenCodec::Fp16,
                            {"m", docid_fingerprint(index), "v"});
        for (const auto& d : c.docs)
            w.add(d);
        w.finish();
    }
    EXPECT_NO_THROW(MultiVectorStore::open(tmp.path() / "mv").check_belongs_to(index));
    write_part(tmp.path() / "mv", c, TokenCodec::Fp16);  // fingerprint 0: another collection
    EXPECT_THROW(MultiVectorStore::open(tmp.path() / "mv").check_belongs_to(index),
                 CorruptionError);
}

TEST(Tilde, WeightsRoundTripAndScoreAsAHandSum) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "tilde";
    const std::vector<std::vector<std::pair<std::uint32_t, float>>> docs = {
        {{7, 2.0F}, {3, 0.5F}, {100, 5.1F}},
        {},
        {{3, 1.25F}, {9, 0.0F}},
    };
    {
        TildeWriter w(dir, {"model tilde", 0, "tilde"});
        for (const auto& d : docs)
            w.add(d);
        w.finish();
    }
    auto store = TildeStore::open(dir);
    EXPECT_EQ(store.size(), 3U);
    EXPECT_FLOAT_EQ(store.scale(), 5.1F / 255.0F);
    for (std::uint32_t d = 0; d < docs.size(); ++d) {
        auto sorted = docs[d];
        std::sort(sorted.begin(), sorted.end());
        const auto got = store.weights(d);
        ASSERT_EQ(got.size(), sorted.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].first, sorted[i].first);
            EXPECT_NEAR(got[i].second, sorted[i].second, store.scale() / 2 + 1e-6F);
        }
    }
    const float w3 = store.weights(0)[0].second;    // token 3
    const float w7 = store.weights(0)[1].second;    // token 7
    const float w100 = store.weights(0)[2].second;  // token 100
    EXPECT_EQ(w100, 5.1F / 255.0F * 255.0F);
    const std::vector<std::uint32_t> query = {7, 3, 3, 42, 100};
    EXPECT_FLOAT_EQ(store.score(0, query), w7 + 2 * w3 + w100);
    EXPECT_EQ(store.score(1, query), 0.0F);
    EXPECT_FLOAT_EQ(store.score(2, query), 2 * store.weights(2)[0].second);
}

TEST(Tilde, BadWeightsAreRefused) {
    TempDir tmp;
    TildeWriter w(tmp.path() / "tilde", {"m", 0, "tilde weights"});
    const std::vector<std::pair<std::uint32_t, float>> negative = {{1, -0.5F}};
    const std::vector<std::pair<std::uint32_t, float>> twice = {{4, 0.5F}, {4, 0.25F}};
    EXPECT_THROW(w.add(negative), InputError);
    try {
        w.add(twice);
        FAIL() << "duplicate token accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("token id 4 is listed twice"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW((void)TildeStore::open(tmp.path() / "nothing"), IoError);
}

}  // namespace
}  // namespace cascade::index
