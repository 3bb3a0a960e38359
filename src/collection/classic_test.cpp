/// Parsers of the classic collections on small inline fixtures that mimic each file's layout
/// and quirks (../shared/data/*/SOURCE.md), including malformed input.

#include <gtest/gtest.h>

#include "collection/classic.hpp"
#include "collection/lisa.hpp"
#include "collection/npl.hpp"
#include "collection/smart.hpp"
#include "collection/test_support.hpp"
#include "collection/time_magazine.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

using namespace cascade;
using cascade::testing::drain;
using cascade::testing::expect_input_error;
using cascade::testing::TempDir;
using cascade::testing::write_file;

TEST(Smart, RecordsWithCrlfMultilineFieldsAndRepeatedMarkers) {
    TempDir dir;
    // CISI-like: CRLF, one .A per author, .X cross references; Cranfield-like stray .A in .W.
    write_file(
        dir / "X.ALL",
        ".I 1\r\n.T\r\nFirst  title\r\n.A\r\nSmith, J.\r\n.A\r\nDoe, A.\r\n.W\r\n"
        "   Some text\r\nover two lines.\r\n.X\r\n1\t5\t1\r\n"
        ".I 002\r\n.T\r\nSecond\r\n.A\r\nsomeone\r\n.W\r\nabstract\r\n.A\r\nmore abstract\r\n"
        ".I 3\r\n.W\r\n\xff bad byte\r\n");
    SmartDocumentReader reader((dir / "X.ALL").string());
    auto docs = drain(reader);
    ASSERT_EQ(docs.size(), 3U);
    EXPECT_EQ(docs[0].id, "1");
    EXPECT_EQ(docs[0].title, "First  title");
    EXPECT_EQ(docs[0].text, "Some text over two lines.");
    EXPECT_EQ(docs[1].id, "2");  // leading zeros dropped, as the qrels write ids
    EXPECT_EQ(docs[1].text, "abstract more abstract");
    EXPECT_EQ(docs[2].title, "");
    EXPECT_EQ(docs[2].text, "\xef\xbf\xbd bad byte");
    ASSERT_EQ(reader.warnings().size(), 1U);  // the .A inside .W; not CISI's repeated .A
    EXPECT_NE(reader.warnings()[0].find("X.ALL:20:"), std::string::npos) << reader.warnings()[0];
}

TEST(Smart, MalformedRecords) {
    TempDir dir;
    auto path = (dir / "bad").string();
    write_file(path, "junk before\n.I 1\n.W\nx\n");
    expect_input_error(
        [&] {
            SmartDocumentReader r(path);
            (void)drain(r);
        },
        {"bad:1:", ".I"});
    write_file(path, ".I 1\n.W\nx\n.I\n.W\ny\n");
    expect_input_error(
        [&] {
            SmartDocumentReader r(path);
            (void)drain(r);
        },
        {"bad:4:", "'.I'"});
    write_file(path, ".I 1\ntext without a marker\n");
    expect_input_error(
        [&] {
            SmartDocumentReader r(path);
            (void)drain(r);
        },
        {"bad:2:", "field marker"});
    write_file(path, ".I 1\n.T\nonly a title\n.I 2\n.A\nnobody\n");
    expect_input_error([&] { (void)read_smart_queries(path); }, {"bad:4:", "'.W'"});
}

TEST(Smart, CranfieldQueriesAreNumberedByPosition) {
    TempDir dir;
    write_file(dir / "cran.qry",
               ".I 001\r\n.W\r\nfirst ?\r\n.I 002\r\n.W\r\nsecond\r\n"
               ".I 004\r\n.W\r\nthird\r\n");
    auto by_i = read_smart_queries((dir / "cran.qry").string());
    auto by_pos = read_smart_queries((dir / "cran.qry").string(), true);
    ASSERT_EQ(by_pos.size(), 3U);
    EXPECT_EQ(by_i[2].id, "4");
    EXPECT_EQ(by_pos[2].id, "3");
    EXPECT_EQ(by_pos[2].text, "third");
}

