// The token-level encoders (SPLADE, ColBERT, TILDEv2) against the float64 PyTorch reference
// outputs committed under tests/golden/model/ (tests/reference/make_token_goldens.py; token ids
// from Hugging Face's tokenizer).
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/token_colbert.hpp"
#include "model/token_splade.hpp"
#include "model/token_tilde.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

const std::filesystem::path kGolden =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";

json read_golden(const std::string& name) {
    std::ifstream in(kGolden / (name + ".golden.json"));
    EXPECT_TRUE(in.good()) << name;
    return json::parse(in);
}

/// |got - want| <= tol, relative where |want| > 1.
void expect_close(std::span<const float> got, const std::vector<double>& want, double tol,
                  const std::string& where) {
    ASSERT_EQ(got.size(), want.size()) << where;
    for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_LE(std::fabs(got[i] - want[i]), tol * std::max(1.0, std::fabs(want[i])))
            << where << " element " << i << ": got " << got[i] << " want " << want[i];
}

/// A SPLADE golden case's weights as a dense vector (the golden lists the non-zero ones).
std::vector<double> dense_weights(const json& c, std::size_t vocab) {
    std::vector<double> out(vocab, 0.0);
    for (const auto& p : c.at("nonzero"))
        out.at(p[0].get<std::size_t>()) = p[1].get<double>();
    return out;
}

std::vector<double> flatten(const json& rows) {
    std::vector<double> out;
    for (const auto& r : rows)
        for (const auto& v : r)
            out.push_back(v.get<double>());
    return out;
}

/// A copy of a golden folder in a fresh temporary directory, to edit.
std::filesystem::path copy_folder(const std::string& name, const std::string& tag) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("cascade_token_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::copy(kGolden / name, dir, std::filesystem::copy_options::recursive);
    return dir;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

// ------------------------------------------------------------------------------------ SPLADE

class SpladeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SpladeGolden, TokenIdsLogitsAndWeightsMatchTheReference) {
    const json g = read_golden(GetParam());
    const double tol = g.at("tolerance").get<double>();
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    SpladeEncoder splade(kGolden / GetParam(), {.batch_size = 32, .threads = 2, .int8 = false});
    EXPECT_EQ(splade.max_length(), 512U);  // no tokenizer truncation: the position limit
    EXPECT_EQ(splade.vocab_size(), g.at("vocab_size").get<std::size_t>());
    std::vector<Encoding> encodings;
    for (const auto& c : g.at("cases")) {
        const auto& text = texts.at(c.at("text").get<std::size_t>());
        const Encoding e = splade.encode(text, c.at("max_length").get<std::size_t>());
        ASSERT_EQ(e.ids, c.at("ids").get<std::vector<std::int32_t>>()) << text;
        encodings.push_back(e);
        if (!c.contains("logit_rows"))
            continue;
        const auto logits = splade.logits(e, 1);
        const auto rows = c.at("logit_rows").get<std::vector<std::size_t>>();
        for (std::size_t r = 0; r < rows.size(); ++r)
            expect_close(
                std::span(logits).subspan(rows[r] * splade.vocab_size(), splade.vocab_size()),
                c.at("logits")[r].get<std::vector<double>>(), tol,
                GetParam() + " logits of '" + text + "' row " + std::to_string(rows[r]));
    }
    // Every case in one call: length-sorted batches and sub-batches, one and two threads.
    for (std::size_t threads : {1U, 2U}) {
        const auto weights = splade.weights(encodings, threads);
        ASSERT_EQ(weights.size(), encodings.size() * splade.vocab_size());
        for (std::size_t i = 0; i < encodings.size(); ++i)
            expect_close(std::span(weights).subspan(i * splade.vocab_size(), splade.vocab_size()),
                         dense_weights(g.at("cases")[i], splade.vocab_size()), tol,
                         GetParam() + " weights of case " + std::to_string(i));
    }
}

