/// Tests of the BEIR / JSONL / TSV / TREC-topic readers on small inline fixtures, plus the
/// shared SciFact copies (skipped when ../shared is absent).

#include <gtest/gtest.h>

#include <zlib.h>

#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "collection/reader.hpp"
#include "collection/test_support.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

using namespace cascade;
using cascade::testing::drain;
using cascade::testing::expect_input_error;
using cascade::testing::TempDir;
using cascade::testing::write_file;

namespace {

std::vector<Document> read_all(const std::string& path, std::string_view format = "auto") {
    auto reader = open_documents(path, format);
    return drain(*reader);
}

void write_gz(const std::filesystem::path& p, const std::string& content) {
    gzFile f = gzopen(p.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
    gzclose(f);
}

}  // namespace

TEST(Jsonl, ReadsBeirAndPyseriniRecords) {
    TempDir dir;
    write_file(dir / "c.jsonl",
               "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"hello\", \"metadata\": {}}\n"
               "\n"
               "{\"id\": 42, \"contents\": \"caf\\u00e9\"}\r\n"
               "{\"_id\": \"d3\", \"title\": null, \"text\": \"\"}\n");
    auto docs = read_all((dir / "c.jsonl").string());
    ASSERT_EQ(docs.size(), 3U);
    EXPECT_EQ(docs[0].id, "d1");
    EXPECT_EQ(docs[0].title, "T");
    EXPECT_EQ(docs[0].text, "hello");
    EXPECT_EQ(docs[1].id, "42");
    EXPECT_EQ(docs[1].title, "");
    EXPECT_EQ(docs[1].text, "caf\xc3\xa9");
    EXPECT_EQ(docs[2].id, "d3");
    EXPECT_EQ(docs[2].text, "");
}

// Plain records are read without nlohmann's lexer; every record, plain or not, must come out
// as nlohmann's own parse of the line says. Random records mix plain strings with escapes,
// control characters, non-ASCII text, numbers, null, nested and empty values, repeated keys
// and odd whitespace, so both paths and the hand-over between them run.
TEST(Jsonl, RecordsReadAsNlohmannParsesThem) {
    std::mt19937 rng(20261207);
    auto pick = [&](std::initializer_list<const char*> xs) {
        return std::string(*(xs.begin() + rng() % xs.size()));
    };
    auto string_value = [&] {
        return pick({"\"plain\"", "\"\"", "\"caf\xC3\xA9 \xE2\x82\xAC\"", "\"a\\\"b\"",
                     "\"tab\\there\"", "\"\\u00e9t\\u00e9\"", "\"sp ace , : { } [ ]\""});
    };
    auto ws = [&] { return pick({"", " ", "  ", "\t", " \r"}); };
    const std::vector<std::string> keys = {"id", "title", "text", "contents", "metadata", "x"};
    TempDir dir;
    std::string lines;
    for (int r = 0; r < 1500; ++r) {
        std::string line = ws() + "{" + ws();
        line += "\"_id\"" + ws() + ":" + ws() + pick({"\"d\"", "\"d7\"", "12"});
        const int fields = static_cast<int>(rng() % 5);
        for (int f = 0; f < fields; ++f) {
            const std::string& key = keys[rng() % keys.size()];
            std::string value = string_value();
            if (key == "metadata" || key == "x") {
                value = pick(
                    {"{}", "[]", "{ }", "{\"a\": 1}", "[1, 2]", "null", "3.5", "true", "\"s\""});
            } else if (rng() % 6 == 0) {
                value = pick({"null", "\"only\""});
            }
            line += ws() + "," + ws() + "\"" + key + "\"" + ws() + ":" + ws() + value;
        }
        line += ws() + "}" + ws();
        lines += line + "\n";
    }
    write_file(dir / "c.jsonl", lines);
    const std::vector<Document> docs = read_all((dir / "c.jsonl").string());
    std::istringstream in(lines);
    std::string line;
    std::size_t i = 0;
    while (std::getline(in, line)) {
        ASSERT_LT(i, docs.size());
        const nlohmann::json j = nlohmann::json::parse(line);
        auto text_of = [&](std::initializer_list<const char*> names) {
            for (const char* name : names) {
                if (j.contains(name) && j[name].is_string()) {
                    return j[name].get<std::string>();
                }
            }
            return std::string();
        };
        const std::string id = j["_id"].is_string() ? j["_id"].get<std::string>()
                                                    : std::to_string(j["_id"].get<int>());
        EXPECT_EQ(docs[i].id, id) << line;
        EXPECT_EQ(docs[i].title, text_of({"title"})) << line;
        EXPECT_EQ(docs[i].text, text_of({"text", "contents"})) << line;
        ++i;
    }
    EXPECT_EQ(i, docs.size());
}

TEST(Jsonl, SkipCountsRecordsAsNextDoesWithoutParsing) {
    TempDir dir;
    // Record 1 is not JSON: skipping it is not an error, reading it is.
    const std::string content =
        "{\"_id\": \"d0\", \"text\": \"a\"}\n\n  \nnot json\n"
        "{\"_id\": \"d2\", \"text\": \"c\"}\n\n{\"_id\": \"d3\", \"text\": \"d\"}\n";
    write_file(dir / "c.jsonl", content);
    auto reader = open_documents((dir / "c.jsonl").string());
    Document doc;
    ASSERT_TRUE(reader->next(doc));
    EXPECT_EQ(doc.id, "d0");
    ASSERT_TRUE(reader->skip());
    ASSERT_TRUE(reader->next(doc));
    EXPECT_EQ(doc.id, "d2");
    ASSERT_TRUE(reader->skip());
    EXPECT_FALSE(reader->skip());
    EXPECT_FALSE(reader->next(doc));
    auto strict = open_documents((dir / "c.jsonl").string());
    ASSERT_TRUE(strict->next(doc));
    EXPECT_THROW((void)strict->next(doc), InputError);
}

TEST(Tsv, SkipFallsBackToReadingTheRecord) {
    TempDir dir;
    write_file(dir / "c.tsv", "d0\ta\nd1\tb\nd2\tc\n");
    auto reader = open_documents((dir / "c.tsv").string());
    Document doc;
    ASSERT_TRUE(reader->skip());
    ASSERT_TRUE(reader->next(doc));
    EXPECT_EQ(doc.id, "d1");
    ASSERT_TRUE(reader->skip());
    EXPECT_FALSE(reader->skip());
}

TEST(Jsonl, InvalidUtf8IsReplacedNotFatal) {
    TempDir dir;
    write_file(dir / "c.jsonl",
               "{\"_id\": \"d1\", \"text\": \"a\xff"
               "b\"}\n");
    auto docs = read_all((dir / "c.jsonl").string());
    ASSERT_EQ(docs.size(), 1U);
    EXPECT_EQ(docs[0].text,
              "a\xef\xbf\xbd"
              "b");
}

TEST(Jsonl, MalformedLinesNameFileLineAndField) {
    TempDir dir;
    auto path = (dir / "c.jsonl").string();
    write_file(path, "{\"_id\": \"d1\", \"text\": \"x\"}\n{\"title\": \"no id\"}\n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:2:", "'_id'", "missing"});
    write_file(path, "{\"_id\": \"d1\", \"text\": \"x\"}\n{\"_id\": \"d2\", \"text\": \n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:2:", "invalid JSON"});
    write_file(path, "[1, 2]\n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:1:", "object"});
    write_file(path, "{\"_id\": [1], \"text\": \"x\"}\n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:1:", "'_id'"});
    write_file(path, "{\"_id\": \"d\", \"text\": 5}\n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:1:", "'text'"});
    write_file(path, "{\"_id\": \"  \", \"text\": \"x\"}\n");
    expect_input_error([&] { (void)read_all(path); }, {"c.jsonl:1:", "empty id"});
}

