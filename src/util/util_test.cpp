#include <gtest/gtest.h>

#include <zlib.h>
#include <filesystem>

#include "tests/run_cli.hpp"
#include "util/atomic_file.hpp"
#include "util/line_reader.hpp"
#include "util/progress.hpp"
#include "util/utf8.hpp"

using namespace cascade;
using cascade::testing::TempDir;
using cascade::testing::write_file;

TEST(Utf8, ValidPassesThrough) {
    std::string s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
    EXPECT_TRUE(is_valid_utf8(s));
    EXPECT_EQ(sanitize_utf8(s), s);
}

TEST(Utf8, InvalidBytesAreReplacedOncePerMaximalSubpart) {
    // lone continuation, truncated 3-byte sequence, overlong, surrogate
    EXPECT_EQ(sanitize_utf8("a\x80"
                            "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(sanitize_utf8("a\xE2\x82"), "a\xEF\xBF\xBD");
    EXPECT_EQ(sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
}

// is_valid_utf8 skips ASCII eight bytes at a time: a bad or multi-byte sequence at any offset
// of a long ASCII run, or straddling a word, must still be judged as sanitize_utf8 (byte by
// byte) judges it.
TEST(Utf8, ValidityAgreesWithSanitizingAtEveryOffset) {
    const std::vector<std::string> inserts = {
        "\x80", "\xC3\xA9", "\xE2\x82", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC0\xAF", "\xFF"};
    for (const std::string& insert : inserts) {
        for (std::size_t at = 0; at <= 20; ++at) {
            for (std::size_t tail : {0, 1, 7, 8, 9, 17}) {
                std::string s = std::string(at, 'a') + insert + std::string(tail, 'b');
                EXPECT_EQ(is_valid_utf8(s), sanitize_utf8(s) == s)
                    << "insert of " << insert.size() << " bytes at " << at << ", tail " << tail;
            }
        }
    }
    EXPECT_TRUE(is_valid_utf8(std::string(1000, 'x')));
    EXPECT_FALSE(is_valid_utf8(std::string(1000, 'x') + "\x80"));
}

TEST(Utf8, AppendEncodesOneToFourBytes) {
    std::string out;
    for (char32_t cp : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600'}) {
        append_utf8(out, cp);
    }
    EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    EXPECT_TRUE(is_valid_utf8(out));
}

TEST(LineReader, StripsCrLfAndCountsLines) {
    TempDir dir;
    write_file(dir / "a.txt", "one\r\ntwo\n\nthree");
    LineReader r((dir / "a.txt").string());
    std::string line;
    std::vector<std::string> lines;
    while (r.next(line)) {
        lines.push_back(line);
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "", "three"}));
    EXPECT_EQ(r.line_number(), 4U);
}

TEST(LineReader, LinesLongerThanTheReadChunkStayWhole) {
    TempDir dir;
    // The reader refills 256 KiB at a time; these lines span several refills.
    const std::string a(700 * 1024, 'a');
    const std::string b(300 * 1024, 'b');
    write_file(dir / "long.txt", a + "\n" + b + "\r\nshort\n" + a);
    LineReader r((dir / "long.txt").string());
    std::string line;
    std::vector<std::string> lines;
    while (r.next(line)) {
        lines.push_back(line);
    }
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[0], a);
    EXPECT_EQ(lines[1], b);
    EXPECT_EQ(lines[2], "short");
    EXPECT_EQ(lines[3], a);
    EXPECT_EQ(r.line_number(), 4U);
}

TEST(LineReader, ReadsGzipTransparently) {
    TempDir dir;
    auto path = (dir / "a.txt.gz").string();
    gzFile gz = gzopen(path.c_str(), "wb");
    std::string body;
    for (int i = 0; i < 100000; ++i) {
        body += "line " + std::to_string(i) + "\n";
    }
    gzwrite(gz, body.data(), static_cast<unsigned>(body.size()));
    gzclose(gz);
    LineReader r(path);
    std::string line;
    std::size_t n = 0;
    while (r.next(line)) {
        ASSERT_EQ(line, "line " + std::to_string(n));
        ++n;
    }
    EXPECT_EQ(n, 100000U);
}

TEST(LineReader, FailNamesFileAndLine) {
    TempDir dir;
    write_file(dir / "q.txt", "ok\nbad\n");
    LineReader r((dir / "q.txt").string());
    std::string line;
    r.next(line);
    r.next(line);
    try {
        r.fail("field 'x' is wrong");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "q.txt").string() + ":2: field 'x' is wrong");
    }
}

TEST(LineReader, MissingFileIsIoError) {
    EXPECT_THROW(LineReader("/nonexistent/file"), IoError);
}

TEST(AtomicFile, UncommittedWriteLeavesOldContent) {
    TempDir dir;
    auto p = dir / "out.txt";
    write_file(p, "old");
    {
        AtomicFile f(p);
        f.stream() << "new";
    }  // no commit: simulated failure
    EXPECT_EQ(cascade::testing::slurp(p), "old");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1);
    {
        AtomicFile f(p);
        f.stream() << "new";
        f.commit();
    }
    EXPECT_EQ(cascade::testing::slurp(p), "new");
}

TEST(AtomicDirectory, ReplacesOnlyOnCommit) {
    TempDir dir;
    auto p = dir / "idx";
    std::filesystem::create_directories(p);
    write_file(p / "a", "old");
    {
        AtomicDirectory d(p);
        write_file(d.staging() / "a", "new");
    }
    EXPECT_EQ(cascade::testing::slurp(p / "a"), "old");
    {
        AtomicDirectory d(p);
        write_file(d.staging() / "a", "new");
        d.commit();
    }
    EXPECT_EQ(cascade::testing::slurp(p / "a"), "new");
}

TEST(Progress, LineShowsPercentRateAndEta) {
    auto line = Progress::format_line("index", 250, 1000, "docs", 5.0);
    EXPECT_NE(line.find("25%"), std::string::npos) << line;
    EXPECT_NE(line.find("250/1000 docs"), std::string::npos) << line;
    EXPECT_NE(line.find("50/s"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA 15s"), std::string::npos) << line;
    auto unknown = Progress::format_line("read", 10, 0, "lines", 2.0);
    EXPECT_NE(unknown.find("5/s"), std::string::npos) << unknown;
}