// Batches of 3 sequences, then each text alone: the same weights in input order.
TEST_P(SpladeGolden, SmallBatchesAndSingleTextsAgree) {
    const json g = read_golden(GetParam());
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    SpladeEncoder splade(kGolden / GetParam(), {.batch_size = 3, .threads = 1, .int8 = false});
    std::vector<Encoding> encodings;
    for (const auto& t : texts)
        encodings.push_back(splade.encode(t));
    const auto all = splade.weights(encodings, 1);
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        const auto one = splade.weights({encodings[i]}, 1);
        for (std::size_t j = 0; j < one.size(); ++j)
            ASSERT_NEAR(one[j], all[i * splade.vocab_size() + j], 1e-5) << i << " " << j;
    }
}

INSTANTIATE_TEST_SUITE_P(Folders, SpladeGolden,
                         ::testing::Values("splade-tiny", "splade-tiny-untied"));

// ----------------------------------------------------------------------------------- ColBERT

void check_queries(ColbertEncoder& colbert, const json& g, const json& cases, bool check_ids) {
    const double tol = g.at("tolerance").get<double>();
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    std::vector<Encoding> encodings;
    for (const auto& c : cases) {
        const auto& text = texts.at(c.at("text").get<std::size_t>());
        const Encoding e = colbert.encode_query(text);
        if (check_ids && c.contains("ids")) {
            ASSERT_EQ(e.ids, c.at("ids").get<std::vector<std::int32_t>>()) << text;
            if (c.contains("attention")) {
                ASSERT_EQ(e.attention_mask, c.at("attention").get<std::vector<std::int32_t>>())
                    << text;
            }
        }
        EXPECT_TRUE(colbert.is_query(e));
        EXPECT_EQ(colbert.vectors_in(e), colbert.settings().query_maxlen);
        encodings.push_back(e);
    }
    const auto vectors = colbert.vectors(encodings, 2);
    const std::size_t per = colbert.settings().query_maxlen * colbert.dim();
    ASSERT_EQ(vectors.size(), encodings.size() * per);
    for (std::size_t i = 0; i < encodings.size(); ++i)
        expect_close(std::span(vectors).subspan(i * per, per), flatten(cases[i].at("vectors")), tol,
                     "query '" + texts[cases[i].at("text").get<std::size_t>()] + "'");
}

TEST(ColbertGolden, QueriesAreAugmentedAndMatchTheReference) {
    const json g = read_golden("colbert-tiny");
    ColbertEncoder colbert(kGolden / "colbert-tiny",
                           {.batch_size = 4, .threads = 2, .int8 = false});
    EXPECT_EQ(colbert.dim(), g.at("dim").get<std::size_t>());
    EXPECT_EQ(colbert.settings().query_maxlen, g.at("query_maxlen").get<std::size_t>());
    EXPECT_EQ(colbert.settings().doc_maxlen, g.at("doc_maxlen").get<std::size_t>());
    EXPECT_TRUE(colbert.settings().from_metadata);
    check_queries(colbert, g, g.at("queries"), true);
}

TEST(ColbertGolden, DocumentsDropPunctuationAndMatchTheReference) {
    const json g = read_golden("colbert-tiny");
    const double tol = g.at("tolerance").get<double>();
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ColbertEncoder colbert(kGolden / "colbert-tiny",
                           {.batch_size = 32, .threads = 1, .int8 = false});
    EXPECT_EQ(colbert.skiplist(), g.at("skiplist").get<std::vector<std::int32_t>>());
    std::vector<Encoding> encodings;
    std::vector<std::size_t> rows;
    for (const auto& d : g.at("documents")) {
        const auto& text = texts.at(d.at("text").get<std::size_t>());
        const Encoding e = colbert.encode_document(text);
        ASSERT_EQ(e.ids, d.at("ids").get<std::vector<std::int32_t>>()) << text;
        EXPECT_FALSE(colbert.is_query(e));
        EXPECT_EQ(colbert.vectors_in(e), d.at("kept").size()) << text;
        encodings.push_back(e);
        rows.push_back(d.at("kept").size());
    }
    const auto vectors = colbert.vectors(encodings, 1);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        const std::size_t n = rows[i] * colbert.dim();
        expect_close(std::span(vectors).subspan(offset, n),
                     flatten(g.at("documents")[i].at("vectors")), tol,
                     "document '" + texts[i] + "'");
        offset += n;
    }
    EXPECT_EQ(offset, vectors.size());
}