TEST(Smart, PairQrels) {
    TempDir dir;
    write_file(dir / "X.REL", "1     28\t0\t0.000000\r\n1 35 0 0.0\n\n12 0007 0 0\n");
    auto qrels = read_pair_qrels((dir / "X.REL").string());
    EXPECT_EQ(qrels.num_judgments(), 3U);
    EXPECT_EQ(qrels.by_query.at("12").at("7"), 1);
    write_file(dir / "X.REL", "1 28 0 0\n1 d35 0 0\n");
    expect_input_error([&] { (void)read_pair_qrels((dir / "X.REL").string()); },
                       {"X.REL:2:", "'docid'"});
}

TEST(Classic, CranfieldQrelsMapCodesAndDropMinusOne) {
    TempDir dir;
    write_file(dir / "cran.all.1400", ".I 1\n.T\nt\n.W\nw\n");
    write_file(dir / "cran.qry", ".I 1\n.W\nq\n");
    write_file(dir / "cranqrel", "1 184 2 \n1 29 1\n1 31 4\n1 486 -1\n2 5 3\n");
    std::vector<std::string> warnings;
    auto qrels = read_classic_qrels(dir.path().string(), "cranfield", warnings);
    EXPECT_EQ(qrels.num_judgments(), 4U);
    EXPECT_EQ(qrels.by_query.at("1").at("29"), 4);   // code 1: complete answer
    EXPECT_EQ(qrels.by_query.at("1").at("184"), 3);  // code 2
    EXPECT_EQ(qrels.by_query.at("1").at("31"), 1);   // code 4: minimum interest
    EXPECT_EQ(qrels.by_query.at("2").at("5"), 2);
    EXPECT_EQ(qrels.by_query.at("1").count("486"), 0U);
    ASSERT_EQ(warnings.size(), 1U);
    write_file(dir / "cranqrel", "1 184 2\n1 29 5\n");
    expect_input_error(
        [&] { (void)read_classic_qrels(dir.path().string(), "cranfield", warnings); },
        {"cranqrel:2:", "'code'"});
    EXPECT_EQ(detect_classic(dir.path().string()), "cranfield");
}

TEST(Npl, SlashTerminatedRecords) {
    TempDir dir;
    write_file(dir / "doc-text",
               "1\ncompact memories have\nflexible capacities\n   /\n2\nan "
               "analogue computer\n   /\n");
    write_file(dir / "query-text", "1\nMEASUREMENT OF DIELECTRIC\n/\n2\nWAVEGUIDES\n/\n");
    write_file(dir / "rlv-ass", "1\n 1239  1502\n   2\n   /\n2\n  414\n   /\n");
    auto reader = open_classic_documents(dir.path().string(), "npl");
    auto docs = drain(*reader);
    ASSERT_EQ(docs.size(), 2U);
    EXPECT_EQ(docs[0].text, "compact memories have flexible capacities");
    EXPECT_EQ(docs[1].id, "2");
    auto queries = read_classic_queries(dir.path().string(), "npl");
    ASSERT_EQ(queries.size(), 2U);
    EXPECT_EQ(queries[1].text, "WAVEGUIDES");
    std::vector<std::string> warnings;
    auto qrels = read_classic_qrels(dir.path().string(), "npl", warnings);
    EXPECT_EQ(qrels.num_judgments(), 4U);
    EXPECT_EQ(qrels.by_query.at("1").count("2"), 1U);
    write_file(dir / "doc-text", "1\ntext\n   /\n2\nunterminated\n");
    expect_input_error([&] { (void)drain(*open_classic_documents(dir.path().string(), "npl")); },
                       {"doc-text:5:", "'/'"});
    write_file(dir / "rlv-ass", "1\n 12 x3\n/\n");
    expect_input_error([&] { (void)read_classic_qrels(dir.path().string(), "npl", warnings); },
                       {"rlv-ass:1:", "'docid'"});
}

