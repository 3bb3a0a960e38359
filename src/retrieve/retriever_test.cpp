// Query construction (Anserini's bag of words after Lucene's rewrite) and the query-level
// search_terms() API against a brute-force oracle that walks every posting of the demo index.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "index/index.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "retrieve/index_cursor.hpp"
#include "retrieve/query.hpp"
#include "tests/run_cli.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {
namespace {

TEST(BagOfWords, CountsRepeatedTermsAsBoostsPerField) {
    auto analyzer = text::make_analyzer(text::AnalyzerOptions{});
    std::vector<FieldWeight> fields = {{"title", 0.5F}, {"text", 1.0F}};
    std::vector<WeightedTerm> terms =
        bag_of_words(*analyzer, "Cats chase the dog; the cat sleeps", fields);
    std::vector<WeightedTerm> expected = {
        {"title", "cat", 1.0F},   {"title", "chase", 0.5F}, {"title", "dog", 0.5F},
        {"title", "sleep", 0.5F}, {"text", "cat", 2.0F},    {"text", "chase", 1.0F},
        {"text", "dog", 1.0F},    {"text", "sleep", 1.0F},
    };
    EXPECT_EQ(terms, expected);
    EXPECT_TRUE(bag_of_words(*analyzer, "the of and", fields).empty());
    EXPECT_TRUE(bag_of_words(*analyzer, "", fields).empty());
}

TEST(FieldWeights, ParsesNamesAndWeightsAndRejectsNonsense) {
    auto f = parse_field_weights("title=1.5, text");
    ASSERT_EQ(f.size(), 2U);
    EXPECT_EQ(f[0].name, "title");
    EXPECT_EQ(f[0].weight, 1.5F);
    EXPECT_EQ(f[1].name, "text");
    EXPECT_EQ(f[1].weight, 1.0F);
    EXPECT_THROW(parse_field_weights("title,"), UsageError);
    EXPECT_THROW(parse_field_weights("title=abc"), UsageError);
    EXPECT_THROW(parse_field_weights("title=-1"), UsageError);
    EXPECT_THROW(parse_field_weights("text,text"), UsageError);
    EXPECT_THROW((void)parse_algorithm("fast"), UsageError);
}

/// Indexes the demo collection's title and text fields into `out`.
void index_demo(const std::filesystem::path& out) {
    auto demo = std::filesystem::path(CASCADE_SOURCE_DIR) / "data/scifact";
    auto r = cascade::testing::run_cli("index --quiet --fields title,text --collection " +
                                       demo.string() + " --index " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

/// Every document's score from a full walk of each clause's postings, summed in clause order.
std::vector<Hit> oracle(const index::Index& index, std::span<const WeightedTerm> terms,
                        const Bm25Params& params, std::size_t k) {
    std::map<std::uint32_t, std::vector<std::pair<std::size_t, float>>> parts;
    for (std::size_t c = 0; c < terms.size(); ++c) {
        const index::FieldIndex* field = index.find_field(terms[c].field);
        if (field == nullptr || !(terms[c].boost > 0.0F)) {
            continue;
        }
        auto info = field->term(terms[c].term);
        if (!info) {
            continue;
        }
        Bm25FieldScorer scorer(
            params, lucene_avgdl(field->stats().sum_total_term_freq, field->stats().doc_count));
        float weight =
            term_weight(terms[c].boost, lucene_idf(info->doc_freq, field->stats().doc_count));
        for (auto cur = field->postings(*info); cur.docid() < cur.sentinel(); cur.next()) {
            parts[cur.docid()].emplace_back(
                c, scorer.score(weight, cur.freq(), field->norm(cur.docid())));
        }
    }
    std::vector<Hit> all;
    for (const auto& [doc, list] : parts) {
        double sum = 0.0;
        for (const auto& [clause, s] : list) {
            sum += static_cast<double>(s);
        }
        all.push_back({doc, static_cast<float>(sum)});
    }
    std::sort(all.begin(), all.end(), [&](const Hit& a, const Hit& b) {
        return a.score > b.score ||
               (a.score == b.score && index.external_id(a.docid) < index.external_id(b.docid));
    });
    all.resize(std::min(all.size(), k));
    return all;
}

TEST(Bm25Retriever, WeightedTermQueriesMatchABruteForceOracle) {
    cascade::testing::TempDir dir;
    ASSERT_NO_FATAL_FAILURE(index_demo(dir / "ix"));
    index::Index index = index::Index::open(dir / "ix");
    const std::vector<std::string> vocabulary = {
        "cell",    "cancer",  "protein",     "gene",    "mice",  "risk", "patient", "effect",
        "increas", "express", "zzznotaword", "vitamin", "brain", "the",  "mutat"};
    std::mt19937 rng(7);
    for (Bm25Params params : {Bm25Params{}, Bm25Params{1.2F, 0.75F}}) {
        Bm25Options options;
        options.params = params;
        Bm25Retriever retriever(index, options);
        for (int iter = 0; iter < 40; ++iter) {
            std::vector<WeightedTerm> terms;
            std::size_t n = std::uniform_int_distribution<std::size_t>(1, 12)(rng);
            for (std::size_t i = 0; i < n; ++i) {
                terms.push_back({std::bernoulli_distribution(0.5)(rng) ? "title" : "text",
                                 vocabulary[std::uniform_int_distribution<std::size_t>(
                                     0, vocabulary.size() - 1)(rng)],
                                 std::uniform_real_distribution<float>(-0.2F, 3.0F)(rng)});
            }
            std::size_t k = std::vector<std::size_t>{1, 10, 100, 1000}[iter % 4];
            std::vector<Hit> expected = oracle(index, terms, params, k);
            for (Algorithm a : {Algorithm::exhaustive, Algorithm::maxscore, Algorithm::wand,
                                Algorithm::block_max_wand, Algorithm::block_max_maxscore}) {
                EXPECT_EQ(retriever.search_terms(terms, k, a), expected)
                    << algorithm_name(a) << " iter " << iter;
            }
        }
    }
}

// The floor each list names for prime_threshold(): never above its true k-th best score (k
// postings reach it), 0 for lists shorter than k, and the exact k-th best where the list has
// so few blocks that all of them are read. The demo's lists run from 1 to thousands of
// postings; the second parameter set is not the one the index chose its stored pairs for, so
// those cursors must name nothing.
TEST(Bm25IndexCursor, KthScoreFloorIsReachedByKPostings) {
    cascade::testing::TempDir dir;
    ASSERT_NO_FATAL_FAILURE(index_demo(dir / "ix"));
    index::Index index = index::Index::open(dir / "ix");
    const index::FieldIndex& field = index.field(1);
    Bm25FieldScorer scorer(
        Bm25Params{}, lucene_avgdl(field.stats().sum_total_term_freq, field.stats().doc_count));
    std::size_t exact = 0;
    std::size_t tested = 0;
    for (const char* term : {"cell", "cancer", "protein", "gene", "mice", "vitamin", "brain",
                             "mutat", "increas", "express", "studi", "risk", "patient"}) {
        auto info = field.term(term);
        ASSERT_TRUE(info.has_value()) << term;
        const float weight = lucene_idf(info->doc_freq, field.stats().doc_count);
        std::vector<float> all;
        for (auto cur = field.postings(*info); cur.docid() < cur.sentinel(); cur.next()) {
            all.push_back(scorer.score(weight, cur.freq(), field.norm(cur.docid())));
        }
        std::sort(all.begin(), all.end(), std::greater<>());
        const std::uint32_t blocks = (info->doc_freq + index::kBlockSize - 1) / index::kBlockSize;
        for (std::size_t k : {1, 2, 10, 100, 129, 1000}) {
            SCOPED_TRACE(std::string(term) + " df=" + std::to_string(info->doc_freq) +
                         " k=" + std::to_string(k));
            Bm25IndexCursor cursor(field, *info, scorer, weight, true);
            const float floor = cursor.kth_score_floor(k);
            if (all.size() < k) {
                EXPECT_EQ(floor, 0.0F);
                continue;
            }
            ++tested;
            EXPECT_GT(floor, 0.0F);
            EXPECT_LE(floor, all[k - 1]);
            const std::size_t budget = 2 * ((k + index::kBlockSize - 1) / index::kBlockSize) + 2;
            if (blocks <= budget) {
                EXPECT_EQ(floor, all[k - 1]);
                ++exact;
            }
            // The cursor it was asked on still starts at the list's first posting.
            EXPECT_EQ(cursor.docid(), field.postings(*info).docid());
            Bm25IndexCursor other(field, *info, scorer, weight, false);
            EXPECT_EQ(other.kth_score_floor(k), 0.0F);
        }
    }
    EXPECT_GT(tested, 30U);
    EXPECT_GT(exact, 10U);
    EXPECT_LT(exact, tested);  // long lists were bounded from their summaries too
}

}  // namespace
}  // namespace cascade::retrieve