// Queries (with their key limits) and documents in one forward pass give what they give apart.
TEST(ColbertGolden, QueriesAndDocumentsMixInOneBatch) {
    const json g = read_golden("colbert-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ColbertEncoder colbert(kGolden / "colbert-tiny",
                           {.batch_size = 64, .threads = 2, .int8 = false});
    std::vector<Encoding> mixed;
    for (const auto& t : texts) {
        mixed.push_back(colbert.encode_document(t));
        mixed.push_back(colbert.encode_query(t));
    }
    const auto together = colbert.vectors(mixed, 2);
    std::vector<float> apart;
    for (const auto& e : mixed) {
        const auto one = colbert.vectors({e}, 1);
        apart.insert(apart.end(), one.begin(), one.end());
    }
    ASSERT_EQ(together.size(), apart.size());
    for (std::size_t i = 0; i < apart.size(); ++i)
        ASSERT_NEAR(together[i], apart[i], 1e-5) << i;
}

TEST(ColbertGolden, AttendToMaskTokensFromTheMetadata) {
    const json g = read_golden("colbert-tiny");
    const auto dir = copy_folder("colbert-tiny", "attend");
    std::ifstream in(dir / "artifact.metadata");
    json meta = json::parse(in);
    in.close();
    meta["attend_to_mask_tokens"] = true;
    write_file(dir / "artifact.metadata", meta.dump());
    ColbertEncoder colbert(dir, {.batch_size = 8, .threads = 1, .int8 = false});
    EXPECT_TRUE(colbert.settings().attend_to_mask_tokens);
    const Encoding e = colbert.encode_query("the cat");
    EXPECT_EQ(e.attention_mask, std::vector<std::int32_t>(e.ids.size(), 1));
    check_queries(colbert, g, g.at("queries_attend_to_mask_tokens"), false);
    std::filesystem::remove_all(dir);
}

// Without artifact.metadata colbert-ai's defaults apply: query_maxlen 32, doc_maxlen 220,
// [unused0] / [unused1], punctuation masked, no attention to [MASK].
TEST(ColbertGolden, NoMetadataTakesColbertAiDefaults) {
    const json g = read_golden("colbert-tiny");
    const auto dir = copy_folder("colbert-tiny", "nometa");
    std::filesystem::remove(dir / "artifact.metadata");
    ColbertEncoder colbert(dir, {.batch_size = 8, .threads = 1, .int8 = false});
    EXPECT_FALSE(colbert.settings().from_metadata);
    EXPECT_EQ(colbert.settings().query_maxlen, 32U);
    EXPECT_EQ(colbert.settings().doc_maxlen, 220U);
    EXPECT_TRUE(colbert.settings().mask_punctuation);
    EXPECT_FALSE(colbert.settings().attend_to_mask_tokens);
    EXPECT_EQ(colbert.dim(), g.at("dim").get<std::size_t>());  // from linear.weight
    check_queries(colbert, g, g.at("queries_default_metadata"), true);
    std::filesystem::remove_all(dir);
}