TEST(Lisa, ConcatenatedFilesDuplicatesAndFragments) {
    TempDir dir;
    const std::string stars(44, '*');
    write_file(dir / "LISA0.001",
               "Document    1\r\nTITLE ONE:\r\nCONTINUED.\r\n     \r\n"
               "ABSTRACT ONE\r\nLINE TWO.\r\n" +
                   stars +
                   "\r\nDocument 2\r\n"
                   "TITLE TWO.\r\n\r\nABS.\r\n" +
                   stars + "\r\n");
    // The next file (in name order) repeats id 2 and holds a fragment without a header.
    write_file(dir / "LISA0.501", "ORPHAN TEXT.\r\n" + stars +
                                      "\r\nDocument 2\r\nDUP.\r\n\r\n"
                                      "X.\r\n" +
                                      stars + "\r\nDocument 3\r\nNO BLANK LINE\r\n" + stars +
                                      "\r\n");
    write_file(dir / "LISA.QUE", "1\r\nI AM INTERESTED IN\r\nLIBRARIES. #\r\n2\r\nSHORT #\r\n");
    write_file(dir / "LISARJ.NUM",
               "           1           2        3392        3396\r\n"
               "           2           3         604\r\n        5112 "
               "     5113\r\n           3           0\r\n");
    EXPECT_EQ(detect_classic(dir.path().string()), "lisa");
    auto reader = open_documents(dir.path().string());
    auto docs = drain(*reader);
    ASSERT_EQ(docs.size(), 3U);
    EXPECT_EQ(docs[0].id, "1");
    EXPECT_EQ(docs[0].title, "TITLE ONE: CONTINUED.");
    EXPECT_EQ(docs[0].text, "ABSTRACT ONE LINE TWO.");
    EXPECT_EQ(docs[1].text, "ABS.");  // the first occurrence of id 2 is kept
    EXPECT_EQ(docs[2].id, "3");
    EXPECT_EQ(docs[2].text, "NO BLANK LINE");
    EXPECT_EQ(reader->warnings().size(), 2U);
    EXPECT_EQ(reader->bytes_consumed(), reader->total_bytes());
    auto queries = read_classic_queries(dir.path().string(), "lisa");
    ASSERT_EQ(queries.size(), 2U);
    EXPECT_EQ(queries[0].text, "I AM INTERESTED IN LIBRARIES.");
    EXPECT_EQ(queries[1].text, "SHORT");
    std::vector<std::string> warnings;
    auto qrels = read_classic_qrels(dir.path().string(), "lisa", warnings);
    EXPECT_EQ(qrels.num_judgments(), 5U);
    EXPECT_EQ(qrels.by_query.at("2").count("5113"), 1U);
    write_file(dir / "LISARJ.NUM", "1 3 10 11\n");
    expect_input_error([&] { (void)read_classic_qrels(dir.path().string(), "lisa", warnings); },
                       {"LISARJ.NUM:1:", "query 1"});
    write_file(dir / "LISA.QUE", "1\nNO TERMINATOR\n");
    expect_input_error([&] { (void)read_classic_queries(dir.path().string(), "lisa"); },
                       {"LISA.QUE:1:", "'#'"});
}

TEST(Time, ArticlesQueriesAndPositionalQrels) {
    TempDir dir;
    write_file(dir / "TIME.ALL",
               "*TEXT 017 01/04/63 PAGE 020\n\nTHE ALLIES\n\nAFTER NASSAU\n"
               "*TEXT 020 01/04/63 PAGE 021\n\nSECOND .\n\n*STOP\n\n");
    write_file(dir / "TIME.QUE",
               "*FIND      1\n\n KENNEDY PRESSURE\n\nON DIEM\n*FIND 2\nB\n"
               "\n*STOP\n");
    write_file(dir / "TIME.REL", "1  2 1\n\n2  3\n");
    auto docs = drain(*open_documents(dir.path().string(), "time"));
    ASSERT_EQ(docs.size(), 2U);
    EXPECT_EQ(docs[0].id, "017");
    EXPECT_EQ(docs[0].text, "THE ALLIES AFTER NASSAU");
    EXPECT_EQ(docs[1].id, "020");
    auto queries = read_classic_queries(dir.path().string(), "time");
    ASSERT_EQ(queries.size(), 2U);
    EXPECT_EQ(queries[0].text, "KENNEDY PRESSURE ON DIEM");
    std::vector<std::string> warnings;
    auto qrels = read_classic_qrels(dir.path().string(), "time", warnings);
    EXPECT_EQ(qrels.num_judgments(), 2U);  // positions 2 and 1 of query 1; 3 is past the end
    EXPECT_EQ(qrels.by_query.at("1").at("020"), 1);
    EXPECT_EQ(qrels.by_query.at("1").at("017"), 1);
    EXPECT_EQ(qrels.by_query.count("2"), 0U);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_NE(warnings[0].find("TIME.REL:3:"), std::string::npos) << warnings[0];
    write_file(dir / "TIME.ALL", "stray\n*TEXT 1\nx\n");
    expect_input_error([&] { (void)drain(*open_documents(dir.path().string(), "time")); },
                       {"TIME.ALL:1:", "*TEXT"});
    write_file(dir / "TIME.ALL", "*TEXT abc\nx\n");
    expect_input_error([&] { (void)drain(*open_documents(dir.path().string(), "time")); },
                       {"TIME.ALL:1:", "'*TEXT'"});
}

