// `cascade index --shard i --of N` and `cascade search --index DIR0,DIR1,...` through the real
// binary: the shards' merged run is the single index's run file, byte for byte; a set file works
// as the list does; a missing shard or a shard of another set is a usage error naming the folder.

#include <gtest/gtest.h>

#include <string>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

// The BM25 hand-computed collection of search_cli_test plus two documents that repeat others
// (ties across shards), in no id order.
const char* kCorpus = R"({"_id": "doc-c", "title": "cat", "text": "dog dog"})"
                      "\n"
                      R"({"_id": "doc-b", "title": "", "text": "cat fish"})"
                      "\n"
                      R"({"_id": "doc-a", "title": "", "text": "cat fish"})"
                      "\n"
                      R"({"_id": "q1", "title": "bird", "text": "cat bird"})"
                      "\n"
                      R"({"_id": "doc-e", "title": "fish", "text": "zebra zebra zebra"})"
                      "\n"
                      R"({"_id": "doc-0", "title": "", "text": "cat fish"})"
                      "\n"
                      R"({"_id": "doc-z", "title": "cat", "text": "dog dog"})"
                      "\n";

const char* kQueries = "q1\tcat cats dog\nq2\tthe of and\nq3\tfish\nq4\tbird zebra cat\n";

class ShardCli : public ::testing::Test {
protected:
    void SetUp() override {
        write_file(m_dir / "corpus.jsonl", kCorpus);
        write_file(m_dir / "queries.tsv", kQueries);
    }
    void index(const std::string& name, const std::string& extra) {
        CliResult r = run_cli("index --quiet --collection " + (m_dir / "corpus.jsonl").string() +
                              " --index " + (m_dir / name).string() + " " + extra);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    CliResult search(const std::string& index, const std::string& run, const std::string& extra) {
        return run_cli("search --index " + index + " --queries " +
                       (m_dir / "queries.tsv").string() + " --run " + (m_dir / run).string() +
                       " --k 3 " + extra);
    }
    TempDir m_dir;
};

TEST_F(ShardCli, ShardsSearchedTogetherWriteTheSingleIndexRun) {
    index("single", "");
    for (int n = 2; n <= 3; ++n) {
        std::string list;
        std::string set_file;
        for (int s = 0; s < n; ++s) {
            const std::string name = "s" + std::to_string(n) + "." + std::to_string(s);
            index(name, "--shard " + std::to_string(s) + " --of " + std::to_string(n));
            list += (s == 0 ? "" : ",") + (m_dir / name).string();
            set_file += name + "\n";
        }
        write_file(m_dir / "set.txt", "# shards\n" + set_file);
        for (const char* algorithm : {"exhaustive", "maxscore", "bmw"}) {
            const std::string extra = std::string("--algorithm ") + algorithm;
            CliResult one = search((m_dir / "single").string(), "single.run", extra);
            ASSERT_EQ(one.exit_code, 0) << one.err;
            CliResult many = search(list, "shards.run", extra);
            ASSERT_EQ(many.exit_code, 0) << many.err;
            EXPECT_NE(many.out.find("shard 1\t"), std::string::npos) << many.out;
            EXPECT_EQ(slurp(m_dir / "shards.run"), slurp(m_dir / "single.run")) << n << algorithm;
            CliResult from_file = search((m_dir / "set.txt").string(), "file.run", extra);
            ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
            EXPECT_EQ(slurp(m_dir / "file.run"), slurp(m_dir / "single.run")) << n << algorithm;
        }
    }
    // Ties at the cut: doc-0, doc-a and doc-b score alike for q3 and doc-0 (shard 5 mod n) wins.
    EXPECT_NE(slurp(m_dir / "single.run").find("q3 Q0 doc-0 1 "), std::string::npos)
        << slurp(m_dir / "single.run");
}

TEST_F(ShardCli, OneTypedQueryOverAShardListPrintsTheSingleIndexHits) {
    index("single", "");
    index("t0", "--shard 0 --of 2");
    index("t1", "--shard 1 --of 2");
    const std::string list = (m_dir / "t0").string() + "," + (m_dir / "t1").string();
    for (const char* query : {"cat fish", "bird zebra cat", "nothing-matches"}) {
        const std::string args = std::string(" --query '") + query + "' --show 5";
        CliResult one = run_cli("search --index " + (m_dir / "single").string() + args);
        ASSERT_EQ(one.exit_code, 0) << one.err;
        CliResult many = run_cli("search --index " + list + args);
        ASSERT_EQ(many.exit_code, 0) << many.err;
        EXPECT_EQ(many.out, one.out) << query;
    }
    // Titles come from the shard that holds the document: doc-e (shard 0) and q1 (shard 1).
    CliResult r = run_cli("search --index " + list + " --query 'bird zebra'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("q1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bird\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("fish\n"), std::string::npos) << r.out;
}

TEST_F(ShardCli, SplitShardsWithoutALauncherIsTheSerialRun) {
    index("single", "");
    index("u0", "--shard 0 --of 2");
    index("u1", "--shard 1 --of 2");
    const std::string list = (m_dir / "u0").string() + "," + (m_dir / "u1").string();
    CliResult r = search(list, "split.run", "--split shards --remove-query");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(search((m_dir / "single").string(), "single-rq.run", "--remove-query").exit_code, 0);
    EXPECT_EQ(slurp(m_dir / "split.run"), slurp(m_dir / "single-rq.run"));
    r = search(list, "x.run", "--split documents");
    EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(ShardCli, AnIndexFolderWithACommaInItsName) {
    index("run,2024", "");
    index("single", "");
    CliResult r = search((m_dir / "run,2024").string(), "comma.run", "");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(search((m_dir / "single").string(), "single.run", "").exit_code, 0);
    EXPECT_EQ(slurp(m_dir / "comma.run"), slurp(m_dir / "single.run"));
}

TEST_F(ShardCli, IncompleteOrMixedSetsAreUsageErrors) {
    index("a0", "--shard 0 --of 2");
    index("a1", "--shard 1 --of 2");
    index("b1", "--shard 1 --of 3");
    CliResult r = search((m_dir / "a0").string(), "x.run", "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("missing shard(s) 1"), std::string::npos) << r.err;
    r = search((m_dir / "a0").string() + "," + (m_dir / "b1").string(), "x.run", "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find((m_dir / "b1").string()), std::string::npos) << r.err;
    r = run_cli("index --quiet --collection " + (m_dir / "corpus.jsonl").string() + " --index " +
                (m_dir / "bad").string() + " --shard 2 --of 2");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--shard 2 is out of range for --of 2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::testing