TEST(Beir, FolderWithGzipFiles) {
    TempDir dir;
    write_gz(
        dir / "corpus.jsonl.gz",
        "{\"_id\": \"a\", \"title\": \"t\", \"text\": \"x\"}\n{\"_id\": \"b\", \"text\": \"y\"}\n");
    write_gz(dir / "queries.jsonl.gz", "{\"_id\": \"q1\", \"text\": \"what\", \"metadata\": {}}\n");
    auto docs = read_all(dir.path().string());
    ASSERT_EQ(docs.size(), 2U);
    EXPECT_EQ(docs[1].id, "b");
    auto queries = read_queries(dir.path().string());
    ASSERT_EQ(queries.size(), 1U);
    EXPECT_EQ(queries[0].id, "q1");
    EXPECT_EQ(queries[0].text, "what");
    auto reader = open_documents(dir.path().string(), "beir");
    Document d;
    while (reader->next(d)) {
    }
    EXPECT_GT(reader->total_bytes(), 0U);
    EXPECT_EQ(reader->bytes_consumed(), reader->total_bytes());
}

TEST(Beir, FolderWithoutCorpusIsAnError) {
    TempDir dir;
    EXPECT_THROW((void)open_documents(dir.path().string(), "beir"), InputError);
    EXPECT_THROW((void)open_documents(dir.path().string()), UsageError);
    EXPECT_THROW((void)open_documents(dir.path().string(), "xml"), UsageError);
}

