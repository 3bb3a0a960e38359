// Grouped folds (queries sharing a relevant document never split) and the choice of
// boosting rounds and depth by cross-validation.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rerank/ltr/cross_validation.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {
namespace {

using Docs = std::vector<std::vector<std::string>>;

TEST(RelevanceComponents, QueriesSharingADocumentAreConnectedTransitively) {
    // 0-1 share a, 1-3 share b (so 0, 1, 3 are one group), 2 alone, 4-5 share c, 6 has none.
    const Docs relevant = {{"a"}, {"a", "b"}, {"x"}, {"b", "y"}, {"c"}, {"c"}, {}};
    const std::vector<std::size_t> c = relevance_components(relevant);
    EXPECT_EQ(c, (std::vector<std::size_t>{0, 0, 1, 0, 2, 2, 3}));
}

/// Random queries citing documents from a small pool, so many share documents.
Docs random_citations(std::size_t queries, std::size_t pool, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Docs relevant(queries);
    for (auto& docs : relevant) {
        const std::size_t n = 1 + rng() % 2;
        for (std::size_t i = 0; i < n; ++i) {
            docs.push_back("d" + std::to_string(rng() % pool));
        }
    }
    return relevant;
}

TEST(AssignFolds, QueriesSharingARelevantDocumentAreNeverSplit) {
    const Docs relevant = random_citations(300, 400, 7);
    const std::vector<std::size_t> components = relevance_components(relevant);
    for (std::uint64_t seed : {1U, 2U, 42U}) {
        const std::vector<std::size_t> fold = assign_folds(components, 5, seed);
        std::map<std::string, std::size_t> fold_of_doc;
        std::vector<std::size_t> sizes(5, 0);
        for (std::size_t q = 0; q < relevant.size(); ++q) {
            ASSERT_LT(fold[q], 5U);
            ++sizes[fold[q]];
            for (const std::string& d : relevant[q]) {
                auto [it, inserted] = fold_of_doc.emplace(d, fold[q]);
                EXPECT_EQ(it->second, fold[q]) << "document " << d << " cited in two folds";
            }
        }
        // Balanced: greedy largest-first assignment keeps folds within the largest group.
        const std::size_t largest = *std::max_element(sizes.begin(), sizes.end()) -
                                    *std::min_element(sizes.begin(), sizes.end());
        std::map<std::size_t, std::size_t> group_size;
        for (std::size_t c : components) {
            ++group_size[c];
        }
        std::size_t max_group = 0;
        for (const auto& [c, n] : group_size) {
            max_group = std::max(max_group, n);
        }
        EXPECT_GE(max_group, 3U) << "the test needs queries that share documents";
        EXPECT_LE(largest, max_group);
        EXPECT_GT(*std::min_element(sizes.begin(), sizes.end()), 0U);
    }
}

TEST(AssignFolds, DeterministicPerSeed) {
    const std::vector<std::size_t> components = relevance_components(random_citations(200, 500, 3));
    EXPECT_EQ(assign_folds(components, 5, 42), assign_folds(components, 5, 42));
    EXPECT_NE(assign_folds(components, 5, 42), assign_folds(components, 5, 43));
}

TEST(AssignFolds, RefusesTooFewGroups) {
    const std::vector<std::size_t> components = {0, 0, 1, 1, 2};
    EXPECT_THROW((void)assign_folds(components, 5, 1), UsageError);
    EXPECT_THROW((void)assign_folds(components, 1, 1), UsageError);
    EXPECT_NO_THROW((void)assign_folds(components, 3, 1));
}

TEST(SelectQueries, CopiesTheRowsOfTheChosenQueries) {
    RankingData data{2, {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}, {0, 1, 0, 1, 1, 0}, {2, 1, 3}};
    const std::size_t pick[] = {0, 2};
    const RankingData s = select_queries(data, pick);
    EXPECT_EQ(s.groups, (std::vector<unsigned>{2, 3}));
    EXPECT_EQ(s.labels, (std::vector<float>{0, 1, 1, 1, 0}));
    EXPECT_EQ(s.features, (std::vector<float>{1, 1, 2, 2, 4, 4, 5, 5, 6, 6}));
}

/// Queries of 10 rows; the relevant row is the one whose two features agree in sign (an XOR:
/// no single split separates it, a depth-2 tree does).
RankingData xor_data(std::size_t queries, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0F, 1.0F);
    RankingData data;
    data.num_features = 2;
    for (std::size_t q = 0; q < queries; ++q) {
        const std::size_t relevant = rng() % 10;
        for (std::size_t r = 0; r < 10; ++r) {
            const float x = std::abs(u(rng)) + 0.1F;
            const float y = std::abs(u(rng)) + 0.1F;
            const bool agree = r == relevant;
            const float sx = (rng() % 2 != 0U) ? 1.0F : -1.0F;
            data.features.push_back(sx * x);
            data.features.push_back((agree ? sx : -sx) * y);
            data.labels.push_back(agree ? 1.0F : 0.0F);
        }
        data.groups.push_back(10);
    }
    return data;
}

TEST(CrossValidate, PicksTheDepthThatCanLearnTheTarget) {
    const RankingData data = xor_data(60, 5);
    std::vector<std::size_t> fold(data.num_queries());
    for (std::size_t q = 0; q < fold.size(); ++q) {
        fold[q] = q % 3;
    }
    LambdaMartParams params;
    params.eta = 0.3;
    params.min_child_weight = 0.1;
    CvOptions options;
    options.folds = 3;
    options.depths = {1, 3};
    options.rounds = {1, 30};
    std::vector<std::pair<int, std::size_t>> calls;
    const CvResult cv = cross_validate(data, fold, params, options,
                                       [&](int d, std::size_t f) { calls.emplace_back(d, f); });
    ASSERT_EQ(cv.settings.size(), 4U);
    EXPECT_EQ(calls.size(), 6U);  // one training per (depth, fold)
    EXPECT_EQ(cv.fold_sizes, (std::vector<std::size_t>{20, 20, 20}));
    for (const CvSetting& s : cv.settings) {
        EXPECT_EQ(s.fold_ndcg.size(), 3U);
    }
    // Stumps cannot express the XOR; depth 3 with 30 rounds can.
    EXPECT_EQ(cv.settings[cv.chosen].max_depth, 3);
    EXPECT_EQ(cv.settings[cv.chosen].rounds, 30U);
    EXPECT_GT(cv.settings[cv.chosen].mean, cv.settings[1].mean + 0.2) << "depth 1, 30 rounds";
    EXPECT_GT(cv.settings[cv.chosen].mean, 0.9);
    // Deterministic.
    const CvResult again = cross_validate(data, fold, params, options);
    EXPECT_EQ(again.settings[cv.chosen].fold_ndcg, cv.settings[cv.chosen].fold_ndcg);
}

}  // namespace
}  // namespace cascade::rerank::ltr
