// BP reordering: the order is a permutation, it lowers the log-gap cost and the postings bytes
// of a collection with topical structure, it is deterministic (threads included), and the index
// rebuilt in that order holds exactly the same postings per external id (so every ranking,
// ties included since they go by external id, is unchanged).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <numeric>
#include <random>

#include "index/builder.hpp"
#include "index/reorder.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using cascade::testing::TempDir;

/// Documents from 12 topics with disjoint vocabularies plus shared words, topics drawn at random
/// in collection order (the scatter BP should undo).
std::vector<Document> topical_docs(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> len(8, 40);
    std::uniform_int_distribution<int> word(0, 59);
    std::uniform_int_distribution<int> common(0, 19);
    std::vector<Document> docs;
    for (std::size_t d = 0; d < n; ++d) {
        Document doc;
        doc.id = "d" + std::to_string((d * 7919) % 100003);  // ids not in collection order
        const std::size_t topic = rng() % 12;
        const int words = len(rng);
        for (int w = 0; w < words; ++w) {
            doc.text += rng() % 4 == 0
                            ? "c" + std::to_string(common(rng))
                            : "t" + std::to_string(topic) + "w" + std::to_string(word(rng));
            doc.text += ' ';
        }
        docs.push_back(std::move(doc));
    }
    return docs;
}

std::uint64_t postings_bytes(const fs::path& dir) {
    std::uint64_t bytes = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".postings")
            bytes += e.file_size();
    return bytes;
}

/// term -> (external id -> freq), plus external id -> length: what scoring reads.
struct Content {
    std::map<std::string, std::map<std::string, std::uint32_t>> postings;
    std::map<std::string, std::uint32_t> lengths;
};

Content content(const Index& index) {
    Content c;
    const FieldIndex& field = index.field(0);
    for (std::uint64_t t = 0; t < field.stats().num_terms; ++t) {
        auto& list = c.postings[std::string(field.term_at(t))];
        for (PostingCursor p = field.postings(field.term_info_at(t)); p.docid() < index.num_docs();
             p.next())
            list[std::string(index.external_id(p.docid()))] = p.freq();
    }
    for (std::uint32_t d = 0; d < index.num_docs(); ++d)
        c.lengths[std::string(index.external_id(d))] = field.length(d);
    return c;
}

TEST(Reorder, BpOrderShrinksTopicalPostingsAndKeepsEveryPosting) {
    TempDir tmp;
    const auto docs = topical_docs(3000, 5);
    testing::WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    {
        testing::VectorReader reader(docs);
        (void)build_index(reader, analyzer, tmp.path() / "orig", options);
    }
    const Index orig = Index::open(tmp.path() / "orig");
    BpOptions bp;
    BpSummary summary;
    const auto order = bp_order(orig, bp, &summary);
    ASSERT_EQ(order.size(), docs.size());
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (std::uint32_t i = 0; i < sorted.size(); ++i)
        ASSERT_EQ(sorted[i], i);
    EXPECT_GT(summary.terms, 0U);
    EXPECT_GE(summary.depth, 6U);

    std::vector<std::uint32_t> identity(docs.size());
    std::iota(identity.begin(), identity.end(), 0U);
    const double before = log_gap_cost(orig, identity);
    const double after = log_gap_cost(orig, order);
    EXPECT_LT(after, 0.8 * before) << before << " -> " << after;

    {
        ReorderedReader reader(orig, order);
        (void)build_index(reader, analyzer, tmp.path() / "bp", options);
    }
    const Index bp_index = Index::open(tmp.path() / "bp");
    EXPECT_LT(postings_bytes(tmp.path() / "bp"), postings_bytes(tmp.path() / "orig"));
    for (std::uint32_t i = 0; i < order.size(); ++i)
        ASSERT_EQ(bp_index.external_id(i), orig.external_id(order[i]));
    const Content a = content(orig);
    const Content b = content(bp_index);
    EXPECT_EQ(a.postings, b.postings);
    EXPECT_EQ(a.lengths, b.lengths);
    EXPECT_EQ(bp_index.document(0).text, orig.document(order[0]).text);
}

TEST(Reorder, DeterministicWithThreads) {
    TempDir tmp;
    testing::VectorReader reader(topical_docs(1500, 9));
    testing::WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    (void)build_index(reader, analyzer, tmp.path() / "idx", options);
    const Index index = Index::open(tmp.path() / "idx");
    BpOptions one;
    BpOptions two;
    two.threads = 2;
    std::atomic<std::uint64_t> calls{0};
    two.progress = [&calls](std::uint64_t, std::uint64_t) { ++calls; };
    EXPECT_EQ(bp_order(index, one), bp_order(index, two));
    EXPECT_GT(calls, 0U);
}

TEST(Reorder, BadOrdersAreRefused) {
    TempDir tmp;
    testing::VectorReader reader(topical_docs(10, 1));
    testing::WhitespaceAnalyzer analyzer;
    BuildOptions options;
    options.progress = false;
    (void)build_index(reader, analyzer, tmp.path() / "idx", options);
    const Index index = Index::open(tmp.path() / "idx");
    EXPECT_THROW(ReorderedReader(index, {0, 1, 2}), UsageError);
    EXPECT_THROW(ReorderedReader(index, {0, 1, 2, 3, 4, 5, 6, 7, 8, 8}), UsageError);
    BpOptions zero;
    zero.threads = 0;
    EXPECT_THROW((void)bp_order(index, zero), UsageError);
}

}  // namespace
}  // namespace cascade::index
