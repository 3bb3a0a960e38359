// End-to-end tests of `cascade index` + `cascade search` through the real binary.
//
// The inline collection's expected scores were computed by hand from Lucene 9's BM25 formula
// with an independent float32 emulation (src/retrieve/testdata/bm25_golden.py; the per-case
// arithmetic is spelled out next to each expectation) and printed with %.6f as the run file does.
// Terms are plain English words that Porter stemming leaves alone ("cats" -> "cat").

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

// doc-a and doc-b have identical text: their tie must be broken by external id (doc-a first)
// although doc-b was indexed first.
const char* kCorpus = R"({"_id": "doc-c", "title": "cat", "text": "dog dog"})"
                      "\n"
                      R"({"_id": "doc-b", "title": "", "text": "cat fish"})"
                      "\n"
                      R"({"_id": "doc-a", "title": "", "text": "cat fish"})"
                      "\n"
                      R"({"_id": "q1", "title": "bird", "text": "cat bird"})"
                      "\n"
                      R"({"_id": "doc-e", "title": "fish", "text": "zebra zebra zebra"})"
                      "\n";

// q1: "cat" twice (boost 2) and "dog" once; q2: stop words only; q3: "fish".
const char* kQueries = "q1\tcat cats dog\nq2\tthe of and\nq3\tfish\n";

struct Line {
    std::string qid, docid, rank, score;
};

std::vector<Line> read_run_lines(const std::filesystem::path& p) {
    std::vector<Line> lines;
    std::istringstream in(slurp(p));
    std::string q0, tag;
    Line l;
    while (in >> l.qid >> q0 >> l.docid >> l.rank >> l.score >> tag) {
        lines.push_back(l);
    }
    return lines;
}

std::string ranking(const std::vector<Line>& lines, const std::string& qid) {
    std::string s;
    for (const Line& l : lines) {
        if (l.qid == qid) {
            s += l.docid + "=" + l.score + " ";
        }
    }
    return s;
}

class SearchCli : public ::testing::Test {
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
    CliResult search(const std::string& name, const std::string& extra) {
        return run_cli("search --index " + (m_dir / name).string() + " --queries " +
                       (m_dir / "queries.tsv").string() + " --run " + (m_dir / "out.run").string() +
                       " " + extra);
    }
    TempDir m_dir;
};

TEST_F(SearchCli, FlatScoresAreLuceneBm25ComputedByHand) {
    index("flat", "");
    // contents = title + " " + text: lengths c=3, b=2, a=2, q1=3, e=4; docCount 5, avgdl 2.8.
    // idf(cat: df 4) = ln(1 + 1.5/4.5), idf(dog: df 1) = ln(1 + 4.5/1.5); cat has boost 2.
    // doc-c = cat(tf 1, len 3) + dog(tf 2, len 3); doc-a/b = cat(tf 1, len 2); q1 = cat(len 3).
    for (const char* algorithm : {"exhaustive", "maxscore", "wand", "bmw", "bmm"}) {
        CliResult r = search("flat", std::string("--algorithm ") + algorithm);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto lines = read_run_lines(m_dir / "out.run");
        EXPECT_EQ(ranking(lines, "q1"), "doc-c=1.246442 doc-a=0.320155 doc-b=0.320155 q1=0.298780 ")
            << algorithm;
        EXPECT_EQ(ranking(lines, "q2"), "") << "stop words only: no hits";
        // fish: df 3; doc-a/b len 2, doc-e len 4.
        EXPECT_EQ(ranking(lines, "q3"), "doc-a=0.299919 doc-b=0.299919 doc-e=0.262377 ");
    }
}

