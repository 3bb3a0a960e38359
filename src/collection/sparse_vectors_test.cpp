// Learned-sparse vector files: JsonVectorCollection documents (plain and gzipped, integer and
// float weights, `id`/`docid`), pre-tokenised TSV and JSONL queries read back exactly; every
// malformed line refused with an error naming the file, the line and the field.

#include <gtest/gtest.h>

#include <zlib.h>

#include "collection/sparse_vectors.hpp"
#include "collection/test_support.hpp"
#include "tests/run_cli.hpp"

namespace cascade {
namespace {

using cascade::testing::TempDir;
using cascade::testing::write_file;

std::vector<SparseRecord> read_all(const std::string& path) {
    SparseVectorReader reader(path);
    std::vector<SparseRecord> out;
    SparseRecord r;
    while (reader.next(r)) {
        out.push_back(r);
    }
    return out;
}

TEST(SparseVectors, ReadsJsonVectorCollectionRecords) {
    TempDir tmp;
    write_file(
        tmp / "docs.jsonl",
        "{\"id\": \"d1\", \"contents\": \"cat sat\", \"vector\": {\"cat\": 12, \"sat\": 3}}\n"
        "\n"
        "{\"docid\": 7, \"vector\": {\"mat\": 0.25, \"##s\": 2.0}, \"extra\": [1, {}]}\n"
        "{\"_id\": \"d3\", \"text\": \"t\", \"vector\": {\"z\": 0}}\n");
    const auto records = read_all((tmp / "docs.jsonl").string());
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[0].id, "d1");
    EXPECT_EQ(records[0].contents, "cat sat");
    EXPECT_EQ(records[0].vector.terms, (std::vector<std::string>{"cat", "sat"}));
    EXPECT_EQ(records[0].vector.weights, (std::vector<double>{12, 3}));
    EXPECT_TRUE(records[0].vector.integral);
    EXPECT_EQ(records[1].id, "7");
    EXPECT_EQ(records[1].contents, "");
    EXPECT_EQ(records[1].vector.terms, (std::vector<std::string>{"mat", "##s"}));
    EXPECT_EQ(records[1].vector.weights, (std::vector<double>{0.25, 2.0}));
    EXPECT_FALSE(records[1].vector.integral);
    EXPECT_EQ(records[2].id, "d3");
    EXPECT_EQ(records[2].contents, "t");
    EXPECT_EQ(records[2].vector.weights, (std::vector<double>{0}));
}

TEST(SparseVectors, ReadsGzippedFilesAndServesAsACollection) {
    TempDir tmp;
    const std::string path = (tmp / "docs.jsonl.gz").string();
    gzFile gz = gzopen(path.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    const std::string body =
        "{\"id\": \"a\", \"contents\": \"alpha text\", \"vector\": {\"alpha\": 5}}\n"
        "{\"id\": \"b\", \"contents\": \"beta\", \"vector\": {\"beta\": 1.5}}\n";
    gzwrite(gz, body.data(), static_cast<unsigned>(body.size()));
    gzclose(gz);
    EXPECT_EQ(read_all(path).size(), 2U);
    SparseCollectionReader docs(path);
    const auto read = cascade::testing::drain(docs);
    ASSERT_EQ(read.size(), 2U);
    EXPECT_EQ(read[0].id, "a");
    EXPECT_EQ(read[0].title, "");
    EXPECT_EQ(read[0].text, "alpha text");
    EXPECT_EQ(read[1].text, "beta");
}

TEST(SparseVectors, ReadsPretokenisedTsvQueries) {
    TempDir tmp;
    write_file(tmp / "q.tsv", "q1\tcat cat  sat cat\nq2\t  mat\t##s \n");
    const auto q = read_sparse_queries((tmp / "q.tsv").string());
    ASSERT_EQ(q.size(), 2U);
    EXPECT_EQ(q[0].id, "q1");
    EXPECT_EQ(q[0].vector.terms, (std::vector<std::string>{"cat", "sat"}));
    EXPECT_EQ(q[0].vector.weights, (std::vector<double>{3, 1}));
    EXPECT_EQ(q[0].contents, "cat cat  sat cat");
    EXPECT_EQ(q[1].vector.terms, (std::vector<std::string>{"mat", "##s"}));
    EXPECT_EQ(q[1].vector.weights, (std::vector<double>{1, 1}));
}

TEST(SparseVectors, ReadsJsonlQueries) {
    TempDir tmp;
    write_file(
        tmp / "q.jsonl",
        "{\"id\": \"q1\", \"contents\": \"cats\", \"vector\": {\"cat\": 1.5, \"x\": 0.125}}\n"
        "{\"id\": 2, \"vector\": {\"mat\": 3}}\n");
    const auto q = read_sparse_queries((tmp / "q.jsonl").string());
    ASSERT_EQ(q.size(), 2U);
    EXPECT_EQ(q[0].contents, "cats");
    EXPECT_EQ(q[0].vector.weights, (std::vector<double>{1.5, 0.125}));
    EXPECT_EQ(q[1].id, "2");
    EXPECT_EQ(q[1].vector.terms, (std::vector<std::string>{"mat"}));
}

TEST(SparseVectors, ParsePretokenizedCountsOccurrences) {
    const SparseVector v = parse_pretokenized(" b a b\tb  ");
    EXPECT_EQ(v.terms, (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(v.weights, (std::vector<double>{3, 1}));
    EXPECT_EQ(parse_pretokenized("  ").size(), 0U);
}

/// Expects reading a one-record document file `line` (on line 2, after a good one) to fail
/// with every needle in the message.
void expect_bad_document(const std::string& line, std::initializer_list<std::string> needles) {
    TempDir tmp;
    const std::string path = (tmp / "bad.jsonl").string();
    write_file(path, "{\"id\": \"ok\", \"vector\": {\"a\": 1}}\n" + line + "\n");
    std::vector<std::string> all = {path + ":2:"};
    all.insert(all.end(), needles.begin(), needles.end());
    try {
        (void)read_all(path);
        ADD_FAILURE() << "no InputError for " << line;
    } catch (const InputError& e) {
        for (const std::string& n : all) {
            EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
                << "'" << n << "' not in: " << e.what();
        }
    }
}

TEST(SparseVectors, RefusesMalformedDocumentsNamingLineAndField) {
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": \"1\"}}",
                        {"vector term 'a'", "must be a number, got string"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": [1]}}",
                        {"vector term 'a'", "got array"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": -0.5}}",
                        {"vector term 'a'", "negative weight -0.5"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": NaN}}",
                        {"invalid JSON", "NaN and Infinity are not JSON numbers"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": Infinity}}",
                        {"NaN and Infinity are not JSON numbers"});
    // JSON numbers past a double's range: nlohmann refuses them as it parses.
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": 1e999}}",
                        {"invalid JSON", "number overflow parsing '1e999'"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {}}", {"field 'vector': empty"});
    expect_bad_document("{\"id\": \"d\"}", {"no field 'vector'"});
    expect_bad_document("{\"id\": \"d\", \"vector\": [1, 2]}",
                        {"field 'vector': expected an object", "got array"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": 1, \"a\": 2}}",
                        {"vector term 'a' appears twice"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a b\": 1}}",
                        {"vector term 'a b' contains whitespace"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"\": 1}}", {"vector: an empty term"});
    expect_bad_document("{\"vector\": {\"a\": 1}}", {"no id"});
    expect_bad_document("{\"id\": \" \", \"vector\": {\"a\": 1}}", {"field 'id': empty id"});
    expect_bad_document("{\"id\": [1], \"vector\": {\"a\": 1}}",
                        {"field 'id': expected a string or integer id, got array"});
    expect_bad_document("{\"id\": \"d\", \"contents\": 3, \"vector\": {\"a\": 1}}",
                        {"field 'contents': expected a string, got number"});
    expect_bad_document("{\"id\": \"d\", \"vector\": {\"a\": 1}", {"invalid JSON"});
    expect_bad_document("[1]", {"expected a JSON object per line"});
}

TEST(SparseVectors, RefusesMalformedQueries) {
    TempDir tmp;
    const auto bad = [&](const std::string& name, const std::string& body,
                         std::initializer_list<std::string> needles) {
        const std::string path = (tmp / name).string();
        write_file(path, body);
        try {
            (void)read_sparse_queries(path);
            ADD_FAILURE() << "no InputError for " << name;
        } catch (const InputError& e) {
            const std::string msg = e.what();
            EXPECT_EQ(msg.rfind(path + ":", 0), 0U) << msg;
            for (const std::string& n : needles) {
                EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
            }
        }
    };
    bad("notab.tsv", "q1 cat sat\n", {":1:", "expected qid<TAB>terms"});
    bad("empty.tsv", "q1\tcat\nq2\t   \n", {":2:", "query 'q2' has no terms"});
    bad("noid.tsv", "\tcat\n", {":1:", "empty query id"});
    bad("twice.tsv", "q1\tcat\nq1\tsat\n",
        {":2:", "query id 'q1' appears twice (first on line 1)"});
    bad("neg.jsonl", "{\"id\": \"q\", \"vector\": {\"a\": -1}}\n", {":1:", "negative weight"});
    bad("novec.jsonl", "{\"id\": \"q\", \"contents\": \"a\"}\n", {":1:", "no field 'vector'"});
}

}  // namespace
}  // namespace cascade