TEST(Tsv, TwoAndThreeColumnsAndHeader) {
    TempDir dir;
    write_file(dir / "a.tsv", "1\tfirst passage\n2\tsecond\r\n\n");
    write_file(dir / "b.tsv", "d1\tTitle\tbody text\n");
    write_file(dir / "c.tsv", "id\ttext\ttitle\nd1\tbody\tTitle\n");
    auto a = read_all((dir / "a.tsv").string());
    ASSERT_EQ(a.size(), 2U);
    EXPECT_EQ(a[1].id, "2");
    EXPECT_EQ(a[1].text, "second");
    auto b = read_all((dir / "b.tsv").string());
    ASSERT_EQ(b.size(), 1U);
    EXPECT_EQ(b[0].title, "Title");
    EXPECT_EQ(b[0].text, "body text");
    auto c = read_all((dir / "c.tsv").string());
    ASSERT_EQ(c.size(), 1U);
    EXPECT_EQ(c[0].id, "d1");
    EXPECT_EQ(c[0].title, "Title");
    EXPECT_EQ(c[0].text, "body");
}

TEST(Tsv, MalformedLines) {
    TempDir dir;
    auto path = (dir / "a.tsv").string();
    write_file(path, "1\tfirst\n2\n");
    expect_input_error([&] { (void)read_all(path); }, {"a.tsv:2:", "fields"});
    write_file(path, "1\ta\tb\tc\n");
    expect_input_error([&] { (void)read_all(path); }, {"a.tsv:1:", "4 field"});
    write_file(path, "1\tx\n\tempty id\n");
    expect_input_error([&] { (void)read_all(path); }, {"a.tsv:2:", "'id'"});
    write_file(path, "1\tbad \xc3(\n");
    auto docs = read_all(path);
    ASSERT_EQ(docs.size(), 1U);
    EXPECT_EQ(docs[0].text, "bad \xef\xbf\xbd(");
}

TEST(Queries, TsvAndGzip) {
    TempDir dir;
    write_gz(dir / "topics.tsv.gz", "1\tfirst query\n3\tthird\n");
    auto q = read_queries((dir / "topics.tsv.gz").string());
    ASSERT_EQ(q.size(), 2U);
    EXPECT_EQ(q[1].id, "3");
    EXPECT_EQ(q[1].text, "third");
    write_file(dir / "q.tsv", "qid\tquery\n7\tseven\n8\n");
    expect_input_error([&] { (void)read_queries((dir / "q.tsv").string()); }, {"q.tsv:3:"});
}

TEST(Queries, TrecSgmlTopics) {
    TempDir dir;
    write_file(dir / "topics.301",
               "<top>\n\n<num> Number: 301 \n<title> International Organized Crime \n\n"
               "<desc> Description: \nIdentify organizations.\n\n<narr> Narrative: \nA doc.\n"
               "</top>\n\n<top>\n<num> Number: 051\n<title> Topic: Airbus\n  Subsidies\n"
               "<desc> x\n</top>\n");
    auto q = read_queries((dir / "topics.301").string());
    ASSERT_EQ(q.size(), 2U);
    EXPECT_EQ(q[0].id, "301");
    EXPECT_EQ(q[0].text, "International Organized Crime");
    EXPECT_EQ(q[1].id, "051");
    EXPECT_EQ(q[1].text, "Airbus Subsidies");
}

TEST(Queries, TrecXmlTopics) {
    TempDir dir;
    write_file(dir / "web.xml",
               "<webtrack2009>\n<topic number=\"1\" type=\"faceted\">\n  <query>obama family "
               "tree</query>\n  <description>Find info.</description>\n</topic>\n"
               "</webtrack2009>\n");
    auto q = read_queries((dir / "web.xml").string(), "trec");
    ASSERT_EQ(q.size(), 1U);
    EXPECT_EQ(q[0].id, "1");
    EXPECT_EQ(q[0].text, "obama family tree");
}

TEST(Queries, TrecMalformedTopics) {
    TempDir dir;
    auto path = (dir / "t.txt").string();
    write_file(path, "<top>\n<num> Number: 5\n<title> a\n");
    expect_input_error([&] { (void)read_queries(path, "trec"); }, {"t.txt:3:", "</top>"});
    write_file(path, "<top>\n<title> a\n</top>\n");
    expect_input_error([&] { (void)read_queries(path, "trec"); }, {"t.txt:3:", "'num'"});
    write_file(path, "<top>\n<num> 4\n<title>\n</top>\n");
    expect_input_error([&] { (void)read_queries(path, "trec"); }, {"t.txt:4:", "'title'"});
}