TEST_F(SearchCli, OneTypedQueryPrintsHitsWithTitlesDirectlyOrThroughAPipeline) {
    index("flat", "");
    const std::string base = "search --index " + (m_dir / "flat").string();
    CliResult r = run_cli(base + " --query 'cat cats dog' --show 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The same ranking as q1 above, cut to two hits; doc-c's title is "cat".
    EXPECT_EQ(r.out, "  1  doc-c            1.2464  cat\n  2  doc-a            0.3202  cat fish\n");

    write_file(m_dir / "bm25.yaml", "first_stage: {type: bm25, k: 10}\n");
    r = run_cli(base + " --pipeline " + (m_dir / "bm25.yaml").string() + " --query 'fish'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("1  doc-a"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("bm25"), std::string::npos) << "the stage table goes to stderr";

    EXPECT_EQ(run_cli(base + " --pipeline " + (m_dir / "bm25.yaml").string()).exit_code, 2);
    EXPECT_EQ(
        run_cli(base + " --query fish --queries " + (m_dir / "queries.tsv").string()).exit_code, 2);
}

TEST_F(SearchCli, MultifieldSumsPerFieldBm25AndRemoveQueryDropsTheQueryDoc) {
    index("multi", "--fields title,text");
    // title: docCount 3 (c, q1, e), avgdl 1; text: docCount 5, lengths 2,2,2,2,3, avgdl 2.2.
    // doc-c = title cat(df 1, tf 1, len 1, boost 2) + text dog(df 1, tf 2, len 2);
    // doc-a, doc-b, q1 = text cat(df 3, tf 1, len 2, boost 2): a three-way tie by id.
    CliResult r = search("multi", "--algorithm bmw");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ranking(read_run_lines(m_dir / "out.run"), "q1"),
              "doc-c=1.999430 doc-a=0.577309 doc-b=0.577309 q1=0.577309 ");
    r = search("multi", "--remove-query --k 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto lines = read_run_lines(m_dir / "out.run");
    EXPECT_EQ(ranking(lines, "q1"), "doc-c=1.999430 doc-a=0.577309 doc-b=0.577309 ");
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0].rank, "1");
    r = search("multi", "--fields title --k 10");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // title only, weight 1: cat in doc-c (idf of df 1 of 3, boost 2, len 1).
    EXPECT_EQ(ranking(read_run_lines(m_dir / "out.run"), "q1"), "doc-c=1.032452 ");
}

TEST_F(SearchCli, BadOptionsAndMissingIndexAreClearErrors) {
    index("flat", "");
    CliResult r = search("flat", "--algorithm fastest");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown algorithm 'fastest'"), std::string::npos) << r.err;
    r = search("flat", "--fields title");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no field 'title'"), std::string::npos) << r.err;
    r = search("flat", "--b 1.5");
    EXPECT_EQ(r.exit_code, 2);
    r = search("flat", "--k 0");
    EXPECT_EQ(r.exit_code, 2);
    r = search("flat", "--tag 'my run'");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--tag 'my run'"), std::string::npos) << r.err;
    r = search("missing", "");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "out.run"));
}

TEST_F(SearchCli, DefaultK1AndBAreAnserinisAndBadOnesNameTheOption) {
    index("flat", "");
    CliResult r = search("flat", "");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("retriever\tbm25(k1=0.9,b=0.4)\n"), std::string::npos) << r.out;
    const std::string defaults = slurp(m_dir / "out.run");
    r = search("flat", "--k1 0.9 --b 0.4");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(m_dir / "out.run"), defaults) << "no --k1/--b must mean 0.9/0.4";
    r = search("flat", "--k1 1.2 --b 0.75");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(slurp(m_dir / "out.run"), defaults) << "the options must reach the scorer";

    r = search("flat", "--k1 -1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("illegal k1 value -1"), std::string::npos) << r.err;
    r = search("flat", "--b 1.5");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("illegal b value 1.5"), std::string::npos) << r.err;

    r = run_cli("search --help");
    EXPECT_NE(r.out.find("BM25 k1 (default 0.9, Anserini's)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("BM25 b (default 0.4, Anserini's)"), std::string::npos) << r.out;
}

TEST_F(SearchCli, DuplicateQueryIdsAreAnInputError) {
    index("flat", "");
    write_file(m_dir / "queries.tsv", "q1\tcat\nq1\tdog\n");
    CliResult r = search("flat", "");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("appears twice"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::testing
