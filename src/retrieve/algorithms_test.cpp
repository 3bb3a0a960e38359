// Randomized equivalence of every top-k algorithm with a naive oracle that scores every
// document, sums term scores in query order and sorts all of them (PISA's
// test_ranked_queries.cpp does the same for its algorithms). Scores are drawn from a coarse grid
// so that ties are frequent, and ties are broken by a random permutation standing in for the
// external-id order, which differs from the internal docid order.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "retrieve/algorithm/block_max_maxscore.hpp"
#include "retrieve/algorithm/block_max_wand.hpp"
#include "retrieve/algorithm/exhaustive.hpp"
#include "retrieve/algorithm/maxscore.hpp"
#include "retrieve/algorithm/wand.hpp"
#include "retrieve/memory_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {
namespace {

struct PermutationOrder {
    const std::vector<std::uint32_t>* rank;
    [[nodiscard]] std::uint32_t key(std::uint32_t docid) const { return (*rank)[docid]; }
};

struct Case {
    std::uint32_t num_docs = 0;
    std::vector<MemoryPostings> lists;  // one per distinct term
    std::vector<std::size_t> query;     // term list, duplicates allowed
    std::vector<std::uint32_t> rank;    // external-id order of each docid
    std::uint32_t block_size = 4;
};

Case random_case(std::mt19937& rng) {
    Case c;
    c.num_docs = std::uniform_int_distribution<std::uint32_t>(1, 3000)(rng);
    std::size_t distinct = std::uniform_int_distribution<std::size_t>(1, 8)(rng);
    bool coarse = std::bernoulli_distribution(0.7)(rng);
    for (std::size_t t = 0; t < distinct; ++t) {
        MemoryPostings p;
        double density = std::vector<double>{
            0.0, 0.001, 0.01, 0.1, 0.5, 1.0}[std::uniform_int_distribution<int>(0, 5)(rng)];
        float weight = std::uniform_real_distribution<float>(0.1F, 8.0F)(rng);
        for (std::uint32_t d = 0; d < c.num_docs; ++d) {
            if (std::bernoulli_distribution(density)(rng)) {
                p.docids.push_back(d);
                float s =
                    coarse
                        ? 0.25F * static_cast<float>(std::uniform_int_distribution<int>(1, 8)(rng))
                        : weight * std::uniform_real_distribution<float>(0.01F, 1.0F)(rng);
                p.scores.push_back(s);
            }
        }
        c.lists.push_back(std::move(p));
    }
    std::size_t terms = std::uniform_int_distribution<std::size_t>(1, 10)(rng);
    for (std::size_t i = 0; i < terms; ++i) {
        c.query.push_back(std::uniform_int_distribution<std::size_t>(0, distinct - 1)(rng));
    }
    c.rank.resize(c.num_docs);
    std::iota(c.rank.begin(), c.rank.end(), 0U);
    std::shuffle(c.rank.begin(), c.rank.end(), rng);
    c.block_size =
        std::vector<std::uint32_t>{1, 3, 4, 16, 128}[std::uniform_int_distribution<int>(0, 4)(rng)];
    return c;
}

std::vector<Hit> oracle(const Case& c, std::size_t k) {
    std::vector<double> sums(c.num_docs, 0.0);
    std::vector<bool> matched(c.num_docs, false);
    for (std::size_t term : c.query) {
        const MemoryPostings& p = c.lists[term];
        for (std::size_t i = 0; i < p.docids.size(); ++i) {
            sums[p.docids[i]] += static_cast<double>(p.scores[i]);
            matched[p.docids[i]] = true;
        }
    }
    std::vector<Hit> all;
    for (std::uint32_t d = 0; d < c.num_docs; ++d) {
        if (matched[d]) {
            all.push_back({d, static_cast<float>(sums[d])});
        }
    }
    std::sort(all.begin(), all.end(), [&](const Hit& a, const Hit& b) {
        return a.score > b.score || (a.score == b.score && c.rank[a.docid] < c.rank[b.docid]);
    });
    all.resize(std::min(all.size(), k));
    return all;
}

template <class Run>
std::vector<Hit> run_algorithm(const Case& c, std::size_t k, Run run) {
    std::vector<MemoryCursor> cursors;
    cursors.reserve(c.query.size());
    for (std::size_t term : c.query) {
        cursors.emplace_back(c.lists[term], c.num_docs, c.block_size);
    }
    TopKQueue<PermutationOrder> queue(k, PermutationOrder{&c.rank});
    run(std::span<MemoryCursor>(cursors), queue);
    return queue.take_sorted();
}

std::string describe(const Case& c, std::size_t k) {
    std::string s = "docs=" + std::to_string(c.num_docs) + " k=" + std::to_string(k) +
                    " block=" + std::to_string(c.block_size) + " terms=";
    for (std::size_t t : c.query) {
        s += std::to_string(t) + "(" + std::to_string(c.lists[t].docids.size()) + ") ";
    }
    return s;
}

TEST(Algorithms, AllMatchTheOracleOnRandomQueries) {
    std::mt19937 rng(20261125);
    const std::vector<std::size_t> ks = {1, 2, 3, 10, 100, 1000};
    using Queue = TopKQueue<PermutationOrder>;
    using Span = std::span<MemoryCursor>;
    for (int iter = 0; iter < 400; ++iter) {
        Case c = random_case(rng);
        std::size_t k = ks[static_cast<std::size_t>(iter) % ks.size()];
        if (iter % 7 == 0) {
            k = std::uniform_int_distribution<std::size_t>(1, 1000)(rng);
        }
        std::vector<Hit> expected = oracle(c, k);
        SCOPED_TRACE(describe(c, k));
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { exhaustive_query(s, q); }), expected)
            << "exhaustive";
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { maxscore_query(s, q); }), expected)
            << "maxscore";
        // Windows of 64 docids: queries of five or more essential lists cross many of them.
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { maxscore_query(s, q, 64); }), expected)
            << "maxscore, window 64";
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { wand_query(s, q); }), expected)
            << "wand";
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_wand_query(s, q); }),
                  expected)
            << "bmw";
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_maxscore_query(s, q); }),
                  expected)
            << "bmm";
        // Windows of 64 docids: many windows, bounds over several blocks or the list's.
        EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_maxscore_query(s, q, 64); }),
                  expected)
            << "bmm, window 64";
        if (HasFailure()) {
            break;
        }
    }
}

