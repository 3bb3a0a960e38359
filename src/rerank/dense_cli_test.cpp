// The dense part end to end through the `cascade` binary: vectors imported (JSONL with ids)
// or made by an embedder, `cascade search --dense`, the `dense` first stage and re-scoring
// stage, `prf_vector`, hybrid fusion, and the errors a user meets (missing vectors, another
// embedder, another collection), with the old dense part kept on failure.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "index/dense_index.hpp"
#include "index/index.hpp"
#include "tests/run_cli.hpp"

namespace cascade::rerank {
namespace {

namespace fs = std::filesystem;
using cascade::testing::run_cli;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

const char* kCorpus =
    R"({"_id": "d1", "title": "Cats", "text": "The cat sat on the mat."}
{"_id": "d2", "title": "", "text": "Dogs and cats are running."}
{"_id": "d3", "title": "Mats", "text": "A mat, a cat's mat."}
{"_id": "d4", "title": "Birds", "text": "Birds fly over the running dogs."}
)";

/// (query id, doc id) -> rank and score from a TREC run file.
std::vector<std::pair<std::string, double>> run_of(const fs::path& run, const std::string& qid) {
    std::vector<std::pair<std::string, double>> out;
    std::istringstream in(slurp(run));
    std::string q, q0, doc, tag;
    int rank = 0;
    double score = 0;
    while (in >> q >> q0 >> doc >> rank >> score >> tag)
        if (q == qid)
            out.emplace_back(doc, score);
    return out;
}

class DenseCli : public ::testing::Test {
protected:
    void SetUp() override {
        write_file(m_tmp / "corpus.jsonl", kCorpus);
        write_file(m_tmp / "queries.jsonl",
                   "{\"_id\": \"q1\", \"text\": \"cat on a mat\"}\n"
                   "{\"_id\": \"q2\", \"text\": \"running dogs\"}\n");
        auto r = run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " +
                         path("idx"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        // 2-d document vectors at angles 0, 30, 90, 180 degrees; ids out of order.
        write_file(m_tmp / "docs.jsonl",
                   "{\"id\": \"d3\", \"vector\": [0, 2]}\n"
                   "{\"id\": \"d1\", \"vector\": [1, 0]}\n"
                   "{\"id\": \"d4\", \"vector\": [-3, 0]}\n"
                   "{\"id\": \"d2\", \"vector\": [0.866025, 0.5]}\n");
        // q1 along 10 degrees: d1 (cos .985) > d2 (.940) > d3 (.174) > d4 (-.985);
        // q2 along 100 degrees: d3 (.985) > d2 (.342) > d4 (.174) > d1 (-.174).
        write_file(m_tmp / "qvec.jsonl",
                   "{\"id\": \"q1\", \"vector\": [0.984808, 0.173648]}\n"
                   "{\"id\": \"q2\", \"vector\": [-0.173648, 0.984808]}\n");
    }
    std::string path(const std::string& name) const { return (m_tmp / name).string(); }
    std::string search_dense(const std::string& extra, const std::string& run) {
        auto r = run_cli("search --index " + path("idx") + " --queries " + path("queries.jsonl") +
                         " --run " + path(run) + " --dense " + extra);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out;
    }

    TempDir m_tmp;
};

TEST_F(DenseCli, ImportedVectorsRankByCosine) {
    auto r = run_cli("index --quiet --index " + path("idx") + " --vectors " + path("docs.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("4 vectors of 2 floats"), std::string::npos) << r.out;
    for (const std::string method : {"exact", "int8", "hnsw", "hnsw-int8"}) {
        search_dense("--dense-method " + method + " --query-vectors " + path("qvec.jsonl"),
                     method + ".run");
        const auto q1 = run_of(m_tmp / (method + ".run"), "q1");
        ASSERT_EQ(q1.size(), 4U) << method;
        EXPECT_EQ(q1[0].first, "d1");
        EXPECT_EQ(q1[1].first, "d2");
        EXPECT_EQ(q1[2].first, "d3");
        EXPECT_EQ(q1[3].first, "d4");
        EXPECT_NEAR(q1[0].second, std::cos(10 * M_PI / 180), 1e-4);
        EXPECT_NEAR(q1[1].second, std::cos(20 * M_PI / 180), 1e-4);
        EXPECT_NEAR(q1[3].second, -std::cos(10 * M_PI / 180), 1e-4);
        const auto q2 = run_of(m_tmp / (method + ".run"), "q2");
        ASSERT_EQ(q2.size(), 4U);
        EXPECT_EQ(q2[0].first, "d3");  // 10 degrees away
        EXPECT_EQ(q2[1].first, "d2");  // 70
        EXPECT_EQ(q2[2].first, "d4");  // 80
        EXPECT_EQ(q2[3].first, "d1");  // 100
    }
}

TEST_F(DenseCli, DenseStagesPrfAndHybridInAPipeline) {
    ASSERT_EQ(run_cli("index --quiet --index " + path("idx") + " --vectors " + path("docs.jsonl"))
                  .exit_code,
              0);
    const std::string qv = path("qvec.jsonl");
    // BM25 first, then re-scored by the dense part: the same order as dense retrieval over the
    // documents BM25 found.
    write_file(m_tmp / "rescore.yaml",
               "first_stage: {type: bm25, k: 10}\nstages:\n  - {type: dense, query_vectors: " + qv +
                   "}\n");
    // prf_vector with alpha 0, beta 1 and one feedback document: the query becomes the top
    // document's vector, so that document scores 1 and the rest their cosine with it.
    write_file(m_tmp / "prf.yaml",
               "first_stage: {type: dense, method: exact, query_vectors: " + qv +
                   "}\nstages:\n  - {type: prf_vector, fb_docs: 1, alpha: 0, beta: 1, "
                   "query_vectors: " +
                   qv + "}\n");
    write_file(m_tmp / "hybrid.yaml",
               "first_stages:\n  - {type: bm25, k: 10}\n  - {type: dense, k: 10, query_vectors: " +
                   qv + "}\nstages:\n  - {type: fusion, method: rrf}\n");
    for (const std::string p : {"rescore", "prf", "hybrid"}) {
        auto r = run_cli("run --pipeline " + path(p + ".yaml") + " --index " + path("idx") +
                         " --queries " + path("queries.jsonl") + " --run " + path(p + ".run"));
        ASSERT_EQ(r.exit_code, 0) << p << ": " << r.err;
    }
    const auto rescored = run_of(m_tmp / "rescore.run", "q1");
    ASSERT_FALSE(rescored.empty());
    for (std::size_t i = 1; i < rescored.size(); ++i)
        EXPECT_GE(rescored[i - 1].second, rescored[i].second);
    EXPECT_EQ(rescored[0].first, "d1");
    const auto prf = run_of(m_tmp / "prf.run", "q1");
    ASSERT_EQ(prf.size(), 4U);
    EXPECT_EQ(prf[0].first, "d1");
    EXPECT_NEAR(prf[0].second, 1.0, 1e-5);
    EXPECT_NEAR(prf[1].second, std::cos(30 * M_PI / 180), 1e-4);  // d2 against d1
    EXPECT_NEAR(prf[3].second, -1.0, 1e-5);                       // d4 against d1
    // Hybrid: every document either branch found, fused.
    EXPECT_EQ(run_of(m_tmp / "hybrid.run", "q1").size(), 4U);
}

TEST_F(DenseCli, VectorQeExpandsWithReciprocalNeighboursOnly) {
    // d1 at 0 degrees, d2 at 5, d3 at 90, d4 at 180; the query at 45 degrees. Its nearest, d2,
    // has d1 nearer than the query, so with qe_k 1 d2 is not a reciprocal neighbour and the
    // query stays as it is; without the reciprocal check it moves toward d2.
    write_file(m_tmp / "v.jsonl",
               "{\"id\": \"d1\", \"vector\": [1, 0]}\n"
               "{\"id\": \"d2\", \"vector\": [0.996195, 0.087156]}\n"
               "{\"id\": \"d3\", \"vector\": [0, 1]}\n"
               "{\"id\": \"d4\", \"vector\": [-1, 0]}\n");
    write_file(m_tmp / "q.jsonl",
               "{\"id\": \"q1\", \"vector\": [0.707107, 0.707107]}\n"
               "{\"id\": \"q2\", \"vector\": [0.707107, 0.707107]}\n");
    ASSERT_EQ(
        run_cli("index --quiet --index " + path("idx") + " --vectors " + path("v.jsonl")).exit_code,
        0);
    for (const std::string reciprocal : {"true", "false"}) {
        write_file(m_tmp / "qe.yaml",
                   "first_stage: {type: dense, method: exact, query_vectors: " + path("q.jsonl") +
                       "}\nstages:\n  - {type: vector_qe, qe_k: 1, alpha: 1, "
                       "reciprocal: " +
                       reciprocal + ", query_vectors: " + path("q.jsonl") + "}\n");
        auto r = run_cli("run --pipeline " + path("qe.yaml") + " --index " + path("idx") +
                         " --queries " + path("queries.jsonl") + " --run " + path("qe.run"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto q1 = run_of(m_tmp / "qe.run", "q1");
        ASSERT_EQ(q1.size(), 4U);
        EXPECT_EQ(q1[0].first, "d2");
        if (reciprocal == "true") {
            EXPECT_NEAR(q1[0].second, 0.766044, 1e-5);
            EXPECT_NEAR(q1[1].second, 0.707107, 1e-5);  // d1 and d3 tie
            EXPECT_NEAR(q1[2].second, 0.707107, 1e-5);
        } else {
            EXPECT_NEAR(q1[0].second, 0.922135, 1e-5);
            EXPECT_EQ(q1[1].first, "d1");
            EXPECT_NEAR(q1[1].second, 0.884907, 1e-5);
            EXPECT_NEAR(q1[2].second, 0.465775, 1e-5);
        }
    }
}

TEST_F(DenseCli, AnEmbedderIndexesAndEmbedsQueriesTheSameWay) {
    const std::string model = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/bert-micro-bi";
    auto r = run_cli("index --quiet --collection " + path("corpus.jsonl") + " --index " +
                     path("idx2") + " --embedder " + model);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("dense "), std::string::npos) << r.out;
    const index::DenseIndex dense = index::DenseIndex::open(path("idx2") + "/dense");
    EXPECT_EQ(dense.embedder().rfind("model ", 0), 0U) << dense.embedder();
    // The stored vector of d1 is the normalised embedding of "Cats The cat sat on the mat."
    write_file(m_tmp / "texts.jsonl", "{\"text\": \"Cats The cat sat on the mat.\"}\n");
    r = run_cli("embed --model " + model + " --input " + path("texts.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto e = nlohmann::json::parse(r.out)["embedding"].get<std::vector<float>>();
    ASSERT_EQ(e.size(), dense.dim());
    double norm = 0;
    for (float x : e)
        norm += static_cast<double>(x) * x;
    for (std::size_t j = 0; j < e.size(); ++j)
        EXPECT_NEAR(dense.vector(0)[j], e[j] / std::sqrt(norm), 1e-5);
    // search --dense embeds the queries with the recorded model: exact and HNSW agree here.
    r = run_cli("search --index " + path("idx2") + " --queries " + path("queries.jsonl") +
                " --run " + path("e.run") + " --dense --dense-method exact");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli("search --index " + path("idx2") + " --queries " + path("queries.jsonl") +
                " --run " + path("h.run") + " --dense");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(run_of(m_tmp / "e.run", "q2"), run_of(m_tmp / "h.run", "q2"));
    // Another model is refused: queries must be embedded the way the documents were.
    r = run_cli("search --index " + path("idx2") + " --query cats --dense --embedder " +
                std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/bert-micro-ce");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("is not the model the dense part was built with"), std::string::npos)
        << r.err;
}

TEST_F(DenseCli, BadVectorsFailAndKeepTheOldDensePart) {
    ASSERT_EQ(run_cli("index --quiet --index " + path("idx") + " --vectors " + path("docs.jsonl"))
                  .exit_code,
              0);
    write_file(m_tmp / "short.jsonl", "{\"id\": \"d1\", \"vector\": [1, 0, 0]}\n");
    auto r = run_cli("index --quiet --index " + path("idx") + " --vectors " + path("short.jsonl"));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("no vector for document 'd2'"), std::string::npos) << r.err;
    write_file(m_tmp / "unknown.jsonl", "{\"id\": \"zz\", \"vector\": [1, 0]}\n");
    r = run_cli("index --quiet --index " + path("idx") + " --vectors " + path("unknown.jsonl"));
    EXPECT_NE(r.err.find("'zz' is not a document"), std::string::npos) << r.err;
    // The first dense part is still there, whole.
    const index::DenseIndex dense = index::DenseIndex::open(path("idx") + "/dense");
    EXPECT_EQ(dense.dim(), 2U);
    // Query vectors of the wrong size, and a dense part copied next to another collection.
    write_file(m_tmp / "q3.jsonl", "{\"id\": \"q1\", \"vector\": [1, 0, 0]}\n");
    r = run_cli("search --index " + path("idx") + " --query x --dense --query-vectors " +
                path("q3.jsonl"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("3-d vectors, the dense part holds 2-d"), std::string::npos) << r.err;
    write_file(m_tmp / "other.jsonl", "{\"_id\": \"x1\", \"title\": \"\", \"text\": \"a b\"}\n");
    ASSERT_EQ(
        run_cli("index --quiet --collection " + path("other.jsonl") + " --index " + path("other"))
            .exit_code,
        0);
    fs::copy(m_tmp / "idx" / "dense", m_tmp / "other" / "dense");
    r = run_cli("search --index " + path("other") + " --queries " + path("queries.jsonl") +
                " --run " + path("o.run") + " --dense --query-vectors " + path("qvec.jsonl"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("built for another collection"), std::string::npos) << r.err;
    // Imported vectors give no way to embed a typed query: the message says what to pass.
    r = run_cli("search --index " + path("idx") + " --query x --dense");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("query_vectors"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cascade::rerank
