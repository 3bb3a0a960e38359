// Builds small indexes with the test analyzer and checks every stored value against a naive
// in-memory inversion; checks spill/thread invariance byte for byte.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "collection/reader.hpp"
#include "index/builder.hpp"
#include "index/file_io.hpp"
#include "index/index.hpp"
#include "index/inverter.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;
using testing::naive_invert;
using testing::NaiveIndex;
using testing::random_docs;
using testing::VectorReader;
using testing::WhitespaceAnalyzer;

BuildSummary build(const std::vector<Document>& docs, const std::filesystem::path& dir,
                   BuildOptions options = {}) {
    VectorReader reader(docs);
    WhitespaceAnalyzer analyzer;
    options.progress = false;
    return build_index(reader, analyzer, dir, options);
}

template <typename T>
void put_at(std::string& bytes, std::size_t at, T value) {
    std::memcpy(bytes.data() + at, &value, sizeof(T));
}

/// Replaces index file `name` with `bytes` and records its new size and CRC32 in the manifest
/// (and the manifest's own checksum), as the writer of such a file would have: how a file of
/// another layout, or damage that no checksum sees, looks to Index::open.
void replace_index_file(const std::filesystem::path& dir, const std::string& name,
                        const std::string& bytes) {
    write_file(dir / name, bytes);
    std::string manifest = slurp(dir / "manifest");
    std::string key(4, '\0');
    put_at(key, 0, static_cast<std::uint32_t>(name.size()));
    key += name;  // the file list's entry: u32 length, name, u64 size, u32 crc32
    const std::size_t at = manifest.find(key);
    ASSERT_NE(at, std::string::npos) << "manifest lists no " << name;
    put_at(manifest, at + key.size(), static_cast<std::uint64_t>(bytes.size()));
    put_at(manifest, at + key.size() + 8,
           crc32_of(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    put_at(manifest, manifest.size() - 4,
           crc32_of(reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size() - 4));
    write_file(dir / "manifest", manifest);
}

/// The rank of each document's external id among all of them, by sorting the ids.
std::vector<std::uint32_t> ranks_by_sorting(const std::vector<Document>& docs) {
    std::vector<std::uint32_t> by_id(docs.size());
    std::iota(by_id.begin(), by_id.end(), 0U);
    std::sort(by_id.begin(), by_id.end(),
              [&](std::uint32_t a, std::uint32_t b) { return docs[a].id < docs[b].id; });
    std::vector<std::uint32_t> ranks(docs.size());
    for (std::uint32_t r = 0; r < by_id.size(); ++r)
        ranks[by_id[r]] = r;
    return ranks;
}

std::vector<std::string> field_texts(const std::vector<Document>& docs, const std::string& f) {
    std::vector<std::string> out;
    for (const Document& d : docs) {
        out.push_back(f == "title" ? d.title : f == "text" ? d.text : d.title + "\n" + d.text);
    }
    return out;
}

/// Checks one field of `index` against a naive inversion of `texts`.
void check_field(const Index& index, const FieldIndex& field, const std::vector<std::string>& texts,
                 bool positions) {
    std::vector<std::uint32_t> lengths;
    NaiveIndex naive = naive_invert(texts, lengths);
    ASSERT_EQ(field.stats().num_terms, naive.size());
    std::uint32_t doc_count = 0;
    std::uint64_t sum = 0;
    double avgdl = 0;
    for (std::uint32_t d = 0; d < lengths.size(); ++d) {
        ASSERT_EQ(field.length(d), lengths[d]);
        ASSERT_EQ(field.norm(d), int_to_byte4(lengths[d]));
        doc_count += lengths[d] > 0 ? 1 : 0;
        sum += lengths[d];
    }
    EXPECT_EQ(field.stats().doc_count, doc_count);
    EXPECT_EQ(field.stats().sum_total_term_freq, sum);
    avgdl = doc_count > 0 ? static_cast<double>(sum) / doc_count : 1.0;
    std::uint64_t ordinal = 0;
    std::uint64_t postings = 0;
    for (const auto& [term, list] : naive) {
        ASSERT_EQ(field.term_at(ordinal), term);
        auto info = field.term(term);
        ASSERT_TRUE(info.has_value()) << term;
        EXPECT_EQ(info->ordinal, ordinal++);
        ASSERT_EQ(info->doc_freq, list.size()) << term;
        std::uint64_t ttf = 0;
        std::uint32_t max_freq = 0;
        std::uint8_t min_norm = 0xff;
        double best = -1;
        for (const auto& p : list) {
            auto freq = static_cast<std::uint32_t>(p.positions.size());
            ttf += freq;
            max_freq = std::max(max_freq, freq);
            min_norm = std::min(min_norm, int_to_byte4(lengths[p.docid]));
            best = std::max(best, bm25_tf_factor(freq, int_to_byte4(lengths[p.docid]), kDefaultK1,
                                                 kDefaultB, avgdl));
        }
        EXPECT_EQ(info->total_term_freq, ttf);
        EXPECT_EQ(info->max_freq, max_freq);
        EXPECT_EQ(info->min_norm, min_norm);
        EXPECT_DOUBLE_EQ(
            bm25_tf_factor(info->best_freq, info->best_norm, kDefaultK1, kDefaultB, avgdl), best);
        PostingCursor cursor = field.postings(*info);
        EXPECT_EQ(cursor.size(), list.size());
        for (std::size_t i = 0; i < list.size(); ++i) {
            ASSERT_EQ(cursor.docid(), list[i].docid) << term << " #" << i;
            ASSERT_EQ(cursor.freq(), list[i].positions.size()) << term << " #" << i;
            // Block summaries cover the postings of block i / 128.
            std::size_t block_begin = i / kBlockSize * kBlockSize;
            std::size_t block_end = std::min(list.size(), block_begin + kBlockSize);
            std::uint32_t bmax = 0;
            std::uint8_t bmin = 0xff;
            double bbest = -1;
            for (std::size_t k = block_begin; k < block_end; ++k) {
                auto f = static_cast<std::uint32_t>(list[k].positions.size());
                std::uint8_t nb = int_to_byte4(lengths[list[k].docid]);
                bmax = std::max(bmax, f);
                bmin = std::min(bmin, nb);
                bbest = std::max(bbest, bm25_tf_factor(f, nb, kDefaultK1, kDefaultB, avgdl));
            }
            ASSERT_EQ(cursor.block_max_docid(), list[block_end - 1].docid);
            ASSERT_EQ(cursor.block_max_freq(), bmax);
            ASSERT_EQ(cursor.block_min_norm(), bmin);
            auto [bf, bn] = cursor.block_max_freq_norm();
            ASSERT_DOUBLE_EQ(bm25_tf_factor(bf, bn, kDefaultK1, kDefaultB, avgdl), bbest);
            if (positions) {
                auto pos = cursor.positions();
                ASSERT_EQ(std::vector<std::uint32_t>(pos.begin(), pos.end()), list[i].positions);
            } else {
                EXPECT_TRUE(cursor.positions().empty());
            }
            cursor.next();
        }
        EXPECT_EQ(cursor.docid(), index.num_docs());
        EXPECT_EQ(cursor.block_max_docid(), index.num_docs());
        postings += list.size();
    }
    EXPECT_EQ(field.stats().num_postings, postings);
    EXPECT_FALSE(field.term("no-such-term").has_value());
    EXPECT_FALSE(field.term("").has_value());
}

// A vocabulary for the lookup tests: half the words start with one of two 8-byte heads, so that
// long runs of terms share a sample key; the rest are short, many of them prefixes of others.
std::vector<Document> lookup_docs(std::set<std::string>& vocabulary) {
    std::mt19937 rng(17);
    const std::string alphabet = "abz";
    auto word = [&](std::size_t len) {
        std::string w;
        for (std::size_t i = 0; i < len; ++i) {
            w += alphabet[rng() % alphabet.size()];
        }
        return w;
    };
    std::vector<Document> docs;
    for (int d = 0; d < 400; ++d) {
        std::string text;
        for (int t = 0; t < 12; ++t) {
            std::string w = rng() % 2 == 0
                                ? (rng() % 2 == 0 ? "aaaaaaaa" : "abababab") + word(rng() % 5)
                                : word(1 + rng() % 9);
            vocabulary.insert(w);
            text += w + " ";
        }
        docs.push_back({"d" + std::to_string(d), "", text});
    }
    return docs;
}

// Neighbours of a term that may or may not be terms themselves.
std::vector<std::string> lookup_neighbours(const std::string& w) {
    return {w + "a", w + "c", w.substr(0, w.size() - 1), "b" + w, w + std::string(1, '\0')};
}

// An index of lookup_docs(), opened afresh for each test (the lookup sample is per open index).
class TermLookup : public ::testing::Test {
protected:
    void SetUp() override {
        build(lookup_docs(vocabulary), tmp / "idx");
        index.emplace(Index::open(tmp / "idx"));
    }
    std::set<std::string> vocabulary;
    TempDir tmp;
    std::optional<Index> index;
};

// term() narrows its search with every 16th term's first 8 bytes once it has answered enough
// lookups: terms sharing those 8 bytes across many samples, terms that are prefixes of others,
// and absent terms between them must all come out as a plain search over the sorted terms says.
TEST_F(TermLookup, FindsEveryTermAndNothingElse) {
    const FieldIndex& field = index->field(0);
    ASSERT_EQ(field.stats().num_terms, vocabulary.size());
    ASSERT_GT(vocabulary.size(), 40 * FieldIndex::kTermSampleStride);
    // Twice: the first pass starts with plain binary searches and crosses kTermSampleAfter
    // lookups on the way; the second runs entirely on the sample.
    ASSERT_GT(6 * vocabulary.size(), FieldIndex::kTermSampleAfter);
    for (int pass = 0; pass < 2; ++pass) {
        SCOPED_TRACE(pass);
        std::uint64_t ordinal = 0;
        for (const std::string& w : vocabulary) {
            auto info = field.term(w);
            ASSERT_TRUE(info.has_value()) << w;
            EXPECT_EQ(info->ordinal, ordinal++) << w;
            // Neighbours that may or may not be terms: the lookup must agree with the set.
            for (const std::string& probe : lookup_neighbours(w)) {
                auto found = field.term(probe);
                ASSERT_EQ(found.has_value(), vocabulary.count(probe) == 1) << "'" << probe << "'";
                if (found) {
                    EXPECT_EQ(field.term_at(found->ordinal), probe);
                }
            }
        }
    }
    for (const std::string& absent :
         {std::string(""), std::string("0"), std::string("zzzzzzzzzzzzz"), std::string("aaaaaaaa0"),
          std::string("\xff")}) {
        EXPECT_FALSE(field.term(absent).has_value()) << absent;
    }
}

// terms() runs a batch of searches side by side: every answer must be the set's, in the order
// asked, for batches shorter and longer than the 16 it interleaves at once, with repeats, before
// the sample exists and after.
TEST_F(TermLookup, InBatchesAnswersAsTheSet) {
    const FieldIndex& field = index->field(0);
    std::vector<std::string> probes;
    for (const std::string& w : vocabulary) {
        probes.push_back(w);
        for (const std::string& n : lookup_neighbours(w)) {
            probes.push_back(n);
        }
    }
    probes.insert(probes.end(), {"", "0", "zzzzzzzzzzzzz", "aaaaaaaa0", "\xff"});
    std::mt19937 rng(3);
    std::shuffle(probes.begin(), probes.end(), rng);
    probes.insert(probes.end(), probes.begin(), probes.begin() + 40);  // repeats
    const std::vector<std::string> ordered(vocabulary.begin(), vocabulary.end());
    std::size_t asked = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t batch : {1U, 2U, 7U, 16U, 17U, 40U}) {
            SCOPED_TRACE(::testing::Message() << "pass " << pass << " batch " << batch);
            for (std::size_t start = 0; start < probes.size(); start += batch) {
                const std::size_t count = std::min(batch, probes.size() - start);
                std::vector<std::string_view> texts(
                    probes.begin() + static_cast<long>(start),
                    probes.begin() + static_cast<long>(start + count));
                std::vector<std::optional<TermInfo>> out(count);
                field.terms(texts, out);
                asked += count;
                for (std::size_t i = 0; i < count; ++i) {
                    const auto it = vocabulary.find(probes[start + i]);
                    ASSERT_EQ(out[i].has_value(), it != vocabulary.end())
                        << "'" << probes[start + i] << "'";
                    if (out[i]) {
                        EXPECT_EQ(out[i]->ordinal, static_cast<std::uint64_t>(
                                                       std::distance(vocabulary.begin(), it)));
                        EXPECT_EQ(out[i]->doc_freq, field.term(ordered[out[i]->ordinal])->doc_freq);
                    }
                }
            }
        }
        // The first pass began before the sample was built and crossed its threshold.
        ASSERT_GT(asked, FieldIndex::kTermSampleAfter);
    }
    std::vector<std::optional<TermInfo>> none;
    field.terms({}, none);  // an empty batch is fine
}