// Every pruning algorithm started from prime_threshold()'s floor, which here is the exact k-th
// best score of the best list: documents tying with it must still compete, and none may be
// lost to a queue that prunes before it holds k hits.
TEST(Algorithms, PrimedWithTheSingleTermThresholdTheyStillMatchTheOracle) {
    std::mt19937 rng(20261207);
    const std::vector<std::size_t> ks = {1, 2, 3, 10, 100};
    using Queue = TopKQueue<PermutationOrder>;
    using Span = std::span<MemoryCursor>;
    std::size_t primed = 0;
    for (int iter = 0; iter < 400; ++iter) {
        Case c = random_case(rng);
        const std::size_t k = ks[static_cast<std::size_t>(iter) % ks.size()];
        std::vector<Hit> expected = oracle(c, k);
        SCOPED_TRACE(describe(c, k));
        auto primed_run = [&](auto algorithm) {
            return run_algorithm(c, k, [&](Span s, Queue& q) {
                prime_threshold(s, q);
                if (expected.size() == k &&
                    q.can_prune(std::nextafter(expected.back().score, -INFINITY))) {
                    ++primed;  // the floor did prune (it is at most the true k-th score)
                }
                algorithm(s, q);
            });
        };
        EXPECT_EQ(primed_run([](Span s, Queue& q) { maxscore_query(s, q); }), expected)
            << "maxscore";
        EXPECT_EQ(primed_run([](Span s, Queue& q) { maxscore_query(s, q, 64); }), expected)
            << "maxscore, window 64";
        EXPECT_EQ(primed_run([](Span s, Queue& q) { wand_query(s, q); }), expected) << "wand";
        EXPECT_EQ(primed_run([](Span s, Queue& q) { block_max_wand_query(s, q); }), expected)
            << "bmw";
        EXPECT_EQ(primed_run([](Span s, Queue& q) { block_max_maxscore_query(s, q); }), expected)
            << "bmm";
        EXPECT_EQ(primed_run([](Span s, Queue& q) { block_max_maxscore_query(s, q, 64); }),
                  expected)
            << "bmm, window 64";
        if (HasFailure()) {
            break;
        }
    }
    EXPECT_GT(primed, 200U);  // floors were really set
}

TEST(TopKQueue, APrimedFloorPrunesBelowItAndLetsTiesCompete) {
    std::vector<std::uint32_t> rank = {3, 1, 2, 0, 4};
    TopKQueue<PermutationOrder> q(2, PermutationOrder{&rank});
    EXPECT_EQ(q.capacity(), 2U);
    q.prime(2.0F);
    EXPECT_TRUE(q.can_prune(1.999F));
    EXPECT_FALSE(q.can_prune(2.0F));
    EXPECT_FALSE(q.insert(4, 1.5F));  // below the floor: cannot be in the top 2
    EXPECT_TRUE(q.insert(0, 2.0F));   // at the floor: competes
    q.prime(1.0F);                    // a lower floor lowers nothing
    EXPECT_TRUE(q.can_prune(1.999F));
    EXPECT_TRUE(q.insert(2, 3.0F));
    EXPECT_TRUE(q.insert(1, 2.0F));  // ties with docid 0 and wins it (rank 1 < rank 0's 3)
    EXPECT_TRUE(q.can_prune(1.999F));
    EXPECT_EQ(q.take_sorted(), (std::vector<Hit>{{2, 3.0F}, {1, 2.0F}}));
    // take_sorted() forgets the floor with the hits.
    EXPECT_FALSE(q.can_prune(-100.0F));
    TopKQueue<DocidOrder> none(0, DocidOrder{});
    none.prime(1.0F);
    EXPECT_FALSE(none.insert(1, 5.0F));
}

