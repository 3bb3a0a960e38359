// Impact retrieval: on a synthetic SPLADE-like collection imported through the real path (JSONL
// -> impact part), every top-k algorithm returns exactly what exhaustive evaluation and a naive
// oracle return (documents, scores and order, ties by external id); an imported JSONL file's
// scores equal the sums computed by hand; re-scoring gives the first stage's scores.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "index/builder.hpp"
#include "index/impact_builder.hpp"
#include "index/impact_index.hpp"
#include "index/test_support.hpp"
#include "retrieve/impact_retriever.hpp"
#include "retrieve/impact_synth.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {
namespace {

namespace fs = std::filesystem;
using cascade::testing::TempDir;
using cascade::testing::write_file;

constexpr Algorithm kAlgorithms[] = {Algorithm::exhaustive, Algorithm::maxscore, Algorithm::wand,
                                     Algorithm::block_max_wand, Algorithm::block_max_maxscore};

/// Builds a main index of `ids` (in that docid order) and imports `vectors_jsonl` into it.
void build(const fs::path& dir, const std::vector<std::string>& ids,
           const std::string& vectors_jsonl, const std::string& quantize = "auto") {
    std::vector<Document> docs;
    for (const std::string& id : ids) {
        docs.push_back({id, "", "text of " + id});
    }
    index::testing::VectorReader reader(docs);
    index::BuildOptions options;
    options.progress = false;
    index::build_index(reader, index::testing::WhitespaceAnalyzer(), dir, options);
    const index::Index main = index::Index::open(dir);
    index::ImpactBuildOptions impact;
    impact.vectors = vectors_jsonl;
    impact.quantize = quantize;
    impact.progress = false;
    (void)index::add_impact_part(main, dir, impact);
}

/// A query source that hands out fixed vectors by position.
class FixedVectors final : public QueryVectorSource {
public:
    explicit FixedVectors(std::vector<ImpactQuery> v) : m_v(std::move(v)) {}
    [[nodiscard]] std::vector<ImpactQuery> vectors(std::span<const Query> queries) const override {
        std::vector<ImpactQuery> out;
        for (const Query& q : queries) {
            out.push_back(m_v.at(std::stoul(q.id)));
        }
        return out;
    }
    [[nodiscard]] std::string describe() const override { return "fixed"; }

private:
    std::vector<ImpactQuery> m_v;
};

/// The naive oracle: every document's sum over the query's terms of float(weight x impact),
/// in query order, in double, rounded once (TermScoreSum's definition), sorted by score and
/// then external id.
std::vector<std::pair<std::string, float>> oracle(
    const std::map<std::string, std::map<std::string, std::uint32_t>>& docs,
    const ImpactQuery& query, std::size_t k) {
    std::vector<std::pair<std::string, float>> all;
    for (const auto& [id, v] : docs) {
        double sum = 0.0;
        bool matched = false;
        for (const ImpactTerm& t : query) {
            const auto it = v.find(t.term);
            if (it != v.end() && t.weight > 0) {
                sum += static_cast<double>(t.weight * static_cast<float>(it->second));
                matched = true;
            }
        }
        if (matched) {
            all.emplace_back(id, static_cast<float>(sum));
        }
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    all.resize(std::min(all.size(), k));
    return all;
}

std::vector<std::pair<std::string, float>> named(const ImpactRetriever& r,
                                                 const std::vector<Hit>& hits) {
    std::vector<std::pair<std::string, float>> out;
    for (const Hit& h : hits) {
        out.emplace_back(std::string(r.external_id(h.docid)), h.score);
    }
    return out;
}

TEST(ImpactRetrieval, EveryAlgorithmEqualsExhaustiveOnASyntheticSpladeCollection) {
    synth::SyntheticOptions o;
    o.docs = 3000;
    o.vocabulary = 4000;
    o.topics = 60;
    o.topic_terms = 150;
    const synth::SyntheticCollection collection(o);
    // External ids whose byte order differs from the docid order, so ties are broken by ids.
    std::vector<std::string> ids;
    std::map<std::string, std::map<std::string, std::uint32_t>> docs;
    std::string jsonl;
    std::vector<std::uint32_t> terms;
    std::vector<std::uint32_t> impacts;
    std::size_t postings = 0;
    for (std::uint32_t d = 0; d < o.docs; ++d) {
        ids.push_back(fmt::format("doc{}", (d * 7919U) % o.docs));
        collection.document(d, terms, impacts);
        ASSERT_GE(terms.size(), o.min_terms);
        ASSERT_LE(terms.size(), o.max_terms);
        std::string vector;
        for (std::size_t i = 0; i < terms.size(); ++i) {
            const std::string name = synth::SyntheticCollection::term_name(terms[i]);
            docs[ids.back()][name] = impacts[i];
            vector += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ", name, impacts[i]);
        }
        postings += terms.size();
        jsonl += fmt::format("{{\"id\": \"{}\", \"vector\": {{{}}}}}\n", ids.back(), vector);
    }
    TempDir tmp;
    write_file(tmp / "docs.jsonl", jsonl);
    build(tmp / "idx", ids, (tmp / "docs.jsonl").string());
    const index::Index main = index::Index::open(tmp / "idx");
    auto part = std::make_shared<const index::ImpactIndex>(
        index::ImpactIndex::open(index::impact_dir(tmp / "idx")));
    EXPECT_EQ(part->meta().quantizer, "none");  // integer impacts kept as they are
    EXPECT_EQ(part->field().stats().num_postings, postings);

    std::vector<ImpactQuery> queries;
    std::vector<std::uint32_t> qterms;
    std::vector<float> qweights;
    for (std::uint32_t i = 0; i < 60; ++i) {
        collection.query(i, qterms, qweights);
        ASSERT_GE(qterms.size(), o.min_query_terms);
        ASSERT_LE(qterms.size(), o.max_query_terms);
        ImpactQuery q;
        for (std::size_t t = 0; t < qterms.size(); ++t) {
            // Every third query on a coarse grid of weights, where ties abound.
            const float w = i % 3 == 0 ? static_cast<float>(1 + qterms[t] % 3) : qweights[t];
            q.push_back({synth::SyntheticCollection::term_name(qterms[t]), w});
        }
        if (i % 10 == 0) {
            q.push_back({"absent-term", 2.0F});
            q.push_back({q.front().term + "x", 0.0F});
        }
        queries.push_back(std::move(q));
    }
    const ImpactRetriever retriever(main, part, std::make_shared<FixedVectors>(queries),
                                    Algorithm::maxscore);
    std::size_t compared = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto full = oracle(docs, queries[i], 1000);
        for (const std::size_t k :
             {std::size_t{1}, std::size_t{10}, std::size_t{100}, std::size_t{1000}}) {
            const std::vector<std::pair<std::string, float>> expected(
                full.begin(), full.begin() + static_cast<std::ptrdiff_t>(std::min(k, full.size())));
            const std::vector<Hit> exhaustive =
                retriever.search_vector(queries[i], k, Algorithm::exhaustive);
            ASSERT_EQ(named(retriever, exhaustive), expected) << "query " << i << " k " << k;
            for (const Algorithm a : kAlgorithms) {
                EXPECT_EQ(retriever.search_vector(queries[i], k, a), exhaustive)
                    << algorithm_name(a) << " query " << i << " k " << k;
            }
            compared += expected.size();
        }
        if (HasFailure()) {
            break;
        }
    }
    EXPECT_GT(compared, 40000U);
    // The batch entry point (query ids index FixedVectors) gives the same lists.
    const std::vector<Query> batch = {{"0", ""}, {"1", ""}};
    const auto results = retriever.search(batch, 10);
    EXPECT_EQ(results[1], retriever.search_vector(queries[1], 10, Algorithm::maxscore));
}

TEST(ImpactRetrieval, ImportedScoresAreTheSumsComputedByHand) {
    TempDir tmp;
    write_file(
        tmp / "docs.jsonl",
        "{\"id\": \"d2\", \"contents\": \"b\", \"vector\": {\"cat\": 0.01, \"mat\": 0.05}}\n"
        "{\"id\": \"d1\", \"contents\": \"a\", \"vector\": {\"cat\": 0.031, \"sat\": 0.014}}\n"
        "{\"id\": \"d3\", \"contents\": \"c\", \"vector\": {\"dog\": 0.02, \"cat\": 0.02, "
        "\"z\": 0.004}}\n");
    // scale:100: cat 3 / sat 1 (d1), cat 1 / mat 5 (d2), dog 2 / cat 2 (d3); z rounds to 0.
    build(tmp / "idx", {"d1", "d2", "d3"}, (tmp / "docs.jsonl").string(), "scale:100");
    write_file(tmp / "q.tsv", "q1\tcat cat mat\nq3\tz\n");
    write_file(tmp / "q.jsonl", "{\"id\": \"q2\", \"vector\": {\"cat\": 0.5, \"dog\": 1.25}}\n");
    const index::Index main = index::Index::open(tmp / "idx");
    auto part = std::make_shared<const index::ImpactIndex>(
        index::ImpactIndex::open(index::impact_dir(tmp / "idx")));
    EXPECT_EQ(part->meta().dropped_postings, 1U);
    for (const Algorithm a : kAlgorithms) {
        const ImpactRetriever tsv(main, part,
                                  std::make_shared<FileQueryVectors>((tmp / "q.tsv").string()), a);
        const auto r1 = tsv.search(std::vector<Query>{{"q1", ""}, {"q3", ""}}, 10);
        // q1 = cat x2 + mat x1: d2 = 2*1 + 5 = 7, d1 = 2*3 = 6, d3 = 2*2 = 4.
        EXPECT_EQ(named(tsv, r1[0]), (std::vector<std::pair<std::string, float>>{
                                         {"d2", 7.0F}, {"d1", 6.0F}, {"d3", 4.0F}}));
        EXPECT_TRUE(r1[1].empty());  // z's only posting was dropped
        const ImpactRetriever jsonl(
            main, part, std::make_shared<FileQueryVectors>((tmp / "q.jsonl").string()), a);
        const auto r2 = jsonl.search(std::vector<Query>{{"q2", ""}}, 2);
        // q2: d3 = 0.5*2 + 1.25*2 = 3.5, d1 = 0.5*3 = 1.5, d2 = 0.5 (cut by k = 2).
        EXPECT_EQ(named(jsonl, r2[0]),
                  (std::vector<std::pair<std::string, float>>{{"d3", 3.5F}, {"d1", 1.5F}}));
        EXPECT_THROW((void)jsonl.search(std::vector<Query>{{"q9", ""}}, 2), InputError);
    }
    const ImpactRetriever text(main, part, std::make_shared<PretokenizedQueryVectors>(),
                               Algorithm::wand);
    const auto r = text.search(std::vector<Query>{{"any", "mat sat sat"}}, 10);
    EXPECT_EQ(named(text, r[0]),
              (std::vector<std::pair<std::string, float>>{{"d2", 5.0F}, {"d1", 2.0F}}));
}

TEST(ImpactRetrieval, RescoringGivesTheFirstStagesScores) {
    synth::SyntheticOptions o;
    o.docs = 500;
    o.vocabulary = 1500;
    o.topics = 20;
    o.topic_terms = 100;
    const synth::SyntheticCollection collection(o);
    std::vector<std::string> ids;
    std::string jsonl;
    std::vector<std::uint32_t> terms;
    std::vector<std::uint32_t> impacts;
    for (std::uint32_t d = 0; d < o.docs; ++d) {
        ids.push_back(fmt::format("p{}", d));
        collection.document(d, terms, impacts);
        std::string vector;
        for (std::size_t i = 0; i < terms.size(); ++i) {
            vector +=
                fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ",
                            synth::SyntheticCollection::term_name(terms[i]), impacts[i] / 100.0);
        }
        jsonl += fmt::format("{{\"id\": \"{}\", \"vector\": {{{}}}}}\n", ids.back(), vector);
    }
    TempDir tmp;
    write_file(tmp / "docs.jsonl", jsonl);
    build(tmp / "idx", ids, (tmp / "docs.jsonl").string());
    const index::Index main = index::Index::open(tmp / "idx");
    auto part = std::make_shared<const index::ImpactIndex>(
        index::ImpactIndex::open(index::impact_dir(tmp / "idx")));
    EXPECT_EQ(part->meta().quantizer, "scale:100");  // float weights under auto
    const ImpactRetriever retriever(main, part, std::make_shared<PretokenizedQueryVectors>(),
                                    Algorithm::block_max_wand);
    std::vector<float> qweights;
    std::vector<std::uint32_t> qterms;
    for (std::uint32_t i = 0; i < 10; ++i) {
        collection.query(i, qterms, qweights);
        ImpactQuery q;
        for (std::size_t t = 0; t < qterms.size(); ++t) {
            q.push_back({synth::SyntheticCollection::term_name(qterms[t]), qweights[t]});
        }
        const std::vector<Hit> hits = retriever.search_vector(q, 50);
        std::vector<std::uint32_t> docids;
        for (const Hit& h : hits) {
            docids.push_back(h.docid);
        }
        std::reverse(docids.begin(), docids.end());
        docids.push_back(docids.back());  // repeats are scored again
        const std::vector<float> scores = retriever.score(q, docids);
        for (std::size_t j = 0; j < hits.size(); ++j) {
            EXPECT_EQ(scores[hits.size() - 1 - j], hits[j].score);
        }
        EXPECT_EQ(scores.back(), hits.front().score);
        // A document without any query term scores 0.
        const ImpactQuery nothing = {{"absent", 1.0F}};
        EXPECT_EQ(retriever.score(nothing, docids), std::vector<float>(docids.size(), 0.0F));
    }
}

}  // namespace
}  // namespace cascade::retrieve
