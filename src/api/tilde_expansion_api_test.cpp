// TILDEv2 with document expansion through the public API: add_tilde_part with a TILDE
// expansion model (the random-weight SPLADE golden folder relabelled BertLMHeadModel, same
// vocabulary as tilde-tiny) or with ielab/TILDE's expanded-collection JSONL; the tilde stage
// scores a document by a token only its expansion holds; bad expansion input is refused with
// the file and line.

#include <gtest/gtest.h>

#include <cascade/error.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/token_index.hpp>

#include <fstream>
#include <random>
#include <sstream>

namespace cascade {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(CASCADE_SOURCE_DIR) / "tests/golden/model";

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::vector<std::pair<std::string, std::string>> kDocs = {
    {"d1", "the cat sat on the mat"},
    {"d2", "the river bank pays interest on a deposit account"},
    {"d3", "sparse retrieval and dense retrieval with a learned model"},
    {"d4", "paris is the capital city of france"},
};

class TildeExpansionTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        m_dir = fs::temp_directory_path() / ("cascade_tilde_exp_" + std::to_string(rd()));
        fs::create_directories(m_dir / "expander");
        std::string corpus;
        for (const auto& [id, text] : kDocs)
            corpus += "{\"_id\": \"" + id + "\", \"title\": \"\", \"text\": \"" + text + "\"}\n";
        write_file(m_dir / "corpus.jsonl", corpus);
        IndexBuildOptions build;
        build.progress = false;
        (void)Index::build((m_dir / "corpus.jsonl").string(), m_dir / "idx", build);
        for (const auto& e : fs::directory_iterator(kGolden / "splade-tiny"))
            fs::copy_file(e.path(), m_dir / "expander" / e.path().filename());
        std::string config = read_file(m_dir / "expander" / "config.json");
        const auto at = config.find("BertForMaskedLM");
        ASSERT_NE(at, std::string::npos);
        config.replace(at, std::string("BertForMaskedLM").size(), "BertLMHeadModel");
        write_file(m_dir / "expander" / "config.json", config);
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }

    [[nodiscard]] TokenIndexOptions options() const {
        TokenIndexOptions o;
        o.model.dir = kGolden / "tilde-tiny";
        o.progress = false;
        return o;
    }

    [[nodiscard]] cascade::Run run(const std::vector<Query>& queries) const {
        const fs::path file = m_dir / "p.yaml";
        write_file(file,
                   "name: t\nfirst_stage: {type: bm25, k: 100}\nstages:\n"
                   "  - {type: tilde, k: 100}\n");
        const Index index = Index::open(m_dir / "idx");
        return Pipeline::load(file, index).run(queries).run;
    }

    fs::path m_dir;
};

TEST_F(TildeExpansionTest, ExpansionModelAddsTokensAndIsRecorded) {
    const TokenIndexReport plain = add_tilde_part(m_dir / "idx", options());
    EXPECT_TRUE(plain.expansion.empty());
    TokenIndexOptions o = options();
    o.expansion.dir = m_dir / "expander";
    const TokenIndexReport r = add_tilde_part(m_dir / "idx", o);
    EXPECT_EQ(r.num_docs, kDocs.size());
    EXPECT_EQ(r.expansion.rfind("tilde m=200 model ", 0), 0U) << r.expansion;
    EXPECT_NE(r.expansion.find("expander"), std::string::npos) << r.expansion;
    EXPECT_GT(r.tokens, plain.tokens) << "expansion added no token";
    o.expansion_terms = 1;  // m counts before filtering: the top id is often a stop word
    const TokenIndexReport one = add_tilde_part(m_dir / "idx", o);
    EXPECT_LE(one.tokens, plain.tokens + kDocs.size());
    EXPECT_EQ(one.expansion.rfind("tilde m=1 ", 0), 0U) << one.expansion;
}