void expect_all_match_oracle(const Case& c, std::size_t k) {
    using Queue = TopKQueue<PermutationOrder>;
    using Span = std::span<MemoryCursor>;
    std::vector<Hit> expected = oracle(c, k);
    SCOPED_TRACE(describe(c, k));
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { exhaustive_query(s, q); }), expected)
        << "exhaustive";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { maxscore_query(s, q); }), expected)
        << "maxscore";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { maxscore_query(s, q, 128); }), expected)
        << "maxscore, window 128";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { wand_query(s, q); }), expected) << "wand";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_wand_query(s, q); }), expected)
        << "bmw";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_maxscore_query(s, q); }),
              expected)
        << "bmm";
    EXPECT_EQ(run_algorithm(c, k, [](Span s, Queue& q) { block_max_maxscore_query(s, q, 128); }),
              expected)
        << "bmm, window 128";
}

// Scores spread over 2^-70..1 of each other: double sums may then depend on their order, so
// the algorithms must fall back to summing in query-term order (order_free_sums is false).
TEST(Algorithms, AllMatchTheOracleWhenSumsCouldDependOnOrder) {
    std::mt19937 rng(20261206);
    const std::vector<std::size_t> ks = {1, 3, 10, 100, 1000};
    std::size_t ordered = 0;
    for (int iter = 0; iter < 200; ++iter) {
        Case c = random_case(rng);
        for (MemoryPostings& p : c.lists) {
            for (float& s : p.scores) {
                s = std::ldexp(s, -std::uniform_int_distribution<int>(0, 70)(rng));
            }
        }
        std::vector<MemoryCursor> cursors;
        cursors.reserve(c.query.size());
        for (std::size_t term : c.query) {
            cursors.emplace_back(c.lists[term], c.num_docs, c.block_size);
        }
        if (!order_free_sums(std::span<MemoryCursor>(cursors))) {
            ++ordered;
        }
        expect_all_match_oracle(c, ks[static_cast<std::size_t>(iter) % ks.size()]);
        if (HasFailure()) {
            break;
        }
    }
    EXPECT_GT(ordered, 100U);  // the term-ordered path really ran
}

TEST(Algorithms, OrderFreeSumsOnlyWhenEveryDoubleSumIsExact) {
    auto order_free = [](const std::vector<std::vector<float>>& lists) {
        std::vector<MemoryPostings> postings;
        for (const auto& scores : lists) {
            MemoryPostings p;
            for (std::size_t i = 0; i < scores.size(); ++i) {
                p.docids.push_back(static_cast<std::uint32_t>(i));
                p.scores.push_back(scores[i]);
            }
            postings.push_back(std::move(p));
        }
        std::vector<MemoryCursor> cursors;
        cursors.reserve(postings.size());
        for (const MemoryPostings& p : postings) {
            cursors.emplace_back(p, 100);
        }
        return order_free_sums(std::span<MemoryCursor>(cursors));
    };
    EXPECT_TRUE(order_free({{0.5F, 12.0F}, {0.01F, 3.0F}}));      // BM25-like spread
    EXPECT_TRUE(order_free({{1.0F}, {std::ldexp(1.0F, -25)}}));   // 2^26 apart: still exact
    EXPECT_FALSE(order_free({{1.0F}, {std::ldexp(1.0F, -40)}}));  // 2^40 apart: not proven
    EXPECT_FALSE(order_free({{0.0F, 1.0F}}));                     // no positive lower bound
    EXPECT_FALSE(order_free({{-1.0F, 1.0F}}));
    // 1 + 2^-24 + 2^-24: exact in double (= 1 + 2^-23) in any order.
    EXPECT_TRUE(order_free({{1.0F}, {std::ldexp(1.0F, -24)}, {std::ldexp(1.0F, -24)}}));
}

