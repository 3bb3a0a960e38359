// The token-level parts end to end through the public API: an index of a few small
// documents gets a ColBERT multivector part and a TILDE part from the random-weight golden
// folders, and the `maxsim` / `tilde` pipeline stages score candidates exactly as MaxSim and
// the TILDEv2 sum computed here from the encoders' own outputs (within the storage codecs'
// error); pruned top_k equals scoring every candidate; bad parts and models are refused.

#include <gtest/gtest.h>

#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/token_index.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

namespace cascade {
namespace {

namespace fs = std::filesystem;
void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

/// A fresh folder under the system's temp dir, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        m_path = fs::temp_directory_path() / ("cascade_token_test_" + std::to_string(rd()));
        fs::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

const fs::path kGolden = fs::path(CASCADE_SOURCE_DIR) / "tests/golden/model";

// Words of the golden folders' 128-entry vocabulary, so no token is [UNK].
const std::vector<std::pair<std::string, std::string>> kDocs = {
    {"d1", "the cat sat on the mat by the river"},
    {"d2", "the river bank pays interest on a deposit account"},
    {"d3", "sparse retrieval and dense retrieval with a learned model"},
    {"d4", "late interaction: colbert token search engine"},
    {"d5", "the quick brown fox jumps over the lazy dog"},
    {"d6", "paris is the capital city of france, population 2024"},
    {"d7", "neural search with bert, splade and tilde"},
    {"d8", "money flows like water; the interest rate is 42"},
};

class TokenIndexTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string corpus;
        for (const auto& [id, text] : kDocs)
            corpus += "{\"_id\": \"" + id + "\", \"title\": \"\", \"text\": \"" + text + "\"}\n";
        write_file(m_tmp.path() / "corpus.jsonl", corpus);
        IndexBuildOptions build;
        build.progress = false;
        (void)Index::build((m_tmp.path() / "corpus.jsonl").string(), m_tmp.path() / "idx", build);
    }

    [[nodiscard]] TokenIndexOptions options(const char* folder, const char* codec = "fp16") const {
        TokenIndexOptions o;
        o.model.dir = kGolden / folder;
        o.codec = codec;
        o.progress = false;
        return o;
    }

    /// Runs `stages` (YAML list items) after a bm25 first stage keeping every document.
    [[nodiscard]] cascade::Run run(const std::string& stages,
                                   const std::vector<Query>& queries) const {
        const fs::path file = m_tmp.path() / "p.yaml";
        write_file(file, "name: t\nfirst_stage: {type: bm25, k: 100}\nstages:\n" + stages);
        const Index index = Index::open(m_tmp.path() / "idx");
        return Pipeline::load(file, index).run(queries).run;
    }

    TempDir m_tmp;
};

const std::vector<Query> kQueries = {
    {"q1", "river bank interest"}, {"q2", "sparse neural search"}, {"q3", "cat and dog on a mat"}};

/// Every document that bm25 returns for the queries above (all share a term with some doc).
std::map<std::string, std::string> texts_by_id() {
    std::map<std::string, std::string> out;
    for (const auto& [id, text] : kDocs)
        out[id] = text;
    return out;
}