TEST(Inverter, SortPrefixOrdersAsTheTexts) {
    // The dictionary is sorted by sort_prefix first and by text only on equal keys: a smaller
    // key must mean a smaller text, on prefixes, NUL and 0xFF bytes and long shared heads too.
    std::mt19937 rng(5);
    const std::string alphabet("ab\0\xff", 4);
    std::vector<std::string> terms{"", "a", std::string("a\0", 2), "abcdefgh", "abcdefghi"};
    for (int i = 0; i < 400; ++i) {
        std::string t(rng() % 13, 'a');
        for (char& c : t)
            c = alphabet[rng() % alphabet.size()];
        terms.push_back(t);
    }
    for (const auto& a : terms)
        for (const auto& b : terms) {
            if (sort_prefix(a) < sort_prefix(b))
                ASSERT_LT(a, b) << ::testing::PrintToString(a) << " "
                                << ::testing::PrintToString(b);
            if (a < b)
                ASSERT_LE(sort_prefix(a), sort_prefix(b));
        }
}

TEST(Inverter, TermHashSpreadsShortAndLongTerms) {
    // Distinct terms get distinct hashes, and the low bits (the tables' slots) spread: 100,000
    // terms in 65,536 slots fill about 51,300 when the bits look random.
    std::set<std::string> terms;
    std::mt19937 rng(9);
    while (terms.size() < 100000) {
        std::string t(1 + rng() % 14, 'a');
        for (char& c : t)
            c = static_cast<char>('a' + rng() % 26);
        terms.insert(t);
    }
    std::set<std::uint64_t> hashes;
    std::set<std::uint64_t> slots;
    for (const auto& t : terms) {
        hashes.insert(term_hash(t));
        slots.insert(term_hash(t) & 0xffff);
        ASSERT_EQ(term_hash(t), term_hash(std::string(t)));
    }
    EXPECT_EQ(hashes.size(), terms.size());
    EXPECT_GT(slots.size(), 49000U);
    // Every byte counts: terms one byte apart hash apart.
    for (std::size_t n = 1; n <= 20; ++n)
        for (std::size_t i = 0; i < n; ++i) {
            std::string a(n, 'x');
            std::string b = a;
            b[i] = 'y';
            EXPECT_NE(term_hash(a), term_hash(b)) << n << " " << i;
        }
}

