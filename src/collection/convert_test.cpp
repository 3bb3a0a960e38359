/// Tests of BEIR-folder conversion: counts of every shared collection against its SOURCE.md,
/// round trips through the readers, atomicity, and the `cascade convert` command.

#include <gtest/gtest.h>

#include <filesystem>

#include "collection/convert.hpp"
#include "collection/reader.hpp"
#include "collection/trec_io.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

using namespace cascade;
using cascade::testing::run_cli;
using cascade::testing::TempDir;
using cascade::testing::write_file;
namespace fs = std::filesystem;

namespace {

std::size_t count_documents(const std::string& path) {
    auto reader = open_documents(path);
    std::size_t n = 0;
    Document d;
    while (reader->next(d)) {
        ++n;
    }
    return n;
}

/// Expected counts, from ../shared/data/<name>/SOURCE.md and the README table there.
struct Expected {
    const char* name;
    std::uint64_t documents;
    std::uint64_t queries;
    std::uint64_t judged;
    std::uint64_t pairs;
};

constexpr Expected kShared[] = {
    {"cisi", 1460, 112, 76, 3114},
    // 1,837 rows less the 225 code -1 rows.
    {"cranfield", 1400, 225, 225, 1612},
    {"medline", 1033, 30, 30, 696},
    {"adi", 82, 35, 35, 170},
    {"npl", 11429, 93, 93, 2083},
    // 6,004 records: 4 repeated ids and 1 headerless fragment skipped -> 5,999 ids.
    {"lisa", 5999, 35, 35, 379},
    // 324 pairs less the 3 past the 423 articles; query 23's only judgment is one of them.
    {"time", 423, 83, 82, 321},
    {"scifact", 5183, 1109, 300, 339},
};

}  // namespace

TEST(Convert, EverySharedCollectionMatchesItsSourceCounts) {
    auto shared = cascade::testing::shared_dir();
    if (shared.empty()) {
        GTEST_SKIP() << "../shared not present";
    }
    TempDir tmp;
    for (const auto& e : kShared) {
        SCOPED_TRACE(e.name);
        ConvertOptions options;
        options.input = (shared / "data" / e.name).string();
        auto out = (tmp / e.name).string();
        auto report = convert_to_beir(options, out);
        EXPECT_EQ(report.documents, e.documents);
        EXPECT_EQ(report.queries, e.queries);
        EXPECT_EQ(report.judged_queries, e.judged);
        EXPECT_EQ(report.qrels_pairs, e.pairs);
        EXPECT_EQ(report.qrels_unknown_documents, 0U);
        EXPECT_EQ(report.qrels_unknown_queries, 0U);
        // The written folder reads back with the same counts.
        EXPECT_EQ(count_documents(out), e.documents);
        EXPECT_EQ(read_queries(out).size(), e.queries);
        auto qrels = read_qrels(out + "/qrels/test.tsv");
        EXPECT_EQ(qrels.num_judgments(), e.pairs);
        EXPECT_EQ(qrels.by_query.size(), e.judged);
    }
    // Spot checks of quirks in the written files.
    auto cran = read_qrels((tmp / "cranfield/qrels/test.tsv").string());
    EXPECT_EQ(cran.by_query.at("1").at("184"), 3);  // code 2 -> gain 3
    auto cran_queries = read_queries((tmp / "cranfield").string());
    EXPECT_EQ(cran_queries[2].id, "3");  // `.I 004` is the third query
    auto time = read_qrels((tmp / "time/qrels/test.tsv").string());
    EXPECT_EQ(time.by_query.at("1").size(), 7U);
}

TEST(Convert, SciFactRoundTripsRecordForRecord) {
    auto shared = cascade::testing::shared_dir();
    if (shared.empty()) {
        GTEST_SKIP() << "../shared not present";
    }
    TempDir tmp;
    ConvertOptions options;
    options.input = (shared / "data/scifact").string();
    (void)convert_to_beir(options, (tmp / "out").string());
    auto original = open_documents(options.input);
    auto converted = open_documents((tmp / "out").string());
    Document a;
    Document b;
    std::size_t n = 0;
    while (original->next(a)) {
        ASSERT_TRUE(converted->next(b));
        ASSERT_EQ(a.id, b.id);
        ASSERT_EQ(a.title, b.title) << a.id;
        ASSERT_EQ(a.text, b.text) << a.id;
        ++n;
    }
    EXPECT_FALSE(converted->next(b));
    EXPECT_EQ(n, 5183U);
    auto qa = read_queries(options.input);
    auto qb = read_queries((tmp / "out").string());
    ASSERT_EQ(qa.size(), qb.size());
    for (std::size_t i = 0; i < qa.size(); ++i) {
        EXPECT_EQ(qa[i].id, qb[i].id);
        EXPECT_EQ(qa[i].text, qb[i].text);
    }
}