TEST_F(TokenIndexTest, MaxSimStageScoresAsMaxSimOverTheEncodersVectors) {
    for (const char* codec : {"fp16", "int8"}) {
        const TokenIndexReport r =
            add_colbert_part(m_tmp.path() / "idx", options("colbert-tiny", codec));
        EXPECT_EQ(r.num_docs, kDocs.size());
        EXPECT_GT(r.tokens, kDocs.size() * 3);

        ModelPool pool;
        ModelOptions mo;
        mo.dir = kGolden / "colbert-tiny";
        const TokenEncoder enc = pool.token_encoder(mo);
        const auto texts = texts_by_id();
        const cascade::Run got = run("  - {type: maxsim, k: 100}\n", kQueries);
        ASSERT_EQ(got.by_query.size(), kQueries.size());
        const double tol = std::string(codec) == "fp16" ? 2e-3 : 2e-2;
        for (const Query& q : kQueries) {
            const std::vector<float> qv = enc.encode_queries(std::vector<std::string>{q.text})[0];
            const std::size_t dim = enc.dim();
            const auto& entries = got.by_query.at(q.id);
            ASSERT_FALSE(entries.empty());
            for (const RunEntry& e : entries) {
                const std::vector<float> dv =
                    enc.encode_documents(std::vector<std::string>{texts.at(e.docid)})[0];
                double expected = 0.0;
                for (std::size_t i = 0; i < qv.size(); i += dim) {
                    double best = -1e30;
                    for (std::size_t j = 0; j < dv.size(); j += dim) {
                        double s = 0.0;
                        for (std::size_t x = 0; x < dim; ++x)
                            s += static_cast<double>(qv[i + x]) * dv[j + x];
                        best = std::max(best, s);
                    }
                    expected += best;
                }
                EXPECT_NEAR(e.score, expected, tol * static_cast<double>(qv.size() / dim))
                    << codec << " " << q.id << " " << e.docid;
            }
            for (std::size_t i = 1; i < entries.size(); ++i)
                EXPECT_GE(entries[i - 1].score, entries[i].score);
        }
        // top_k with pruning equals the first top_k of scoring every candidate.
        const cascade::Run pruned = run("  - {type: maxsim, k: 100, top_k: 2}\n", kQueries);
        const cascade::Run unpruned =
            run("  - {type: maxsim, k: 100, top_k: 2, prune: false}\n", kQueries);
        // Each bound the stage can be told to use keeps the same top_k, bit for bit.
        const cascade::Run by_norm =
            run("  - {type: maxsim, k: 100, top_k: 2, bound: norm}\n", kQueries);
        const cascade::Run by_clusters =
            run("  - {type: maxsim, k: 100, top_k: 2, bound: clusters}\n", kQueries);
        for (const Query& q : kQueries) {
            const auto& all = got.by_query.at(q.id);
            const auto& p = pruned.by_query.at(q.id);
            const auto& u = unpruned.by_query.at(q.id);
            const auto& n = by_norm.by_query.at(q.id);
            const auto& c = by_clusters.by_query.at(q.id);
            ASSERT_EQ(p.size(), std::min<std::size_t>(2, all.size()));
            ASSERT_EQ(u.size(), p.size());
            ASSERT_EQ(n.size(), p.size());
            ASSERT_EQ(c.size(), p.size());
            for (std::size_t i = 0; i < p.size(); ++i) {
                EXPECT_EQ(p[i].docid, all[i].docid);
                EXPECT_EQ(p[i].score, all[i].score);
                EXPECT_EQ(u[i].docid, all[i].docid);
                EXPECT_EQ(n[i].docid, all[i].docid);
                EXPECT_EQ(n[i].score, all[i].score);
                EXPECT_EQ(c[i].docid, all[i].docid);
                EXPECT_EQ(c[i].score, all[i].score);
            }
        }
        EXPECT_THROW(run("  - {type: maxsim, k: 100, top_k: 2, bound: tight}\n", kQueries),
                     cascade::Error);
    }
}

TEST_F(TokenIndexTest, TildeStageSumsTheStoredWeightsOfTheQueryTokens) {
    const TokenIndexReport r = add_tilde_part(m_tmp.path() / "idx", options("tilde-tiny"));
    EXPECT_EQ(r.num_docs, kDocs.size());
    ModelPool pool;
    ModelOptions mo;
    mo.dir = kGolden / "tilde-tiny";
    const TildeEncoder enc = pool.tilde_encoder(mo);
    const auto texts = texts_by_id();
    float max_weight = 0.0F;
    for (const auto& [id, text] : kDocs) {
        const auto weights = enc.document_weights(std::vector<std::string>{text});
        for (const WeightedToken& t : weights[0])
            max_weight = std::max(max_weight, t.weight);
    }
    const double step = max_weight / 255.0;
    const cascade::Run got = run("  - {type: tilde, k: 100}\n", kQueries);
    for (const Query& q : kQueries) {
        const std::vector<std::int32_t> tokens = enc.query_tokens(q.text);
        ASSERT_FALSE(tokens.empty());
        for (const RunEntry& e : got.by_query.at(q.id)) {
            const auto weights =
                enc.document_weights(std::vector<std::string>{texts.at(e.docid)})[0];
            double expected = 0.0;
            for (std::int32_t t : tokens)
                for (const WeightedToken& w : weights)
                    if (w.id == t)
                        expected += w.weight;
            EXPECT_NEAR(e.score, expected, step / 2 * static_cast<double>(tokens.size()) + 1e-6)
                << q.id << " " << e.docid;
        }
    }
}

TEST_F(TokenIndexTest, MissingPartsAndWrongModelsAreRefused) {
    // No part yet: the stage names what to run.
    try {
        (void)run("  - {type: maxsim}\n", kQueries);
        FAIL() << "maxsim without a multivector part";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cascade index --colbert"), std::string::npos)
            << e.what();
    }
    // A folder that is not ColBERT.
    EXPECT_THROW((void)add_colbert_part(m_tmp.path() / "idx", options("tilde-tiny")), Error);
    EXPECT_THROW((void)add_colbert_part(m_tmp.path() / "idx", options("colbert-tiny", "bf16")),
                 UsageError);
    (void)add_tilde_part(m_tmp.path() / "idx", options("tilde-tiny"));
    // The part records its model: another folder is refused.
    try {
        (void)run("  - {type: tilde, model: " + (kGolden / "colbert-tiny").string() + "}\n",
                  kQueries);
        FAIL() << "tilde stage with another model";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not the model the TILDE part was built with"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace cascade