TEST(Classic, MissingFilesAndUnknownFormats) {
    TempDir dir;
    EXPECT_EQ(detect_classic(dir.path().string()), "");
    EXPECT_THROW((void)open_classic_documents(dir.path().string(), "cisi"), InputError);
    EXPECT_THROW((void)open_documents(dir.path().string(), "lisa"), InputError);
    std::vector<std::string> warnings;
    EXPECT_THROW((void)read_classic_qrels(dir.path().string(), "smart", warnings), UsageError);
}

/// Mutated and truncated fixtures of every format must either parse or throw a cascade::Error
/// (never another exception, never a crash; run under ASan+UBSan to catch memory errors).
TEST(Robustness, MutatedInputsFailCleanly) {
    TempDir dir;
    struct Case {
        const char* file;
        const char* format;
        std::string content;
    };
    const std::string stars(44, '*');
    const Case cases[] = {
        {"c.jsonl", "jsonl",
         "{\"_id\": \"1\", \"title\": \"t\", \"text\": \"x\", \"m\": {\"a\": [1]}}\n"
         "{\"id\": 2, \"contents\": \"y\"}\n"},
        {"c.tsv", "tsv", "id\ttitle\ttext\n1\tt\tx\n2\tu\ty\n"},
        {"d.sgml", "trecdocs", "<DOC>\n<DOCNO> a </DOCNO>\n<TEXT>\nx <p>y</p>\n</TEXT>\n</DOC>\n"},
        {"t.txt", "trec", "<top>\n<num> Number: 301\n<title> a b\n<desc> d\n</top>\n"},
        {"X.ALL", "smart", ".I 1\n.T\nt\n.A\na\n.W\nw\n.X\n1 2 3\n.I 2\n.W\nv\n"},
        {"doc-text", "npl", "1\nsome text\n   /\n2\nmore\n   /\n"},
        {"TIME.ALL", "time", "*TEXT 017 01/04/63 PAGE 020\n\nA B\n*TEXT 018 x\nC\n*STOP\n"},
        {"LISA0.001", "lisa",
         "Document 1\nT\n\nA\n" + stars + "\nDocument 2\nU\n\nB\n" + stars + "\n"},
    };
    std::uint32_t state = 12345;
    auto next_random = [&state] {
        state = state * 1664525U + 1013904223U;  // Numerical Recipes LCG
        return state >> 8;
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.format);
        for (int round = 0; round < 150; ++round) {
            std::string content = c.content;
            if (round % 3 == 0) {
                content.resize(next_random() % (content.size() + 1));
            } else {
                for (int k = 0; k < 3; ++k) {
                    content[next_random() % content.size()] =
                        static_cast<char>(next_random() % 256);
                }
            }
            write_file(dir / c.file, content);
            std::string path =
                std::string(c.format) == "lisa" ? dir.path().string() : (dir / c.file).string();
            try {
                if (std::string(c.format) == "trec") {
                    (void)read_queries(path, "trec");
                } else if (std::string(c.format) == "trecdocs") {
                    (void)drain(*open_documents(path, "trec"));
                } else {
                    (void)drain(*open_documents(path, c.format));
                }
            } catch (const Error&) {
                // a clean, user-facing error is fine
            } catch (const std::exception& e) {
                ADD_FAILURE() << "round " << round << ": non-cascade exception: " << e.what();
            }
        }
    }
}
