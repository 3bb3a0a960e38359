/// Sharded indexes through the public API: N shards searched and merged give the single index's
/// run byte for byte (every algorithm, flat and multifield, ties at the cut-off), and a set that
/// is not the N shards of one build is refused, naming the folder.
#include <algorithm>
#include <barrier>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/search.hpp>
#include <cascade/shard.hpp>
#include <cascade/types.hpp>

namespace {

namespace fs = std::filesystem;

class TempFolder {
public:
    TempFolder() {
        std::random_device rd;
        m_path = fs::temp_directory_path() / ("cascade_shard_test_" + std::to_string(rd()));
        fs::create_directories(m_path);
    }
    ~TempFolder() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
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

const std::vector<std::string> kWords = {
    "cell",   "protein", "gene",   "cancer", "virus", "immune",  "blood",  "brain", "heart",
    "tumor",  "mouse",   "signal", "growth", "drug",  "therapy", "risk",   "liver", "kidney",
    "muscle", "bone",    "sleep",  "diet",   "fat",   "insulin", "stress", "light", "water"};

std::string words(std::mt19937& rng, int max_words) {
    std::string s;
    const int n = std::uniform_int_distribution<int>(0, max_words)(rng);
    for (int i = 0; i < n; ++i) {
        // A skewed draw: low word numbers are frequent, so idf varies across terms.
        const auto w = static_cast<std::size_t>(
            std::min<double>(std::exponential_distribution<double>(0.25)(rng), kWords.size() - 1));
        s += (s.empty() ? "" : " ") + kWords[w];
    }
    return s;
}

/// A collection with ids in no particular order, empty fields, and exact copies of earlier
/// documents under other ids (equal scores, so ties that the id must break, across shards).
void write_corpus(const fs::path& path, unsigned seed, int docs) {
    std::mt19937 rng(seed);
    std::ofstream out(path);
    std::vector<std::pair<std::string, std::string>> made;
    for (int i = 0; i < docs; ++i) {
        const std::string id = "d" +
                               std::to_string(std::uniform_int_distribution<int>(0, 999999)(rng)) +
                               "-" + std::to_string(i);
        std::pair<std::string, std::string> doc{words(rng, 3), words(rng, 14)};
        if (!made.empty() && i % 5 == 4) {
            doc = made[std::uniform_int_distribution<std::size_t>(0, made.size() - 1)(rng)];
        }
        made.push_back(doc);
        out << R"({"_id": ")" << id << R"(", "title": ")" << doc.first << R"(", "text": ")"
            << doc.second << "\"}\n";
    }
    // A document whose id is a query's, for --remove-query.
    out << R"({"_id": "q7", "title": "cell protein", "text": "gene cell"})"
        << "\n";
}

std::vector<cascade::Query> make_queries(unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<cascade::Query> queries;
    for (int i = 0; i < 30; ++i) {
        std::string text = words(rng, 4);
        if (text.empty()) {
            text = "cell";
        }
        queries.push_back({"q" + std::to_string(i), text});
    }
    queries.push_back({"q-none", "zebra"});  // no document has it
    return queries;
}

cascade::IndexBuildOptions build_options(bool multifield) {
    cascade::IndexBuildOptions options;
    options.progress = false;
    if (multifield) {
        options.fields = {"title", "text"};
    }
    return options;
}

std::string run_text(const TempFolder& tmp, const cascade::Run& run) {
    const fs::path path = tmp / "run.txt";
    cascade::write_run(path.string(), run);
    return slurp(path);
}

/// Builds the N shards of `corpus` under `tmp`/`prefix`N.s; returns their folders.
std::vector<fs::path> build_shards(const TempFolder& tmp, const fs::path& corpus,
                                   const std::string& prefix, std::uint32_t n,
                                   const cascade::IndexBuildOptions& options) {
    std::vector<fs::path> dirs;
    for (std::uint32_t s = 0; s < n; ++s) {
        dirs.push_back(tmp / (prefix + std::to_string(n) + "." + std::to_string(s)));
        cascade::build_shard(corpus.string(), dirs.back(), s, n, options);
    }
    return dirs;
}

struct Case {
    std::string algorithm;
    std::size_t k;
    std::string fields;
    float k1 = 0.9F;
    float b = 0.4F;
    bool remove_query = false;
    unsigned threads = 1;  ///< >= the shard count: the shards are searched at once
};

void expect_same_runs(bool multifield) {
    TempFolder tmp;
    const fs::path corpus = tmp / "corpus.jsonl";
    write_corpus(corpus, 17, 300);
    const auto options = build_options(multifield);
    cascade::Index::build(corpus.string(), tmp / "single", options);
    const cascade::Index single = cascade::Index::open(tmp / "single");
    ASSERT_FALSE(cascade::shard_info(single).has_value());
    EXPECT_FALSE(fs::exists(tmp / "single" / "global_stats"));
    const std::vector<cascade::Query> queries = make_queries(5);

    std::vector<Case> cases;
    for (const char* algorithm : {"exhaustive", "maxscore", "wand", "bmw", "bmm"}) {
        cases.push_back({algorithm, 7, ""});
        cases.push_back({algorithm, 1000, ""});
        cases.push_back({algorithm, 5, "", 1.2F, 0.75F});  // the stored block pairs do not apply
    }
    cases.push_back({"maxscore", 10, "", 0.9F, 0.4F, true});
    cases.push_back({"bmm", 7, "", 0.9F, 0.4F, false, 4});
    cases.push_back({"wand", 7, "", 0.9F, 0.4F, true, 9});
    if (multifield) {
        cases.push_back({"bmw", 7, "title=1.5,text=0.5"});
        cases.push_back({"wand", 7, "text"});
    }

    for (std::uint32_t n = 1; n <= 4; ++n) {
        const std::vector<fs::path> dirs = build_shards(tmp, corpus, "s", n, options);
        // Given in reverse order: the set sorts them by shard number.
        std::vector<fs::path> reversed(dirs.rbegin(), dirs.rend());
        const cascade::ShardSet set = cascade::ShardSet::open(reversed);
        ASSERT_EQ(set.size(), n);
        EXPECT_EQ(set.num_docs(), single.num_docs());
        for (std::uint32_t s = 0; s < n; ++s) {
            const auto info = cascade::shard_info(set.shard(s));
            ASSERT_TRUE(info.has_value());
            EXPECT_EQ(info->shard, s);
            EXPECT_EQ(info->count, n);
            EXPECT_EQ(info->collection_docs, single.num_docs());
            EXPECT_EQ(set.dir(s), dirs[s]);
        }
        for (const Case& c : cases) {
            cascade::SearchOptions search;
            search.algorithm = c.algorithm;
            search.k = c.k;
            search.fields = c.fields;
            search.bm25 = {c.k1, c.b};
            search.remove_query = c.remove_query;
            search.threads = c.threads;
            const std::string expected =
                run_text(tmp, cascade::search(single, queries, search).run);
            const std::string got = run_text(tmp, cascade::search(set, queries, search).run);
            EXPECT_EQ(got, expected) << n << " shards, " << c.algorithm << ", k " << c.k
                                     << ", fields '" << c.fields << "', k1 " << c.k1;
            ASSERT_FALSE(expected.empty());
        }
    }
}

TEST(ShardedSearch, FlatShardsGiveTheSingleIndexRun) {
    expect_same_runs(false);
}

TEST(ShardedSearch, MultifieldShardsGiveTheSingleIndexRun) {
    expect_same_runs(true);
}

/// Real text: SciFact's 5,183 abstracts and 1,109 claims, 3 shards, every algorithm.
TEST(ShardedSearch, SciFactShardsGiveTheSingleIndexRun) {
    const std::string data = std::string(CASCADE_SOURCE_DIR) + "/data/scifact/";
    const std::vector<cascade::Query> queries = cascade::read_queries(data + "queries.jsonl.gz");
    ASSERT_GT(queries.size(), 1000U);
    for (const bool multifield : {false, true}) {
        TempFolder tmp;
        const auto options = build_options(multifield);
        cascade::Index::build(data + "corpus.jsonl.gz", tmp / "single", options);
        const cascade::Index single = cascade::Index::open(tmp / "single");
        const auto dirs = build_shards(tmp, data + "corpus.jsonl.gz", "s", 3, options);
        const cascade::ShardSet set = cascade::ShardSet::open(dirs);
        for (const char* algorithm : {"exhaustive", "maxscore", "wand", "bmw", "bmm"}) {
            cascade::SearchOptions search;
            search.algorithm = algorithm;
            search.k = 20;
            search.remove_query = true;
            EXPECT_EQ(run_text(tmp, cascade::search(set, queries, search).run),
                      run_text(tmp, cascade::search(single, queries, search).run))
                << algorithm << (multifield ? " title,text" : " flat");
        }
    }
}

/// The property the merge relies on is not vacuous: a shard scored with its own statistics
/// would rank differently. Searching one shard alone returns only its documents, scored as
/// the single index scores them.
TEST(ShardedSearch, AShardScoresWithTheCollectionStatistics) {
    TempFolder tmp;
    const fs::path corpus = tmp / "corpus.jsonl";
    write_corpus(corpus, 3, 120);
    const auto options = build_options(false);
    cascade::Index::build(corpus.string(), tmp / "single", options);
    const cascade::Index single = cascade::Index::open(tmp / "single");
    const auto dirs = build_shards(tmp, corpus, "s", 3, options);
    const cascade::Index shard1 = cascade::Index::open(dirs[1]);
    const std::vector<cascade::Query> queries = make_queries(9);
    cascade::SearchOptions search;
    search.k = 1000;
    const cascade::Run whole = cascade::search(single, queries, search).run;
    const cascade::Run part = cascade::search(shard1, queries, search).run;
    std::size_t compared = 0;
    for (const auto& [qid, entries] : part.by_query) {
        for (const cascade::RunEntry& e : entries) {
            const auto& all = whole.by_query.at(qid);
            const auto it = std::find_if(all.begin(), all.end(), [&](const cascade::RunEntry& w) {
                return w.docid == e.docid;
            });
            ASSERT_NE(it, all.end()) << e.docid;
            EXPECT_EQ(it->score, e.score) << qid << " " << e.docid;
            ++compared;
        }
    }
    EXPECT_GT(compared, 20U);
    // Shard 1 holds documents 1, 4, 7, ... of the collection.
    EXPECT_EQ(shard1.num_docs(), 121U / 3);
}

TEST(ShardedSearch, RefusesSetsThatAreNotOneBuildsShards) {
    TempFolder tmp;
    const fs::path corpus = tmp / "corpus.jsonl";
    const fs::path other = tmp / "other.jsonl";
    write_corpus(corpus, 1, 60);
    write_corpus(other, 2, 60);
    const auto options = build_options(false);
    const auto a = build_shards(tmp, corpus, "a", 3, options);
    const auto b = build_shards(tmp, other, "b", 3, options);
    const auto two = build_shards(tmp, corpus, "c", 2, options);
    cascade::Index::build(corpus.string(), tmp / "plain", options);

    auto refused = [](const std::vector<fs::path>& dirs, const std::string& names) {
        try {
            (void)cascade::ShardSet::open(dirs);
            ADD_FAILURE() << "accepted a bad set; expected an error naming " << names;
        } catch (const cascade::UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
        }
    };
    refused({a[0], b[1], a[2]}, b[1].string());                // another collection's shard
    refused({a[0], a[1], two[1]}, two[1].string());            // another shard count
    refused({a[0], a[2]}, "missing shard(s) 1");               // a missing shard
    refused({a[0], a[1], a[1]}, "both shard 1");               // a repeated shard
    refused({a[0], tmp / "plain"}, (tmp / "plain").string());  // not a shard
    EXPECT_THROW((void)cascade::ShardSet::open({a[1]}), cascade::UsageError);  // one of three

    // The same collection built again is the same set: its shards mix.
    const auto again = build_shards(tmp, corpus, "d", 3, options);
    EXPECT_EQ(cascade::ShardSet::open({again[0], a[1], again[2]}).size(), 3U);

    EXPECT_THROW(cascade::build_shard(corpus.string(), tmp / "bad", 3, 3, options),
                 cascade::UsageError);
    EXPECT_THROW(cascade::build_shard(corpus.string(), tmp / "bad", 0, 0, options),
                 cascade::UsageError);
}

/// global_stats is checked like every index file: a flipped byte, a cut file or a missing one
/// is a CorruptionError naming it, never a silently different score.
TEST(ShardedSearch, DamagedGlobalStatsAreRefused) {
    TempFolder tmp;
    const fs::path corpus = tmp / "corpus.jsonl";
    write_corpus(corpus, 4, 40);
    const auto dirs = build_shards(tmp, corpus, "s", 2, build_options(true));
    const fs::path stats = dirs[0] / "global_stats";
    const std::string good = slurp(stats);
    ASSERT_GT(good.size(), 64U);
    auto refused = [&](const std::string& bytes) {
        fs::remove(stats);
        if (!bytes.empty()) {
            std::ofstream(stats, std::ios::binary) << bytes;
        }
        try {
            (void)cascade::Index::open(dirs[0]);
            ADD_FAILURE() << "opened a shard with damaged global_stats";
        } catch (const cascade::CorruptionError& e) {
            EXPECT_NE(std::string(e.what()).find("global_stats"), std::string::npos) << e.what();
        }
    };
    std::string flipped = good;
    flipped[good.size() - 9] = static_cast<char>(flipped[good.size() - 9] ^ 0x40);  // a doc_freq
    refused(flipped);
    refused(good.substr(0, good.size() - 4));
    refused("");  // missing
    std::ofstream(stats, std::ios::binary) << good;
    EXPECT_EQ(cascade::shard_info(cascade::Index::open(dirs[0]))->count, 2U);
}

/// What `mpirun -np N cascade index` does, in threads: each builder parses and analyzes only
/// its own records (JSONL records of the others are skipped unparsed, blank lines between
/// them not counted) and gets the others' statistics through the exchange; every shard is
/// byte for byte the serial build_shard's.
TEST(ShardedSearch, BuildersThatExchangeStatisticsWriteTheSerialShards) {
    TempFolder tmp;
    const fs::path plain = tmp / "plain.jsonl";
    write_corpus(plain, 11, 200);
    const fs::path corpus = tmp / "corpus.jsonl";
    {
        std::ifstream in(plain);
        std::ofstream out(corpus);
        std::string line;
        for (int i = 0; std::getline(in, line); ++i) {
            out << (i % 7 == 3 ? "\n  \n" : "") << line << "\n";
        }
    }
    const auto options = build_options(true);
    constexpr std::uint32_t kBuilders = 3;
    const auto serial = build_shards(tmp, corpus, "serial", kBuilders, options);
    std::vector<std::string> slots(kBuilders);
    std::barrier sync(kBuilders);
    std::vector<std::thread> builders;
    std::vector<std::string> errors(kBuilders);
    for (std::uint32_t r = 0; r < kBuilders; ++r) {
        builders.emplace_back([&, r] {
            const cascade::StatsExchange exchange = [&, r](const std::string& bytes) {
                slots[r] = bytes;
                sync.arrive_and_wait();
                return slots;
            };
            try {
                (void)cascade::build_shard(corpus.string(), tmp / ("ranks." + std::to_string(r)), r,
                                           kBuilders, options, exchange);
            } catch (const std::exception& e) {
                errors[r] = e.what();
            }
        });
    }
    for (std::thread& t : builders) {
        t.join();
    }
    for (std::uint32_t r = 0; r < kBuilders; ++r) {
        ASSERT_EQ(errors[r], "") << "builder " << r;
        std::size_t compared = 0;
        for (const auto& entry : fs::directory_iterator(serial[r])) {
            const std::string name = entry.path().filename().string();
            EXPECT_EQ(slurp(tmp / ("ranks." + std::to_string(r)) / name), slurp(entry.path()))
                << "shard " << r << ": " << name;
            ++compared;
        }
        EXPECT_GT(compared, 3U);
    }
}

/// `mpirun -np N cascade search --split shards`: parts of a set opened apart, searched without
/// remove_query, and merged, give the single index's run; only the parts together are checked
/// as a whole set.
TEST(ShardedSearch, PartsSearchedApartAndMergedGiveTheSingleIndexRun) {
    TempFolder tmp;
    const fs::path corpus = tmp / "corpus.jsonl";
    write_corpus(corpus, 23, 250);
    const auto options = build_options(false);
    cascade::Index::build(corpus.string(), tmp / "single", options);
    const cascade::Index single = cascade::Index::open(tmp / "single");
    const auto dirs = build_shards(tmp, corpus, "s", 4, options);
    const std::vector<cascade::Query> queries = make_queries(13);
    const std::vector<std::vector<fs::path>> parts = {{dirs[2], dirs[0]}, {dirs[1]}, {dirs[3]}, {}};
    for (const std::size_t k : {std::size_t{3}, std::size_t{1000}}) {
        for (const bool remove_query : {false, true}) {
            cascade::SearchOptions search;
            search.k = k;
            search.remove_query = remove_query;
            std::vector<cascade::Run> runs;
            for (const auto& part_dirs : parts) {
                const cascade::ShardSet part = cascade::ShardSet::open_part(part_dirs);
                ASSERT_EQ(part.size(), part_dirs.size());
                if (part.size() == 0) {
                    EXPECT_THROW((void)cascade::search(part, queries, search), cascade::UsageError);
                    continue;
                }
                cascade::SearchOptions per_part = search;
                per_part.remove_query = false;
                runs.push_back(cascade::search(part, queries, per_part).run);
            }
            const cascade::Run merged = cascade::merge_runs(runs, k, remove_query);
            EXPECT_EQ(run_text(tmp, merged),
                      run_text(tmp, cascade::search(single, queries, search).run))
                << "k " << k << (remove_query ? ", remove_query" : "");
            // The merge is not vacuous: one part alone misses documents of the others.
            EXPECT_NE(run_text(tmp, runs[1]), run_text(tmp, merged));
        }
    }
    std::vector<std::optional<cascade::ShardInfo>> infos;
    for (const fs::path& dir : dirs) {
        infos.push_back(cascade::shard_info(cascade::Index::open(dir)));
    }
    EXPECT_NO_THROW(cascade::check_shard_set(dirs, infos));
    try {
        cascade::check_shard_set({dirs[0], dirs[2]}, {infos[0], infos[2]});
        ADD_FAILURE() << "an incomplete set passed the check";
    } catch (const cascade::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("missing shard(s) 1, 3"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(cascade::check_shard_set({dirs[0], dirs[0], dirs[1], dirs[2]},
                                          {infos[0], infos[0], infos[1], infos[2]}),
                 cascade::UsageError);
    // open_part still refuses what no set can hold: a plain index beside a shard.
    EXPECT_THROW((void)cascade::ShardSet::open_part({dirs[0], tmp / "single"}),
                 cascade::UsageError);
    EXPECT_EQ(cascade::ShardSet::open_part({tmp / "single"}).size(), 1U);
}

TEST(ShardedSearch, ShardPathsReadListsAndSetFiles) {
    TempFolder tmp;
    EXPECT_EQ(cascade::shard_paths("x/a,x/b,"), (std::vector<fs::path>{"x/a", "x/b"}));
    EXPECT_EQ(cascade::shard_paths("just/one"), (std::vector<fs::path>{"just/one"}));
    const fs::path set = tmp / "set.txt";
    std::ofstream(set) << "# shards of the demo set\nshard0\n\n  /abs/shard1  \n";
    EXPECT_EQ(cascade::shard_paths(set.string()),
              (std::vector<fs::path>{tmp / "shard0", fs::path("/abs/shard1")}));
    const fs::path empty = tmp / "empty.txt";
    std::ofstream(empty) << "# nothing\n";
    EXPECT_THROW((void)cascade::shard_paths(empty.string()), cascade::InputError);
}

TEST(ShardedSearch, ShardPathsTakeAnExistingPathWithACommaAsItself) {
    TempFolder tmp;
    const fs::path folder = tmp / "run,2024";
    fs::create_directories(folder);
    EXPECT_EQ(cascade::shard_paths(folder.string()), (std::vector<fs::path>{folder}));
    // A set file and a set folder with commas in their names are read, not split.
    const fs::path set = tmp / "set,a.txt";
    std::ofstream(set) << "shard0\nshard1\n";
    EXPECT_EQ(cascade::shard_paths(set.string()),
              (std::vector<fs::path>{tmp / "shard0", tmp / "shard1"}));
    std::ofstream(folder / std::string(cascade::kShardSetFile)) << "shard-0\n";
    EXPECT_EQ(cascade::shard_paths(folder.string()), (std::vector<fs::path>{folder / "shard-0"}));
    // A list is still a list when its whole text names no path.
    const std::string list = (tmp / "a").string() + "," + (tmp / "b").string();
    EXPECT_EQ(cascade::shard_paths(list), (std::vector<fs::path>{tmp / "a", tmp / "b"}));
}

}  // namespace