// Int8 (the encoder's linear layers quantized, the projection kept fp32) stays near fp32.
TEST(ColbertGolden, Int8VectorsStayCloseToFp32) {
    const json g = read_golden("colbert-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ColbertEncoder fp32(kGolden / "colbert-tiny", {.batch_size = 8, .threads = 1, .int8 = false});
    ColbertEncoder int8(kGolden / "colbert-tiny", {.batch_size = 8, .threads = 1, .int8 = true});
    std::vector<Encoding> encodings;
    for (const auto& t : texts) {
        encodings.push_back(fp32.encode_document(t));
        encodings.push_back(fp32.encode_query(t));
    }
    const auto a = fp32.vectors(encodings, 1);
    const auto b = int8.vectors(encodings, 1);
    ASSERT_EQ(a.size(), b.size());
    double worst = 1.0;
    for (std::size_t r = 0; r < a.size() / fp32.dim(); ++r) {
        double dot = 0;
        for (std::size_t c = 0; c < fp32.dim(); ++c)
            dot += static_cast<double>(a[r * fp32.dim() + c]) * b[r * fp32.dim() + c];
        worst = std::min(worst, dot);  // both unit vectors: the cosine
    }
    EXPECT_GT(worst, 0.95);
    EXPECT_LT(worst, 1.0 - 1e-7);  // quantized: not bit-identical
}

// ------------------------------------------------------------------------------------- TILDE

TEST(TildeGolden, StopIdsFollowIelabTilde) {
    const json g = read_golden("tilde-tiny");
    TildeEncoder tilde(kGolden / "tilde-tiny", {.batch_size = 32, .threads = 1, .int8 = false});
    EXPECT_EQ(tilde.stop_ids(), g.at("stop_ids").get<std::vector<std::int32_t>>());
    EXPECT_EQ(tilde.max_length(), TildeEncoder::kDefaultMaxLength);
}

TEST(TildeGolden, TokenAndDistinctWeightsMatchTheReference) {
    const json g = read_golden("tilde-tiny");
    const double tol = g.at("tolerance").get<double>();
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    TildeEncoder tilde(kGolden / "tilde-tiny", {.batch_size = 5, .threads = 2, .int8 = false});
    std::vector<Encoding> encodings;
    for (const auto& c : g.at("documents")) {
        const auto& text = texts.at(c.at("text").get<std::size_t>());
        encodings.push_back(tilde.encode_document(text, c.at("max_length").get<std::size_t>()));
        ASSERT_EQ(encodings.back().ids, c.at("ids").get<std::vector<std::int32_t>>()) << text;
    }
    for (std::size_t threads : {1U, 2U}) {
        const auto weights = tilde.token_weights(encodings, threads);
        std::size_t offset = 0;
        for (std::size_t i = 0; i < encodings.size(); ++i) {
            const auto& c = g.at("documents")[i];
            const std::size_t n = encodings[i].ids.size();
            const auto mine = std::span(weights).subspan(offset, n);
            expect_close(mine, c.at("token_weights").get<std::vector<double>>(), tol,
                         "token weights of case " + std::to_string(i));
            const auto distinct = tilde.distinct_weights(encodings[i].ids, mine);
            const auto& want = c.at("distinct");
            ASSERT_EQ(distinct.size(), want.size()) << "case " << i;
            for (std::size_t k = 0; k < distinct.size(); ++k) {
                EXPECT_EQ(distinct[k].first, want[k][0].get<std::int32_t>()) << i;
                EXPECT_NEAR(distinct[k].second, want[k][1].get<double>(), tol) << i;
            }
            offset += n;
        }
        EXPECT_EQ(offset, weights.size());
    }
}

TEST(TildeGolden, QueryTokensAreIdsWithoutStopIds) {
    const json g = read_golden("tilde-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    TildeEncoder tilde(kGolden / "tilde-tiny", {.batch_size = 32, .threads = 1, .int8 = false});
    for (const auto& q : g.at("queries")) {
        const auto& text = texts.at(q.at("text").get<std::size_t>());
        EXPECT_EQ(tilde.query_tokens(text), q.at("ids").get<std::vector<std::int32_t>>()) << text;
    }
}

}  // namespace
}  // namespace cascade::model