TEST_F(TildeExpansionTest, TildeStageScoresAnExpansionOnlyToken) {
    ModelPool pool;
    ModelOptions mo;
    mo.dir = kGolden / "tilde-tiny";
    const TildeEncoder enc = pool.tilde_encoder(mo);
    const std::vector<std::int32_t> river = enc.query_tokens("river");
    ASSERT_EQ(river.size(), 1U);
    // ielab's expanded collection: each passage's ids, then (for d3 only) "river".
    std::string lines;
    std::vector<std::vector<std::int32_t>> psgs;
    for (const auto& [id, text] : kDocs) {
        std::vector<std::int32_t> ids = enc.query_tokens(text);
        if (id == "d3")
            ids.push_back(river[0]);
        std::string list;
        for (std::int32_t t : ids)
            list += (list.empty() ? "" : ",") + std::to_string(t);
        lines += "{\"pid\": \"" + id + "\", \"psg\": [" + list + "]}\n";
        psgs.push_back(ids);
    }
    write_file(m_dir / "expanded.jsonl", lines);
    TokenIndexOptions o = options();
    o.expansion_file = m_dir / "expanded.jsonl";
    const TokenIndexReport r = add_tilde_part(m_dir / "idx", o);
    EXPECT_EQ(r.expansion, "file " + (m_dir / "expanded.jsonl").string());
    const auto weights = enc.document_weights_of_ids(psgs);
    float max_weight = 0.0F;
    float want = -1.0F;
    for (std::size_t d = 0; d < weights.size(); ++d)
        for (const WeightedToken& t : weights[d]) {
            max_weight = std::max(max_weight, t.weight);
            if (d == 2 && t.id == river[0])
                want = t.weight;
        }
    ASSERT_GE(want, 0.0F) << "river is not stored for d3";
    // "river retrieval": bm25 finds d2 (river) and d3 (retrieval); the tilde stage gives d3
    // the weight of its expansion-only "river" plus its "retrieval".
    const cascade::Run got = run({{"q", "river retrieval"}});
    double d3 = -1.0;
    for (const RunEntry& e : got.by_query.at("q"))
        if (e.docid == "d3")
            d3 = e.score;
    const std::vector<std::int32_t> q = enc.query_tokens("river retrieval");
    double expected = 0.0;
    for (std::int32_t t : q)
        for (const WeightedToken& w : weights[2])
            if (w.id == t)
                expected += w.weight;
    EXPECT_NEAR(d3, expected, max_weight / 255.0 * static_cast<double>(q.size()) + 1e-6);
    double without_river = 0.0;
    for (const WeightedToken& w : weights[2])
        if (w.id != river[0] && std::find(q.begin(), q.end(), w.id) != q.end())
            without_river += w.weight;
    EXPECT_NEAR(d3 - without_river, want, max_weight / 255.0 * 2 + 1e-6);
}

TEST_F(TildeExpansionTest, BadExpansionInputIsRefused) {
    auto message = [&](const std::string& jsonl) -> std::string {
        write_file(m_dir / "bad.jsonl", jsonl);
        TokenIndexOptions o = options();
        o.expansion_file = m_dir / "bad.jsonl";
        try {
            (void)add_tilde_part(m_dir / "idx", o);
        } catch (const InputError& e) {
            return e.what();
        }
        return "no error";
    };
    const std::string good = "{\"pid\": \"d1\", \"psg\": [40, 41]}\n";
    std::string m = message(good + "{\"pid\": \"d2\", \"psg\": [40, \"x\"]}\n");
    EXPECT_NE(m.find("bad.jsonl"), std::string::npos) << m;
    EXPECT_NE(m.find('2'), std::string::npos) << m;
    EXPECT_NE(m.find("psg"), std::string::npos) << m;
    m = message(good + "{\"pid\": [1], \"psg\": [40]}\n");
    EXPECT_NE(m.find("pid"), std::string::npos) << m;
    m = message(good + "{\"pid\": \"d2\", \"psg\": [-3]}\n");
    EXPECT_NE(m.find("-3"), std::string::npos) << m;
    m = message(good + "not json\n");
    EXPECT_NE(m.find("JSON"), std::string::npos) << m;
    m = message(good);  // d2..d4 have no line
    EXPECT_NE(m.find("d2"), std::string::npos) << m;

    TokenIndexOptions both = options();
    both.expansion.dir = m_dir / "expander";
    both.expansion_file = m_dir / "bad.jsonl";
    EXPECT_THROW((void)add_tilde_part(m_dir / "idx", both), UsageError);
    TokenIndexOptions wrong = options();
    wrong.expansion.dir = kGolden / "tilde-tiny";  // a TILDEv2 folder, not an expansion model
    try {
        (void)add_tilde_part(m_dir / "idx", wrong);
        FAIL() << "a TILDEv2 folder was taken as an expansion model";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("BertLMHeadModel"), std::string::npos) << e.what();
    }
    TokenIndexOptions zero = options();
    zero.expansion.dir = m_dir / "expander";
    zero.expansion_terms = 0;
    EXPECT_THROW((void)add_tilde_part(m_dir / "idx", zero), UsageError);
}

}  // namespace
}  // namespace cascade