TEST(SharedData, SciFactBeirFolderAndAnseriniTopics) {
    auto shared = cascade::testing::shared_dir();
    if (shared.empty()) {
        GTEST_SKIP() << "../shared not present";
    }
    auto folder = (shared / "data" / "scifact").string();
    auto docs = open_documents(folder);
    std::size_t n = 0;
    Document d;
    while (docs->next(d)) {
        ++n;
        ASSERT_FALSE(d.id.empty());
    }
    EXPECT_EQ(n, 5183U);
    EXPECT_EQ(read_queries(folder).size(), 1109U);
    auto topics = read_queries(
        (shared / "data/scifact/anserini/topics.beir-v1.0.0-scifact.test.tsv.gz").string());
    ASSERT_EQ(topics.size(), 300U);
    EXPECT_EQ(topics[0].id, "1");
    EXPECT_EQ(topics[0].text, "0-dimensional biomaterials show inductive properties.");
}

TEST(DemoData, GzipScifactInRepository) {
    auto folder = std::string(CASCADE_SOURCE_DIR) + "/data/scifact";
    auto docs = open_documents(folder);
    std::size_t n = 0;
    Document d;
    while (docs->next(d)) {
        ++n;
    }
    EXPECT_EQ(n, 5183U);
    EXPECT_EQ(read_queries(folder).size(), 1109U);
}

TEST(CollectionQrels, BeirSplitsFilesAndErrors) {
    TempDir dir;
    write_file(dir / "corpus.jsonl", "{\"_id\": \"d\", \"text\": \"x\"}\n");
    std::filesystem::create_directories(dir / "qrels");
    write_file(dir / "qrels/dev.tsv", "query-id\tcorpus-id\tscore\nq\td\t1\n");
    auto qrels = read_collection_qrels(dir.path().string(), "auto", "dev");
    EXPECT_EQ(qrels.by_query.at("q").at("d"), 1);
    EXPECT_EQ(read_collection_qrels((dir / "qrels/dev.tsv").string()).num_judgments(), 1U);
    expect_input_error([&] { (void)read_collection_qrels(dir.path().string()); },
                       {"no qrels split 'test'"});
    EXPECT_THROW((void)read_collection_qrels(dir.path().string(), "beir", "../x"), UsageError);
}

TEST(TrecDocuments, SgmlRecordsWithMarkupStripped) {
    TempDir dir;
    write_file(dir / "fbis.txt",
               "<DOC>\n<DOCNO> FBIS3-1 </DOCNO>\n<HT>  \"cr00000011094001\" </HT>\n<HEADER>\n"
               "<H3> <TI>   FIRST   TITLE </TI></H3>\n</HEADER>\n<TEXT>\nLanguage: <F P=105> "
               "Chinese </F>\r\nBody a < b.\n</TEXT>\n</DOC>\n\n<doc>\n<docno>LA010189-0001</docno>"
               "\n<text><p>second</p></text>\n</doc>\n");
    auto docs = read_all((dir / "fbis.txt").string());
    ASSERT_EQ(docs.size(), 2U);
    EXPECT_EQ(docs[0].id, "FBIS3-1");
    EXPECT_EQ(docs[0].text, "\"cr00000011094001\" FIRST TITLE Language: Chinese Body a < b.");
    EXPECT_EQ(docs[1].id, "LA010189-0001");
    EXPECT_EQ(docs[1].text, "second");
    auto path = (dir / "bad.txt").string();
    write_file(path, "<DOC>\n<TEXT> x </TEXT>\n</DOC>\n");
    expect_input_error([&] { (void)read_all(path, "trec"); }, {"bad.txt:1:", "DOCNO"});
    write_file(path, "<DOC>\n<DOCNO> a </DOCNO>\ntext\n");
    expect_input_error([&] { (void)read_all(path, "trec"); }, {"bad.txt:1:", "</DOC>"});
    write_file(path, "stray\n<DOC>\n");
    expect_input_error([&] { (void)read_all(path, "trec"); }, {"bad.txt:1:", "<DOC>"});
}

TEST(DocumentReader, LocationIsPathAndLineOfTheRecordJustRead) {
    TempDir dir;
    write_file(dir / "d.jsonl",
               "{\"_id\": \"a\", \"text\": \"x\"}\n\n{\"_id\": \"b\", \"text\": \"y\"}\n");
    write_file(dir / "d.all", ".I 1\n.T\nOne\n.W\nfirst\n.I 2\n.W\nsecond\n");
    write_file(dir / "d.trec",
               "<DOC>\n<DOCNO> a </DOCNO>\nx\n</DOC>\n\n<DOC>\n<DOCNO> b </DOCNO>\n</DOC>\n");
    const std::pair<std::string, std::string> cases[] = {
        {"d.jsonl", ":3"}, {"d.all", ":6"}, {"d.trec", ":6"}};
    for (const auto& [file, line] : cases) {
        auto reader = open_documents((dir / file).string());
        Document doc;
        ASSERT_TRUE(reader->next(doc)) << file;
        ASSERT_TRUE(reader->next(doc)) << file;
        EXPECT_EQ(doc.id, file == "d.all" ? "2" : "b");
        EXPECT_EQ(reader->location(), (dir / file).string() + line) << file;
    }
}