TEST(IndexBuild, FlatIndexMatchesNaiveInversion) {
    TempDir tmp;
    auto docs = random_docs(3000, 2000, 11);
    BuildOptions options;
    options.positions = true;
    auto summary = build(docs, tmp / "idx", options);
    EXPECT_EQ(summary.num_docs, docs.size());
    EXPECT_EQ(summary.spilled_runs, 0U);
    Index index = Index::open(tmp / "idx");
    EXPECT_EQ(index.num_docs(), docs.size());
    EXPECT_EQ(index.analyzer_name(), "test-whitespace");
    EXPECT_TRUE(index.has_positions());
    ASSERT_EQ(index.num_fields(), 1U);
    EXPECT_EQ(index.field(0).name(), "contents");
    EXPECT_EQ(index.find_field("contents"), &index.field(0));
    EXPECT_EQ(index.find_field("title"), nullptr);
    EXPECT_DOUBLE_EQ(index.k1(), 0.9);
    EXPECT_DOUBLE_EQ(index.b(), 0.4);
    check_field(index, index.field(0), field_texts(docs, "contents"), true);
    EXPECT_EQ(summary.num_terms, index.field(0).stats().num_terms);
}

TEST(IndexBuild, MultifieldIndexMatchesNaiveInversion) {
    TempDir tmp;
    auto docs = random_docs(700, 300, 5);
    BuildOptions options;
    options.fields = {"title", "text"};
    build(docs, tmp / "idx", options);
    Index index = Index::open(tmp / "idx");
    ASSERT_EQ(index.num_fields(), 2U);
    EXPECT_FALSE(index.has_positions());
    EXPECT_EQ(index.field(0).name(), "title");
    EXPECT_EQ(index.field(1).name(), "text");
    check_field(index, index.field(0), field_texts(docs, "title"), false);
    check_field(index, index.field(1), field_texts(docs, "text"), false);
}

