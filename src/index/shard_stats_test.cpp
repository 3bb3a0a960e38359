// Shard builds (BuildOptions::shard): the collection statistics a shard stores are the single
// index's, its documents are exactly those j with j mod N == shard, and its files do not depend
// on threads, batching or spills (so shards built on different machines form one set).

#include <gtest/gtest.h>

#include <barrier>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <cascade/error.hpp>
#include "index/builder.hpp"
#include "index/index.hpp"
#include "index/shard_stats.hpp"
#include "index/test_support.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using testing::random_docs;
using testing::VectorReader;
using testing::WhitespaceAnalyzer;

class TempDir {
public:
    TempDir()
        : m_path(fs::temp_directory_path() /
                 ("cascade_shard_stats_" + std::to_string(::getpid()))) {
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~TempDir() { fs::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] fs::path operator/(const std::string& name) const { return m_path / name; }

private:
    fs::path m_path;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

BuildOptions options(unsigned threads, std::size_t batch_docs, std::uint64_t budget) {
    BuildOptions o;
    o.fields = {"title", "text"};
    o.threads = threads;
    o.batch_docs = batch_docs;
    o.memory_budget = budget;
    o.progress = false;
    return o;
}

TEST(ShardStats, ShardsHoldTheirDocumentsAndTheCollectionStatistics) {
    TempDir tmp;
    const std::vector<Document> docs = random_docs(700, 300, 11);
    WhitespaceAnalyzer analyzer;
    VectorReader all(docs);
    build_index(all, analyzer, tmp / "single", options(1, 64, 1ULL << 30));
    const Index single = Index::open(tmp / "single");
    ASSERT_FALSE(single.shard().has_value());
    constexpr std::uint32_t kShards = 3;
    std::uint32_t total = 0;
    for (std::uint32_t s = 0; s < kShards; ++s) {
        BuildOptions o = options(1, 64, 1ULL << 30);
        o.shard = {s, kShards};
        VectorReader reader(docs);
        build_index(reader, analyzer, tmp / ("s" + std::to_string(s)), o);
        const Index shard = Index::open(tmp / ("s" + std::to_string(s)));
        ASSERT_TRUE(shard.shard().has_value());
        EXPECT_EQ(shard.shard()->shard, s);
        EXPECT_EQ(shard.shard()->count, kShards);
        EXPECT_EQ(shard.shard()->collection_docs, docs.size());
        for (std::uint32_t d = 0; d < shard.num_docs(); ++d) {
            EXPECT_EQ(shard.external_id(d), docs[d * kShards + s].id);
        }
        total += shard.num_docs();
        for (std::size_t f = 0; f < shard.num_fields(); ++f) {
            const FieldIndex& field = shard.field(f);
            const FieldIndex& whole = single.field(f);
            EXPECT_EQ(field.collection_stats().doc_count, whole.stats().doc_count);
            EXPECT_EQ(field.collection_stats().sum_total_term_freq,
                      whole.stats().sum_total_term_freq);
            EXPECT_LE(field.stats().doc_count, whole.stats().doc_count);
            for (std::uint64_t t = 0; t < field.stats().num_terms; ++t) {
                const auto in_single = whole.term(field.term_at(t));
                ASSERT_TRUE(in_single.has_value()) << field.term_at(t);
                EXPECT_EQ(field.collection_doc_freq(field.term_info_at(t)), in_single->doc_freq)
                    << field.term_at(t);
            }
        }
    }
    EXPECT_EQ(total, docs.size());
}

TEST(ShardStats, FilesDoNotDependOnThreadsBatchingOrSpills) {
    TempDir tmp;
    const std::vector<Document> docs = random_docs(900, 400, 5);
    WhitespaceAnalyzer analyzer;
    BuildOptions a = options(1, 1000, 1ULL << 30);
    BuildOptions b = options(3, 7, 4096);  // many batches in flight, spills
    a.shard = b.shard = {1, 4};
    VectorReader ra(docs);
    VectorReader rb(docs);
    const BuildSummary sa = build_index(ra, analyzer, tmp / "a", a);
    const BuildSummary sb = build_index(rb, analyzer, tmp / "b", b);
    EXPECT_EQ(sa.spilled_runs, 0U);
    EXPECT_GT(sb.spilled_runs, 0U);
    for (const auto& entry : fs::directory_iterator(tmp / "a")) {
        const std::string name = entry.path().filename().string();
        if (name == "verified") {
            continue;
        }
        EXPECT_EQ(slurp(entry.path()), slurp(tmp / "b" / name)) << name;
    }
    EXPECT_TRUE(fs::exists(tmp / "a" / "global_stats"));
}

// What `mpirun -np N cascade index --shard-set` does, without MPI: each of N builds analyzes
// only its own documents, and combine_stats exchanges the counters (serialize, then merge the
// others'), as the ranks' allgather does. Every shard's files must equal those of the build
// that counts over the whole collection itself.
TEST(ShardStats, CombinedCountersEqualCountingTheWholeCollection) {
    TempDir tmp;
    const std::vector<Document> docs = random_docs(800, 350, 21);
    WhitespaceAnalyzer analyzer;
    constexpr std::uint32_t kShards = 3;
    std::vector<std::string> slots(kShards);
    std::barrier sync(kShards);
    std::vector<std::thread> ranks;
    for (std::uint32_t r = 0; r < kShards; ++r) {
        ranks.emplace_back([&, r] {
            BuildOptions o = options(1, 64, 1ULL << 30);
            o.shard = {r, kShards};
            o.combine_stats = [&, r](GlobalStatsCounter& counter) {
                slots[r] = counter.serialize();
                sync.arrive_and_wait();
                for (std::uint32_t other = 0; other < kShards; ++other) {
                    if (other != r) {
                        counter.merge(slots[other]);
                    }
                }
            };
            VectorReader reader(docs);
            build_index(reader, analyzer, tmp / ("combined-" + std::to_string(r)), o);
        });
    }
    for (std::thread& t : ranks) {
        t.join();
    }
    for (std::uint32_t r = 0; r < kShards; ++r) {
        BuildOptions o = options(1, 64, 1ULL << 30);
        o.shard = {r, kShards};
        VectorReader reader(docs);
        const fs::path whole = tmp / ("whole-" + std::to_string(r));
        build_index(reader, analyzer, whole, o);
        std::size_t compared = 0;
        for (const auto& entry : fs::directory_iterator(whole)) {
            const std::string name = entry.path().filename().string();
            if (name == "verified") {
                continue;
            }
            const fs::path combined = tmp / ("combined-" + std::to_string(r)) / name;
            ASSERT_TRUE(fs::exists(combined)) << name;
            EXPECT_EQ(slurp(entry.path()), slurp(combined)) << "shard " << r << ": " << name;
            ++compared;
        }
        EXPECT_GT(compared, 3U);
    }
}

TEST(ShardStats, MergeRefusesCountersOfAnotherShape) {
    GlobalStatsCounter two_fields(2, 2, 0, 2);
    GlobalStatsCounter one_field(1, 2, 1, 2);
    one_field.add_document("d1");
    one_field.add_length(0, 3);
    one_field.add_term(0, "x");
    EXPECT_THROW(two_fields.merge(one_field.serialize()), CorruptionError);
    EXPECT_THROW(two_fields.merge("not a counter"), CorruptionError);
}

}  // namespace
}  // namespace cascade::index
