// Damaged indexes must be refused with a CorruptionError naming the file, never read:
// every file truncated at several points, bytes flipped, another format version, files
// missing (in the manner of faiss tests/test_io_corrupted.cpp).

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "index/builder.hpp"
#include "index/format.hpp"
#include "index/index.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using cascade::testing::TempDir;

class CorruptionTest : public ::testing::Test {
protected:
    void SetUp() override {
        testing::VectorReader reader(testing::random_docs(600, 400, 17));
        testing::WhitespaceAnalyzer analyzer;
        BuildOptions options;
        options.positions = true;
        options.progress = false;
        build_index(reader, analyzer, m_tmp / "good", options);
        for (const auto& e : fs::directory_iterator(m_tmp / "good")) {
            m_files.push_back(e.path().filename().string());
        }
        std::sort(m_files.begin(), m_files.end());
    }

    /// A fresh copy of the good index to damage.
    fs::path copy() {
        fs::path dir = m_tmp / ("bad" + std::to_string(m_copies++));
        fs::copy(m_tmp / "good", dir);
        return dir;
    }

    static void expect_refused(const fs::path& dir, const std::string& file,
                               const std::string& how) {
        try {
            Index index = Index::open(dir);
            ADD_FAILURE() << how << " of " << file << " was accepted";
        } catch (const CorruptionError& e) {
            EXPECT_NE(std::string(e.what()).find(file), std::string::npos)
                << how << ": message does not name " << file << ": " << e.what();
        }
    }

    TempDir m_tmp;
    std::vector<std::string> m_files;
    int m_copies = 0;
};

TEST_F(CorruptionTest, GoodIndexOpens) {
    EXPECT_GE(m_files.size(), 8U);  // manifest, terms, lex, postings, positions, norms, ids, docs
    Index index = Index::open(m_tmp / "good");
    EXPECT_EQ(index.num_docs(), 600U);
}

TEST_F(CorruptionTest, TruncatedFilesAreRefused) {
    for (const std::string& name : m_files) {
        const auto size = fs::file_size(m_tmp / "good" / name);
        for (std::uint64_t at :
             {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{16}, size / 2, size - 1}) {
            fs::path dir = copy();
            fs::resize_file(dir / name, at);
            expect_refused(dir, name, "truncation at " + std::to_string(at));
            fs::remove_all(dir);
        }
    }
}

TEST_F(CorruptionTest, FlippedBytesAreRefused) {
    for (const std::string& name : m_files) {
        const auto size = fs::file_size(m_tmp / "good" / name);
        for (std::uint64_t at : {std::uint64_t{3}, size / 3, size - 2}) {
            fs::path dir = copy();
            std::fstream f(dir / name, std::ios::in | std::ios::out | std::ios::binary);
            f.seekg(static_cast<std::streamoff>(at));
            char c = 0;
            f.read(&c, 1);
            c = static_cast<char>(c ^ 0x5a);
            f.seekp(static_cast<std::streamoff>(at));
            f.write(&c, 1);
            f.close();
            expect_refused(dir, name, "flipped byte at " + std::to_string(at));
            fs::remove_all(dir);
        }
    }
}

TEST_F(CorruptionTest, OtherVersionIsRefusedWithAClearMessage) {
    for (const std::string& name : m_files) {
        fs::path dir = copy();
        std::fstream f(dir / name, std::ios::in | std::ios::out | std::ios::binary);
        std::string magic(8, '\0');
        f.read(magic.data(), 8);
        const std::uint32_t expected = format_version_of(magic);
        std::uint32_t version = expected + 1;
        f.seekp(8);
        f.write(reinterpret_cast<const char*>(&version), 4);
        f.close();
        try {
            Index index = Index::open(dir);
            ADD_FAILURE() << "version change of " << name << " accepted";
        } catch (const CorruptionError& e) {
            std::string what = e.what();
            if (name == "manifest" || name == "f0.postings") {
                EXPECT_NE(what.find("reads version " + std::to_string(expected)), std::string::npos)
                    << what;
            }
            EXPECT_NE(what.find(name), std::string::npos) << what;
        }
        fs::remove_all(dir);
    }
}

TEST(FormatVersion, OnlyThePostingsFileMovedToVersionThree) {
    // A dense or impact part (other magics) written before the postings codec changed stays
    // readable; only the postings file says 3.
    EXPECT_EQ(format_version_of(kPostingsMagic), 3U);
    EXPECT_EQ(format_version_of(kTermsMagic), 2U);
    EXPECT_EQ(format_version_of(kManifestMagic), 2U);
    EXPECT_EQ(format_version_of("CSCD-VEC"), 2U);  // dense vectors
}

TEST_F(CorruptionTest, MissingFilesAreRefused) {
    for (const std::string& name : m_files) {
        fs::path dir = copy();
        fs::remove(dir / name);
        if (name == "manifest") {
            EXPECT_THROW(Index::open(dir), IoError);
        } else {
            expect_refused(dir, name, "removal");
        }
        fs::remove_all(dir);
    }
    EXPECT_THROW(Index::open(m_tmp / "nowhere"), IoError);
}

TEST_F(CorruptionTest, WithoutChecksumsSizeAndHeaderChecksStillApply) {
    OpenOptions fast;
    fast.verify_checksums = false;
    EXPECT_NO_THROW(Index::open(m_tmp / "good", fast));
    fs::path dir = copy();
    fs::resize_file(dir / "f0.postings", fs::file_size(dir / "f0.postings") - 1);
    EXPECT_THROW(Index::open(dir, fast), CorruptionError);
}

TEST_F(CorruptionTest, TheVerifiedStampSkipsOnlyWhatItVouchesFor) {
    // Files changed in the same clock tick as the stamp are not trusted: let the tick pass.
    const auto tick = [] { std::this_thread::sleep_for(std::chrono::milliseconds(30)); };
    fs::path dir = copy();
    tick();
    Index first = Index::open(dir);  // full verification, writes the stamp
    EXPECT_FALSE(first.opened_on_stamp());
    ASSERT_TRUE(fs::exists(dir / "verified"));
    tick();
    Index second = Index::open(dir);
    EXPECT_TRUE(second.opened_on_stamp());
    EXPECT_EQ(second.num_docs(), 600U);
    OpenOptions always;
    always.trust_verified_stamp = false;
    EXPECT_FALSE(Index::open(dir, always).opened_on_stamp());

    // A flipped byte after the stamp: the file's ctime moved, so the stamp no longer holds and
    // the full check refuses the file.
    {
        std::fstream f(dir / "f0.postings", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);
        f.put('\x5a');
    }
    expect_refused(dir, "f0.postings", "flipped byte after a verified open");

    // A damaged stamp vouches for nothing.
    fs::path other = copy();
    tick();
    (void)Index::open(other);
    tick();
    {
        std::fstream f(other / "verified", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(20);
        f.put('\x01');
    }
    tick();
    EXPECT_FALSE(Index::open(other).opened_on_stamp());
    EXPECT_TRUE(Index::open(other).opened_on_stamp());  // rewritten by the open before
}

}  // namespace
}  // namespace cascade::index