TEST(IndexBuild, IdsAndDocumentStoreRoundTrip) {
    TempDir tmp;
    auto docs = random_docs(2500, 500, 9);
    docs[7].title = "Caf\xc3\xa9 title";
    docs[8].text = std::string(100000, 'x');  // a document bigger than a store block
    build(docs, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    for (std::uint32_t d = 0; d < docs.size(); ++d) {
        ASSERT_EQ(index.external_id(d), docs[d].id);
        ASSERT_EQ(index.internal_id(docs[d].id), d);
    }
    EXPECT_FALSE(index.internal_id("nope").has_value());
    EXPECT_FALSE(index.internal_id("").has_value());
    // Id ranks order documents exactly as their external ids' bytes do.
    const auto ranks = index.id_ranks();
    const std::vector<std::uint32_t> want = ranks_by_sorting(docs);
    ASSERT_EQ(std::vector<std::uint32_t>(ranks.begin(), ranks.end()), want);
    for (std::uint32_t d : {0U, 1U, 7U, 8U, 9U, 1234U, 2499U}) {
        Document doc = index.document(d);
        EXPECT_EQ(doc.id, docs[d].id);
        EXPECT_EQ(doc.title, docs[d].title);
        EXPECT_EQ(doc.text, docs[d].text);
    }
}

// Version 3 of `docids` stores the id ranks after the header; a version-2 file (no ranks,
// written before) must still open, with the ranks computed, so an index need not be rebuilt.
TEST(IndexBuild, DocIdsOfVersionTwoStillOpen) {
    TempDir tmp;
    auto docs = random_docs(1500, 300, 12);
    build(docs, tmp / "idx");
    const std::string v3 = slurp(tmp / "idx" / "docids");
    ASSERT_EQ(v3.substr(0, 8), "CSCD-IDS");
    std::uint32_t version = 0;
    std::memcpy(&version, v3.data() + 8, 4);
    ASSERT_EQ(version, 3U);
    std::string v2 = v3.substr(0, 16) + v3.substr(16 + 4 * docs.size());
    put_at(v2, 8, std::uint32_t{2});
    replace_index_file(tmp / "idx", "docids", v2);

    const Index index = Index::open(tmp / "idx");
    const auto ranks = index.id_ranks();
    EXPECT_EQ(std::vector<std::uint32_t>(ranks.begin(), ranks.end()), ranks_by_sorting(docs));
    for (std::uint32_t d = 0; d < docs.size(); d += 7) {
        ASSERT_EQ(index.external_id(d), docs[d].id);
        ASSERT_EQ(index.internal_id(docs[d].id), d);
    }

    // Versions outside 2..3 are refused, naming the file and what this build reads.
    put_at(v2, 8, std::uint32_t{1});
    replace_index_file(tmp / "idx", "docids", v2);
    try {
        (void)Index::open(tmp / "idx");
        FAIL() << "version 1 opened";
    } catch (const CorruptionError& e) {
        EXPECT_NE(std::string(e.what()).find("docids"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("versions 2 to 3"), std::string::npos) << e.what();
    }
}

// Stored ranks that do not invert the sorted order would break ties wrongly without any
// error; the full verification refuses them even when the checksums agree.
TEST(IndexBuild, DocIdsRanksThatDoNotInvertTheOrderAreRefused) {
    TempDir tmp;
    auto docs = random_docs(300, 100, 13);
    build(docs, tmp / "idx");
    std::string bytes = slurp(tmp / "idx" / "docids");
    std::uint32_t first = 0;
    std::uint32_t second = 0;
    std::memcpy(&first, bytes.data() + 16, 4);
    std::memcpy(&second, bytes.data() + 20, 4);
    put_at(bytes, 16, second);  // documents 0 and 1 swap ranks
    put_at(bytes, 20, first);
    replace_index_file(tmp / "idx", "docids", bytes);
    try {
        (void)Index::open(tmp / "idx");
        FAIL() << "swapped ranks opened";
    } catch (const CorruptionError& e) {
        EXPECT_NE(std::string(e.what()).find("id ranks do not invert"), std::string::npos)
            << e.what();
    }
}

TEST(IndexBuild, NextGeqMatchesNaiveSearch) {
    TempDir tmp;
    auto docs = random_docs(4000, 3000, 21);
    build(docs, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    const FieldIndex& field = index.field(0);
    std::mt19937 rng(4);
    for (std::uint64_t t = 0; t < field.stats().num_terms; t += 7) {
        TermInfo info = field.term_info_at(t);
        std::vector<std::uint32_t> all;
        for (PostingCursor c = field.postings(info); c.docid() < index.num_docs(); c.next()) {
            all.push_back(c.docid());
        }
        for (int trial = 0; trial < 3; ++trial) {
            PostingCursor c = field.postings(info);
            std::uint32_t target = 0;
            while (true) {
                target += rng() % (trial == 0 ? 5 : trial == 1 ? 200 : 1500);
                if (rng() % 3 == 0) {
                    c.shallow_next_geq(target);
                    auto it = std::lower_bound(all.begin(), all.end(), target);
                    if (it != all.end()) {
                        ASSERT_GE(c.block_max_docid(), *it);
                    }
                }
                c.next_geq(target);
                auto it = std::lower_bound(all.begin(), all.end(), target);
                std::uint32_t expected = it == all.end() ? index.num_docs() : *it;
                ASSERT_EQ(c.docid(), expected) << "term " << t << " target " << target;
                if (expected == index.num_docs()) {
                    break;
                }
                ASSERT_LE(c.docid(), c.block_max_docid());
            }
        }
    }
}

// Block-Max MaxScore walks the block pointer over a window's blocks before it reads postings:
// next_geq must then still find targets that lie before the block the pointer reached.
TEST(IndexBuild, NextGeqFindsTargetsBehindAShallowPointerThatRanAhead) {
    TempDir tmp;
    auto docs = random_docs(4000, 300, 22);
    build(docs, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    const FieldIndex& field = index.field(0);
    std::mt19937 rng(5);
    std::size_t long_lists = 0;
    for (std::uint64_t t = 0; t < field.stats().num_terms; ++t) {
        TermInfo info = field.term_info_at(t);
        std::vector<std::uint32_t> all;
        for (PostingCursor c = field.postings(info); c.docid() < index.num_docs(); c.next()) {
            all.push_back(c.docid());
        }
        long_lists += all.size() > 3 * kBlockSize ? 1 : 0;
        PostingCursor c = field.postings(info);
        std::uint32_t base = 0;
        while (base < index.num_docs()) {
            const std::uint32_t end = base + 1 + static_cast<std::uint32_t>(rng() % 700);
            // The pointer walks every block up to the one holding end - 1, as the windows do.
            c.shallow_next_geq(base);
            for (int steps = 0; steps < 64 && c.block_max_docid() < end - 1; ++steps) {
                c.shallow_next_geq(c.block_max_docid() + 1);
            }
            // Then postings are read from base on, in steps, as candidates are probed.
            for (std::uint32_t target = base; target < end;
                 target += 1 + static_cast<std::uint32_t>(rng() % 40)) {
                c.next_geq(target);
                auto it = std::lower_bound(all.begin(), all.end(), target);
                ASSERT_EQ(c.docid(), it == all.end() ? index.num_docs() : *it)
                    << "term " << t << " target " << target << " window [" << base << ", " << end
                    << ")";
            }
            base = end;
        }
    }
    EXPECT_GT(long_lists, 5U);  // lists of several blocks were walked
}

TEST(IndexBuild, ExhaustedAndDefaultCursorsStayAtTheEnd) {
    TempDir tmp;
    auto docs = random_docs(2000, 50, 8);
    build(docs, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    TermInfo info = index.field(0).term_info_at(0);
    ASSERT_GT(info.doc_freq, 2 * kBlockSize);
    PostingCursor c = index.field(0).postings(info);
    c.next_geq(index.num_docs());
    EXPECT_EQ(c.docid(), index.num_docs());
    c.next();
    EXPECT_EQ(c.docid(), index.num_docs()) << "next() after the end must not resurrect";
    c.next_geq(5);
    EXPECT_EQ(c.docid(), index.num_docs());
    PostingCursor empty;
    EXPECT_EQ(empty.docid(), empty.sentinel());
    empty.next();
    empty.next_geq(10);
    EXPECT_EQ(empty.docid(), empty.sentinel());
    EXPECT_EQ(empty.size(), 0U);
}

std::map<std::string, std::string> read_dir(const std::filesystem::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        out[e.path().filename().string()] = slurp(e.path());
    }
    return out;
}

TEST(IndexBuild, SpillAndThreadsGiveByteIdenticalIndex) {
    TempDir tmp;
    auto docs = random_docs(3000, 2000, 33);
    BuildOptions plain;
    plain.positions = true;
    build(docs, tmp / "plain", plain);
    BuildOptions spill = plain;
    spill.memory_budget = 64 * 1024;
    spill.batch_docs = 50;
    spill.threads = 3;
    auto summary = build(docs, tmp / "spill", spill);
    EXPECT_GT(summary.spilled_runs, 3U);
    auto a = read_dir(tmp / "plain");
    auto b = read_dir(tmp / "spill");
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, bytes] : a) {
        EXPECT_TRUE(b[name] == bytes) << name << " differs between spill and in-memory builds";
    }
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()),
                            std::filesystem::directory_iterator()),
              2)
        << "spill files or staging directories left behind";
}

