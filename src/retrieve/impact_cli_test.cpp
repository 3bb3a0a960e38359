// Learned-sparse retrieval end to end through the `cascade` binary, on the committed fixture
// src/retrieve/testdata/impact/ (Pyserini-style JSONL with float weights, a pre-tokenised TSV
// and a JSONL query file): `cascade index --impact-vectors` alone, with --collection and on an
// existing index; `cascade search --impact` with every algorithm, whose run must equal the
// scores this test computes itself from the fixture (auto quantisation of float weights =
// round-half-even(w x 100), score = sum of float(query weight x impact) in query order); and the
// errors a user meets, each message checked.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.hpp"

namespace cascade::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(CASCADE_SOURCE_DIR) / "src/retrieve/testdata/impact";

using Vector = std::vector<std::pair<std::string, double>>;

/// The fixture's documents: id -> term -> impact under auto quantisation (float weights:
/// scale:100, ties to even; zero impacts dropped).
std::map<std::string, std::map<std::string, std::uint32_t>> fixture_impacts() {
    std::map<std::string, std::map<std::string, std::uint32_t>> docs;
    std::istringstream in(slurp(kData / "docs.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        auto& v = docs[j["id"].get<std::string>()];
        for (const auto& [term, w] : j["vector"].items()) {
            const double impact = std::nearbyint(w.get<double>() * 100);
            if (impact > 0) {
                v[term] = static_cast<std::uint32_t>(impact);
            }
        }
    }
    return docs;
}

/// Expected run lines "qid docid score" (score as %.6f) for one query vector, top k.
std::vector<std::string> expected_run(const std::string& qid, const Vector& query, std::size_t k) {
    std::vector<std::pair<std::string, float>> scored;
    for (const auto& [id, v] : fixture_impacts()) {
        double sum = 0.0;
        bool matched = false;
        for (const auto& [term, w] : query) {
            const auto it = v.find(term);
            if (it != v.end()) {
                sum += static_cast<double>(static_cast<float>(w) * static_cast<float>(it->second));
                matched = true;
            }
        }
        if (matched) {
            scored.emplace_back(id, static_cast<float>(sum));
        }
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < std::min(k, scored.size()); ++i) {
        char score[64];
        std::snprintf(score, sizeof score, "%.6f", static_cast<double>(scored[i].second));
        out.push_back(qid + " " + scored[i].first + " " + score);
    }
    return out;
}

/// "qid docid score" of every line of a run file.
std::vector<std::string> run_lines(const fs::path& run) {
    std::vector<std::string> out;
    std::istringstream in(slurp(run));
    std::string qid, q0, doc, rank, score, tag;
    while (in >> qid >> q0 >> doc >> rank >> score >> tag) {
        out.push_back(qid + " " + doc + " " + score);
    }
    return out;
}

/// The query vectors of the fixture's two query files.
std::map<std::string, Vector> fixture_queries() {
    std::map<std::string, Vector> queries;
    std::istringstream tsv(slurp(kData / "queries.tsv"));
    std::string line;
    while (std::getline(tsv, line)) {
        const std::string qid = line.substr(0, line.find('\t'));
        std::istringstream terms(line.substr(line.find('\t') + 1));
        Vector& v = queries["tsv:" + qid];
        std::string t;
        while (terms >> t) {
            auto it = std::find_if(v.begin(), v.end(), [&](const auto& p) { return p.first == t; });
            if (it == v.end()) {
                v.emplace_back(t, 1.0);
            } else {
                it->second += 1.0;
            }
        }
    }
    std::istringstream jsonl(slurp(kData / "queries.jsonl"));
    while (std::getline(jsonl, line)) {
        const auto j = nlohmann::json::parse(line);
        Vector& v = queries["jsonl:" + j["id"].get<std::string>()];
        for (const auto& [term, w] : j["vector"].items()) {
            v.emplace_back(term, w.get<double>());
        }
    }
    return queries;
}

class ImpactCli : public ::testing::Test {
protected:
    std::string path(const std::string& name) const { return (m_tmp / name).string(); }
    static std::string data(const std::string& name) { return (kData / name).string(); }

    /// Runs `cascade search --impact` over `queries` (a fixture file) for every algorithm and
    /// checks the runs against the expected scores.
    void check_search(const std::string& index, const std::string& queries,
                      const std::string& prefix) {
        const auto vectors = fixture_queries();
        std::vector<std::string> expected;
        for (const auto& [key, v] : vectors) {
            if (key.rfind(prefix, 0) == 0) {
                for (auto& l : expected_run(key.substr(prefix.size()), v, 5)) {
                    expected.push_back(std::move(l));
                }
            }
        }
        // Queries come in id order from the map, as the run file lists them.
        ASSERT_GT(expected.size(), 8U);
        for (const std::string algorithm : {"exhaustive", "maxscore", "wand", "bmw", "bmm"}) {
            auto r =
                run_cli("search --index " + index + " --impact --queries " + data(queries) +
                        " --run " + path(algorithm + ".run") + " --k 5 --algorithm " + algorithm);
            ASSERT_EQ(r.exit_code, 0) << r.err;
            EXPECT_NE(r.out.find("algorithm\timpact " + algorithm), std::string::npos) << r.out;
            EXPECT_EQ(run_lines(path(algorithm + ".run")), expected)
                << algorithm << " over " << queries;
        }
    }

    TempDir m_tmp;
};

TEST_F(ImpactCli, VectorsAloneBuildTheIndexAndItsImpactPart) {
    auto r =
        run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + data("docs.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("index " + path("idx") + ": 12 docs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("quantize scale:100"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 weight(s) quantised to 0 were dropped"), std::string::npos) << r.out;
    check_search(path("idx"), "queries.tsv", "tsv:");
    check_search(path("idx"), "queries.jsonl", "jsonl:");
    // The contents became the BM25 index's documents.
    write_file(m_tmp / "text.tsv", "t1\tprinting press\n");
    r = run_cli("search --index " + path("idx") + " --queries " + path("text.tsv") + " --run " +
                path("bm25.run"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto bm25 = run_lines(path("bm25.run"));
    ASSERT_FALSE(bm25.empty());
    EXPECT_EQ(bm25[0].substr(0, 9), "t1 doc05 ");
}

TEST_F(ImpactCli, WithACollectionOrAddedToAnExistingIndex) {
    // A BEIR-style collection with the same ids, in another order.
    std::string corpus;
    for (const auto& [id, v] : fixture_impacts()) {
        corpus += "{\"_id\": \"" + id + "\", \"title\": \"\", \"text\": \"words of " + id + "\"}\n";
    }
    write_file(m_tmp / "corpus.jsonl", corpus);
    auto r =
        run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " + path("a") +
                " --impact-vectors " + data("docs.jsonl") + " --quantize scale:100");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The file swaps doc05 and doc06: read through memory into the index's order.
    EXPECT_NE(r.out.find("were not in index order"), std::string::npos) << r.out;
    check_search(path("a"), "queries.tsv", "tsv:");

    r = run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " + path("c"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string manifest = slurp(m_tmp / "c" / "manifest");
    r = run_cli("index --quiet --index " + path("c") + " --impact-vectors " + data("docs.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("index " + path("c") + ":"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("impact " + path("c") + ": 12 docs"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(m_tmp / "c" / "manifest"), manifest);  // the inverted files are untouched
    check_search(path("c"), "queries.jsonl", "jsonl:");
}

TEST_F(ImpactCli, BadInputIsRefusedWithMessagesAndTheIndexKept) {
    ASSERT_EQ(
        run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + data("docs.jsonl"))
            .exit_code,
        0);
    const std::string before = slurp(m_tmp / "idx" / "impact" / "impact.meta");
    std::string docs = slurp(kData / "docs.jsonl");
    // Line 3 made negative, an unknown id, a document left out, NaN, a bad --quantize.
    std::string negative = docs;
    negative.replace(negative.find("\"yoga\": "), 8, "\"yoga\": -");
    write_file(m_tmp / "neg.jsonl", negative);
    auto r =
        run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + path("neg.jsonl"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(path("neg.jsonl") + ":3: vector term 'yoga': negative weight -0.644"),
              std::string::npos)
        << r.err;
    write_file(m_tmp / "extra.jsonl", docs + "{\"id\": \"doc99\", \"vector\": {\"cat\": 1}}\n");
    r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " +
                path("extra.jsonl"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(":13: id 'doc99' is not a document of the index"), std::string::npos)
        << r.err;
    write_file(m_tmp / "short.jsonl", docs.substr(docs.find('\n') + 1));
    r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " +
                path("short.jsonl"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("1 document(s) of the index have no vector: 'doc01'"), std::string::npos)
        << r.err;
    std::string nan = docs;
    nan.replace(nan.find("0.546"), 5, "NaN");
    write_file(m_tmp / "nan.jsonl", nan);
    r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + path("nan.jsonl"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(":1: invalid JSON"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("NaN and Infinity are not JSON numbers"), std::string::npos) << r.err;
    r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + data("docs.jsonl") +
                " --quantize none");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(":1: vector term 'cat': weight 0.546 is not a whole number"),
              std::string::npos)
        << r.err;
    r = run_cli("index --quiet --index " + path("idx") + " --impact-vectors " + data("docs.jsonl") +
                " --quantize linear:40");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--quantize 'linear:40'"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(m_tmp / "idx" / "impact" / "impact.meta"), before);

    // Searching: no impact part, a malformed query file.
    write_file(m_tmp / "corpus.jsonl", "{\"_id\": \"x\", \"text\": \"cat\"}\n");
    ASSERT_EQ(
        run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " + path("bm25"))
            .exit_code,
        0);
    r = run_cli("search --index " + path("bm25") + " --impact --queries " + data("queries.tsv") +
                " --run " + path("x.run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no impact part here"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--impact-vectors"), std::string::npos) << r.err;
    write_file(m_tmp / "bad.tsv", "q1\tcat\nq2 cat\n");
    r = run_cli("search --index " + path("idx") + " --impact --queries " + path("bad.tsv") +
                " --run " + path("x.run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(path("bad.tsv") + ":2: expected qid<TAB>terms"), std::string::npos)
        << r.err;
    r = run_cli("search --index " + path("idx") + " --impact --dense --queries " +
                data("queries.tsv") + " --run " + path("x.run"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--dense and --impact exclude each other"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::testing
