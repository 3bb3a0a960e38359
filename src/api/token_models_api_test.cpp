/// The token-level encoders through the public API only (as the `cascade` binary and library
/// users see them): SPLADE sparse terms, ColBERT token matrices and TILDEv2 token weights from
/// the committed random-weight folders, against the PyTorch goldens of
/// tests/reference/make_token_goldens.py, and the errors for folders of the wrong kind.
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cascade/error.hpp>
#include <cascade/model.hpp>

#if __has_include(<runtime/model_pool.hpp>) || __has_include("util/error.hpp")
#error "a layer's own header is reachable from a public-API-only target"
#endif

namespace {

using nlohmann::json;

const std::string kGold = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model/";

json read_json(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    return json::parse(in);
}

cascade::ModelOptions folder(const std::string& name) {
    cascade::ModelOptions o;
    o.dir = kGold + name;
    return o;
}

/// id -> vocabulary entry of a golden folder's tokenizer.json.
std::map<std::int32_t, std::string> vocabulary(const std::string& name) {
    std::map<std::int32_t, std::string> out;
    const json tokenizer = read_json(kGold + name + "/tokenizer.json");
    for (const auto& [token, id] : tokenizer.at("model").at("vocab").items())
        out[id.get<std::int32_t>()] = token;
    return out;
}

TEST(PublicApiTokenModels, SparseEncoderTermsMatchTheReference) {
    const json g = read_json(kGold + "splade-tiny.golden.json");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    const auto vocab = vocabulary("splade-tiny");
    const cascade::ModelPool pool;
    const cascade::SparseEncoder splade = pool.sparse_encoder(folder("splade-tiny"));
    EXPECT_EQ(splade.vocab_size(), 128U);
    EXPECT_EQ(splade.max_length(), 512U);
    const auto encoded = splade.encode(texts);
    ASSERT_EQ(encoded.size(), texts.size());
    for (const auto& c : g.at("cases")) {
        if (c.at("max_length").get<int>() != 0)
            continue;
        const auto i = c.at("text").get<std::size_t>();
        std::vector<double> want(splade.vocab_size(), 0.0);
        for (const auto& p : c.at("nonzero"))
            want.at(p[0].get<std::size_t>()) = p[1].get<double>();
        std::map<std::string, float> got;
        for (std::size_t k = 0; k < encoded[i].size(); ++k) {
            const auto& t = encoded[i][k];
            EXPECT_GT(t.weight, 0.0f);
            if (k > 0) {  // weight descending, ties by term
                const auto& prev = encoded[i][k - 1];
                EXPECT_TRUE(prev.weight > t.weight ||
                            (prev.weight == t.weight && prev.term < t.term));
            }
            got[t.term] = t.weight;
        }
        for (std::size_t id = 0; id < want.size(); ++id) {
            const std::string& term = vocab.at(static_cast<std::int32_t>(id));
            if (want[id] > 1e-4) {
                ASSERT_TRUE(got.contains(term)) << texts[i] << ": " << term;
                EXPECT_NEAR(got[term], want[id], 1e-4 * std::max(1.0, want[id]));
            } else if (got.contains(term)) {
                EXPECT_LT(got[term], 1e-4);
            }
        }
        const auto top = splade.encode(std::span(&texts[i], 1), 3);
        ASSERT_EQ(top[0].size(), std::min<std::size_t>(3, encoded[i].size()));
        for (std::size_t k = 0; k < top[0].size(); ++k)
            EXPECT_EQ(top[0][k].term, encoded[i][k].term);
    }
}

// A model vocabulary padded past the tokenizer's: ids without an entry have no term to name.
TEST(PublicApiTokenModels, SparseEncoderLeavesOutIdsWithoutAVocabularyEntry) {
    const json g = read_json(kGold + "splade-tiny-untied.golden.json");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    const auto vocab = vocabulary("splade-tiny-untied");
    const cascade::ModelPool pool;
    const cascade::SparseEncoder splade = pool.sparse_encoder(folder("splade-tiny-untied"));
    EXPECT_EQ(splade.vocab_size(), 2100U);
    const auto encoded = splade.encode(texts);
    for (const auto& c : g.at("cases")) {
        if (c.at("max_length").get<int>() != 0)
            continue;
        const auto i = c.at("text").get<std::size_t>();
        std::map<std::string, double> want;
        for (const auto& p : c.at("nonzero"))
            if (p[0].get<std::int32_t>() < static_cast<std::int32_t>(vocab.size()) &&
                p[1].get<double>() > 1e-4)
                want[vocab.at(p[0].get<std::int32_t>())] = p[1].get<double>();
        std::size_t matched = 0;
        for (const auto& t : encoded[i]) {
            ASSERT_FALSE(t.term.empty());
            if (want.contains(t.term)) {
                EXPECT_NEAR(t.weight, want[t.term], 1e-4 * std::max(1.0, want[t.term]));
                ++matched;
            } else {
                EXPECT_LT(t.weight, 1e-4) << t.term;
            }
        }
        EXPECT_EQ(matched, want.size()) << texts[i];
    }
}

TEST(PublicApiTokenModels, TokenEncoderMatricesMatchTheReference) {
    const json g = read_json(kGold + "colbert-tiny.golden.json");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    const cascade::ModelPool pool;
    const cascade::TokenEncoder colbert = pool.token_encoder(folder("colbert-tiny"));
    EXPECT_EQ(colbert.dim(), 8U);
    EXPECT_EQ(colbert.query_length(), 12U);
    EXPECT_EQ(colbert.max_length(), 16U);
    const auto queries = colbert.encode_queries(texts);
    const auto documents = colbert.encode_documents(texts);
    ASSERT_EQ(queries.size(), texts.size());
    ASSERT_EQ(documents.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        for (const auto& [got, want] : {std::pair{&queries[i], &g.at("queries")[i]},
                                        {&documents[i], &g.at("documents")[i]}}) {
            const auto& rows = want->at("vectors");
            ASSERT_EQ(got->size(), rows.size() * colbert.dim()) << texts[i];
            for (std::size_t r = 0; r < rows.size(); ++r) {
                double norm = 0;
                for (std::size_t c = 0; c < colbert.dim(); ++c) {
                    const float v = (*got)[r * colbert.dim() + c];
                    EXPECT_NEAR(v, rows[r][c].get<double>(), 1e-4) << texts[i];
                    norm += static_cast<double>(v) * v;
                }
                EXPECT_NEAR(norm, 1.0, 1e-5);  // L2-normalised
            }
        }
    }
    // The same folder, asked for by a second handle, is the same loaded copy.
    (void)pool.token_encoder(folder("colbert-tiny"));
    EXPECT_EQ(pool.loads(), 1U);
}

TEST(PublicApiTokenModels, TildeEncoderStoresWhatTildeV2Stores) {
    const json g = read_json(kGold + "tilde-tiny.golden.json");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    const cascade::ModelPool pool;
    const cascade::TildeEncoder tilde = pool.tilde_encoder(folder("tilde-tiny"));
    EXPECT_EQ(tilde.max_length(), 192U);
    const auto docs = tilde.document_weights(texts);
    ASSERT_EQ(docs.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto& want = g.at("documents")[i].at("distinct");
        ASSERT_EQ(docs[i].size(), want.size()) << texts[i];
        for (std::size_t k = 0; k < want.size(); ++k) {
            EXPECT_EQ(docs[i][k].id, want[k][0].get<std::int32_t>());
            EXPECT_NEAR(docs[i][k].weight, want[k][1].get<double>(), 1e-4);
            EXPECT_GE(docs[i][k].weight, 0.0f);
        }
        EXPECT_EQ(tilde.query_tokens(texts[i]),
                  g.at("queries")[i].at("ids").get<std::vector<std::int32_t>>());
    }
    const auto vocab = vocabulary("tilde-tiny");
    EXPECT_EQ(tilde.term(vocab.rbegin()->first), vocab.rbegin()->second);
    EXPECT_EQ(tilde.term(42), vocab.at(42));
    // Stop words, symbols and special tokens leave nothing to score with.
    EXPECT_TRUE(tilde.query_tokens("the [SEP] of, and!").empty());
}

TEST(PublicApiTokenModels, FoldersOfTheWrongKindAreRefusedWithWhatTheyHold) {
    const cascade::ModelPool pool;
    try {
        (void)pool.sparse_encoder(folder("bert-micro-ce"));
        ADD_FAILURE() << "a cross-encoder loaded as SPLADE";
    } catch (const cascade::UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("bert-micro-ce"), std::string::npos) << msg;
        EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
    }
    EXPECT_THROW((void)pool.token_encoder(folder("splade-tiny")), cascade::UsageError);
    EXPECT_THROW((void)pool.tilde_encoder(folder("colbert-tiny")), cascade::UsageError);
    EXPECT_THROW((void)pool.bi_encoder(folder("tilde-tiny")), cascade::UsageError);
    // One key, one task: a SPLADE folder loaded for sparse texts is not also a bi-encoder.
    (void)pool.sparse_encoder(folder("splade-tiny"));
    EXPECT_THROW((void)pool.bi_encoder(folder("splade-tiny")), cascade::UsageError);
}

}  // namespace