TEST(IndexBuild, EmptyCollection) {
    TempDir tmp;
    build({}, tmp / "idx");
    Index index = Index::open(tmp / "idx");
    EXPECT_EQ(index.num_docs(), 0U);
    EXPECT_EQ(index.field(0).stats().num_terms, 0U);
}

TEST(IndexBuild, DuplicateIdIsAnErrorNamingIt) {
    TempDir tmp;
    auto docs = random_docs(10, 10, 1);
    docs[6].id = "doc2";
    try {
        build(docs, tmp / "idx");
        FAIL() << "duplicate id accepted";
    } catch (const InputError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("duplicate document id 'doc2'"), std::string::npos) << what;
        EXPECT_NE(what.find("#7"), std::string::npos) << what;
        EXPECT_NE(what.find("#3"), std::string::npos) << what;
    }
    EXPECT_FALSE(std::filesystem::exists(tmp / "idx"));
}

TEST(IndexBuild, DuplicateIdNamesTheReadersLocation) {
    TempDir tmp;
    write_file(tmp / "c.jsonl",
               "{\"_id\": \"a\", \"text\": \"x\"}\n\n{\"_id\": \"a\", \"text\": \"y\"}\n");
    auto reader = open_documents((tmp / "c.jsonl").string());
    WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    try {
        (void)build_index(*reader, analyzer, tmp / "idx", options);
        FAIL() << "duplicate id accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "c.jsonl:3: duplicate document id 'a' (document #2, first seen as document "
                      "#1)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(tmp / "idx"));
}

TEST(IndexBuild, BadFieldsAreUsageErrors) {
    TempDir tmp;
    BuildOptions options;
    options.fields = {"title", "body"};
    EXPECT_THROW(build({}, tmp / "idx", options), UsageError);
    options.fields = {"title", "title"};
    EXPECT_THROW(build({}, tmp / "idx", options), UsageError);
}

/// Fails after `limit` documents, as a crash or a malformed line mid-collection would.
class FailingReader : public VectorReader {
public:
    FailingReader(std::vector<Document> docs, std::size_t limit)
        : VectorReader(std::move(docs)), m_limit(limit) {}
    bool next(Document& doc) override {
        if (m_count++ == m_limit) {
            throw InputError("corpus.jsonl", m_count, "malformed record");
        }
        return VectorReader::next(doc);
    }

private:
    std::size_t m_limit;
    std::size_t m_count = 0;
};

TEST(IndexBuild, InterruptedBuildLeavesNoIndexAndKeepsTheOldOne) {
    TempDir tmp;
    auto docs = random_docs(2000, 200, 2);
    WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    options.memory_budget = 32 * 1024;  // spill files exist when the failure hits
    options.batch_docs = 100;
    {
        FailingReader reader(docs, 1500);
        EXPECT_THROW(build_index(reader, analyzer, tmp / "idx", options), InputError);
    }
    EXPECT_FALSE(std::filesystem::exists(tmp / "idx"));
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "staging left behind";

    build(std::vector<Document>(docs.begin(), docs.begin() + 10), tmp / "idx");
    {
        FailingReader reader(docs, 1500);
        EXPECT_THROW(build_index(reader, analyzer, tmp / "idx", options), InputError);
    }
    Index index = Index::open(tmp / "idx");
    EXPECT_EQ(index.num_docs(), 10U) << "the previous index must survive a failed rebuild";
}

}  // namespace
}  // namespace cascade::index