TEST(TopKQueue, KeepsTheKBestByScoreThenTieOrder) {
    std::mt19937 rng(7);
    for (int iter = 0; iter < 300; ++iter) {
        const std::uint32_t docs = std::uniform_int_distribution<std::uint32_t>(1, 500)(rng);
        const std::size_t k = std::uniform_int_distribution<std::size_t>(1, 600)(rng);
        std::vector<std::uint32_t> rank(docs);
        std::iota(rank.begin(), rank.end(), 0U);
        std::shuffle(rank.begin(), rank.end(), rng);
        // Few distinct scores (many ties), negative ones and both zeros included.
        const std::vector<float> grid = {-3.5F, -1.0F, -0.0F, 0.0F, 0.25F, 1.0F, 1.0F, 7.5F};
        std::vector<Hit> all;
        TopKQueue<PermutationOrder> q(k, PermutationOrder{&rank});
        for (std::uint32_t d = 0; d < docs; ++d) {
            const float score = grid[std::uniform_int_distribution<std::size_t>(0, 7)(rng)];
            all.push_back({d, score});
            q.insert(d, score);
        }
        std::sort(all.begin(), all.end(), [&](const Hit& a, const Hit& b) {
            return a.score > b.score || (a.score == b.score && rank[a.docid] < rank[b.docid]);
        });
        all.resize(std::min(all.size(), k));
        ASSERT_EQ(q.take_sorted(), all) << "docs=" << docs << " k=" << k;
    }
}

TEST(Algorithms, EmptyQueryAndEmptyListsReturnNothing) {
    Case c;
    c.num_docs = 10;
    c.lists.resize(2);
    c.rank.resize(10);
    std::iota(c.rank.begin(), c.rank.end(), 0U);
    using Queue = TopKQueue<PermutationOrder>;
    using Span = std::span<MemoryCursor>;
    for (const auto& query : {std::vector<std::size_t>{}, std::vector<std::size_t>{0, 1, 1}}) {
        c.query = query;
        EXPECT_TRUE(run_algorithm(c, 5, [](Span s, Queue& q) { exhaustive_query(s, q); }).empty());
        EXPECT_TRUE(run_algorithm(c, 5, [](Span s, Queue& q) { maxscore_query(s, q); }).empty());
        EXPECT_TRUE(run_algorithm(c, 5, [](Span s, Queue& q) { wand_query(s, q); }).empty());
        EXPECT_TRUE(
            run_algorithm(c, 5, [](Span s, Queue& q) { block_max_wand_query(s, q); }).empty());
        EXPECT_TRUE(
            run_algorithm(c, 5, [](Span s, Queue& q) { block_max_maxscore_query(s, q); }).empty());
    }
}

TEST(TopKQueue, BreaksTiesByTheGivenOrderNotByInsertion) {
    std::vector<std::uint32_t> rank = {3, 1, 2, 0};  // docid 3 sorts first, then 1, 2, 0
    TopKQueue<PermutationOrder> q(2, PermutationOrder{&rank});
    for (std::uint32_t d = 0; d < 4; ++d) {
        q.insert(d, 1.0F);
    }
    std::vector<Hit> hits = q.take_sorted();
    ASSERT_EQ(hits.size(), 2U);
    EXPECT_EQ(hits[0].docid, 3U);
    EXPECT_EQ(hits[1].docid, 1U);
}

TEST(TopKQueue, PrunesOnlyStrictlyBelowTheKthScore) {
    TopKQueue<DocidOrder> q(1, DocidOrder{});
    EXPECT_FALSE(q.can_prune(0.0F));
    q.insert(5, 2.0F);
    EXPECT_FALSE(q.can_prune(2.0F));
    EXPECT_TRUE(q.can_prune(1.999F));
    EXPECT_TRUE(q.insert(4, 2.0F));  // equal score, smaller docid wins the tie
    EXPECT_FALSE(q.insert(6, 2.0F));
}

// safe_bound takes the next float up from the bits where it can; it must give what
// std::nextafter gives, on every kind of value a bound could be.
TEST(Algorithms, SafeBoundIsTheNextFloatAboveTheInflatedBound) {
    auto reference = [](float b) { return std::nextafter(b * (1.0F + kBoundSlack), INFINITY); };
    std::vector<float> values = {0.0F,
                                 -0.0F,
                                 std::numeric_limits<float>::denorm_min(),
                                 std::numeric_limits<float>::min(),
                                 1.0F,
                                 3.5F,
                                 -2.0F,
                                 std::numeric_limits<float>::max(),
                                 INFINITY,
                                 -INFINITY};
    std::mt19937 rng(99);
    for (int i = 0; i < 100000; ++i) {
        values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
    }
    for (float v : values) {
        const float expected = reference(v);
        const float got = safe_bound(v);
        if (std::isnan(expected)) {
            EXPECT_TRUE(std::isnan(got)) << v;
        } else {
            EXPECT_EQ(std::bit_cast<std::uint32_t>(got), std::bit_cast<std::uint32_t>(expected))
                << "bound " << v;
        }
    }
}

}  // namespace
}  // namespace cascade::retrieve