TEST(Convert, JsonlWithSeparateQueriesAndQrelsAndDuplicateIds) {
    TempDir tmp;
    write_file(tmp / "docs.jsonl",
               "{\"id\": \"a\", \"contents\": \"alpha \\\"quoted\\\"\"}\n"
               "{\"id\": \"b\", \"contents\": \"beta\\ttab\\u0001\"}\n"
               "{\"id\": \"a\", \"contents\": \"again\"}\n");
    write_file(tmp / "topics.txt", "<top>\n<num> Number: 7\n<title> alpha\n</top>\n");
    write_file(tmp / "qrels.txt", "7 0 a 2\n7 0 z 1\n8 0 b 1\n");
    ConvertOptions options;
    options.input = (tmp / "docs.jsonl").string();
    options.queries = (tmp / "topics.txt").string();
    options.qrels = (tmp / "qrels.txt").string();
    options.split = "dev";
    auto report = convert_to_beir(options, (tmp / "out").string());
    EXPECT_EQ(report.format, "jsonl");
    EXPECT_EQ(report.documents, 2U);
    EXPECT_EQ(report.duplicate_documents, 1U);
    EXPECT_EQ(report.queries, 1U);
    EXPECT_EQ(report.judged_queries, 2U);
    EXPECT_EQ(report.qrels_pairs, 3U);
    EXPECT_EQ(report.qrels_unknown_documents, 1U);
    EXPECT_EQ(report.qrels_unknown_queries, 1U);
    EXPECT_EQ(cascade::testing::slurp(tmp / "out/corpus.jsonl"),
              "{\"_id\": \"a\", \"title\": \"\", \"text\": \"alpha \\\"quoted\\\"\"}\n"
              "{\"_id\": \"b\", \"title\": \"\", \"text\": \"beta\\ttab\\u0001\"}\n");
    EXPECT_EQ(cascade::testing::slurp(tmp / "out/queries.jsonl"),
              "{\"_id\": \"7\", \"text\": \"alpha\"}\n");
    EXPECT_EQ(cascade::testing::slurp(tmp / "out/qrels/dev.tsv"),
              "query-id\tcorpus-id\tscore\n7\ta\t2\n7\tz\t1\n8\tb\t1\n");
}

TEST(Convert, FailureLeavesNothingAndKeepsAnExistingOutput) {
    TempDir tmp;
    write_file(tmp / "docs.tsv", "1\tfine\n2\tfine\nbroken line without tab\n");
    ConvertOptions options;
    options.input = (tmp / "docs.tsv").string();
    EXPECT_THROW((void)convert_to_beir(options, (tmp / "out").string()), InputError);
    EXPECT_FALSE(fs::exists(tmp / "out"));
    fs::create_directories(tmp / "old");
    write_file(tmp / "old/marker", "keep");
    EXPECT_THROW((void)convert_to_beir(options, (tmp / "old").string()), InputError);
    EXPECT_EQ(cascade::testing::slurp(tmp / "old/marker"), "keep");
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) {
        ++entries;
    }
    EXPECT_EQ(entries, 2U) << "temporary siblings left behind";
}

TEST(ConvertCli, PrintsCountsAndWritesBeirFolder) {
    TempDir tmp;
    write_file(tmp / "X.ALL", ".I 1\r\n.T\r\nT one\r\n.W\r\nw one\r\n.I 2\r\n.W\r\nw two\r\n");
    write_file(tmp / "X.QRY", ".I 1\r\n.W\r\nquery\r\n");
    write_file(tmp / "X.REL", "1 2 0 0.000000\r\n");
    auto r = run_cli("convert --from smart --input " + (tmp / "X.ALL").string() + " --queries " +
                     (tmp / "X.QRY").string() + " --qrels " + (tmp / "X.REL").string() +
                     " --output " + (tmp / "out").string());
    // X.QRY is not JSONL/TSV/TREC by name; auto-detection sniffs its '.I' as SMART.
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("documents\t2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("queries\t1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("judged queries\t1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("qrels pairs\t1\n"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(tmp / "out/qrels/test.tsv"));

    auto again = run_cli("convert --from smart --input " + (tmp / "X.ALL").string() + " --output " +
                         (tmp / "out").string());
    EXPECT_EQ(again.exit_code, 2) << again.err;
    EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;

    auto unknown = run_cli("convert --from xml --input " + (tmp / "X.ALL").string() + " --output " +
                           (tmp / "o2").string());
    EXPECT_EQ(unknown.exit_code, 2) << unknown.err;

    write_file(tmp / "bad.jsonl", "{\"_id\": \"1\", \"text\": \"x\"}\n{\"text\": \"no id\"}\n");
    auto bad = run_cli("convert --input " + (tmp / "bad.jsonl").string() + " --output " +
                       (tmp / "o3").string());
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("bad.jsonl:2:"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(tmp / "o3"));
}
