// The token-level encoders' attention limit against oracles, and their errors for folders of
// the wrong kind, missing tensors, bad metadata and texts with nothing in them.
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/kernels/gemm.hpp"
#include "model/token_attention.hpp"
#include "model/token_colbert.hpp"
#include "model/token_config.hpp"
#include "model/token_splade.hpp"
#include "model/token_tilde.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;

const std::filesystem::path kGolden =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";
constexpr EncoderOptions kOneThread{.batch_size = 8, .threads = 1, .int8 = false};

/// A copy of golden folder `name` in a temporary directory; deleted with the object.
struct FolderCopy {
    std::filesystem::path dir;
    FolderCopy(const std::string& name, const std::string& tag)
        : dir(std::filesystem::temp_directory_path() /
              ("cascade_token_err_" + tag + "_" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::copy(kGolden / name, dir, std::filesystem::copy_options::recursive);
    }
    ~FolderCopy() { std::filesystem::remove_all(dir); }
    [[nodiscard]] json read(const std::string& file) const {
        std::ifstream in(dir / file);
        return json::parse(in);
    }
    void write(const std::string& file, const json& j) const {
        std::ofstream out(dir / file, std::ios::trunc);
        out << j.dump(2);
    }
    void set_architecture(const std::string& arch) const {
        json c = read("config.json");
        c["architectures"] = {arch};
        write("config.json", c);
    }
};

/// Runs `fn` and returns the message of the `E` it throws (fails when it throws nothing).
template <typename E, typename F>
std::string message_of(F&& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "nothing thrown";
    return {};
}

// ----------------------------------------------------------------- prefix-key attention

/// Double-precision oracle of prefix_key_attention.
std::vector<float> naive_prefix_attention(const std::vector<float>& q, const std::vector<float>& k,
                                          const std::vector<float>& v, std::size_t width,
                                          const std::vector<std::size_t>& offsets,
                                          const std::vector<std::size_t>& keys,
                                          const ops::AttentionParams& p) {
    std::vector<float> out(q.size());
    const std::size_t d = p.head_dim;
    for (std::size_t s = 0; s + 1 < offsets.size(); ++s)
        for (std::size_t h = 0; h < p.num_heads; ++h)
            for (std::size_t i = offsets[s]; i < offsets[s + 1]; ++i) {
                std::vector<double> sc(keys[s]);
                double mx = -1e300;
                for (std::size_t j = 0; j < keys[s]; ++j) {
                    double acc = 0;
                    for (std::size_t c = 0; c < d; ++c)
                        acc += static_cast<double>(q[i * width + h * d + c]) *
                               k[(offsets[s] + j) * width + h * d + c];
                    sc[j] = acc * p.scale;
                    mx = std::max(mx, sc[j]);
                }
                double sum = 0;
                for (auto& x : sc)
                    sum += (x = std::exp(x - mx));
                for (std::size_t c = 0; c < d; ++c) {
                    double acc = 0;
                    for (std::size_t j = 0; j < keys[s]; ++j)
                        acc += sc[j] / sum * v[(offsets[s] + j) * width + h * d + c];
                    out[i * width + h * d + c] = static_cast<float>(acc);
                }
            }
    return out;
}

TEST(PrefixKeyAttention, MatchesTheOracleAndPlainAttentionWhenEveryKeyIsAttended) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    ops::AttentionParams p;
    p.num_heads = p.num_kv_heads = 2;
    p.head_dim = 16;
    p.scale = 0.25f;
    const std::size_t width = p.num_heads * p.head_dim;
    const std::vector<std::size_t> offsets{0, 12, 13, 40, 72};
    const std::vector<std::size_t> limited{5, 1, 27, 9};
    const std::vector<std::size_t> full{12, 1, 27, 32};
    std::vector<float> q(offsets.back() * width);
    std::vector<float> k(q.size());
    std::vector<float> v(q.size());
    for (auto* t : {&q, &k, &v})
        for (auto& x : *t)
            x = normal(rng);
    kernels::ThreadPool pool(2);
    for (auto isa : {kernels::Isa::Scalar, kernels::best_isa()}) {
        std::vector<float> out(q.size());
        prefix_key_attention({q.data(), width}, {k.data(), width}, {v.data(), width}, out.data(),
                             width, offsets, limited, p, pool, isa);
        const auto want = naive_prefix_attention(q, k, v, width, offsets, limited, p);
        for (std::size_t i = 0; i < out.size(); ++i)
            ASSERT_NEAR(out[i], want[i], 1e-5) << kernels::isa_name(isa) << " " << i;
        prefix_key_attention({q.data(), width}, {k.data(), width}, {v.data(), width}, out.data(),
                             width, offsets, full, p, pool, isa);
        std::vector<float> plain(q.size());
        ops::attention({q.data(), width}, {k.data(), width}, {v.data(), width}, plain.data(), width,
                       offsets, p, pool, isa);
        for (std::size_t i = 0; i < out.size(); ++i)
            ASSERT_NEAR(out[i], plain[i], 1e-5) << kernels::isa_name(isa) << " " << i;
    }
}

// With attention limited to the first n tokens, those n tokens never see the rest: their final
// states equal those of the n-token prefix encoded alone (positions are the same).
TEST(BertAttendedPrefix, PrefixStatesEqualThePrefixEncodedAlone) {
    const BertModel model(kGolden / "bert-tiny");
    kernels::ThreadPool pool(2);
    kernels::set_blas_threads(1);
    Sequence whole;
    for (int i = 0; i < 20; ++i)
        whole.input_ids.push_back(101 + 7 * i % 300);
    whole.attended = 9;
    Sequence prefix;
    prefix.input_ids.assign(whole.input_ids.begin(), whole.input_ids.begin() + 9);
    Sequence other;  // a neighbour without a limit in the same batch
    other.input_ids.assign(whole.input_ids.rbegin(), whole.input_ids.rend());
    for (auto isa : {kernels::Isa::Scalar, kernels::best_isa()}) {
        const RunContext ctx{&pool, isa};
        std::vector<std::size_t> offsets;
        const Tensor both = model.encode({&whole, &other}, offsets, ctx);
        std::vector<std::size_t> alone_offsets;
        const Tensor alone = model.encode({&prefix}, alone_offsets, ctx);
        std::vector<std::size_t> other_offsets;
        const Tensor other_alone = model.encode({&other}, other_offsets, ctx);
        const std::size_t h = 128;
        for (std::size_t i = 0; i < 9 * h; ++i)
            ASSERT_NEAR(both.data()[i], alone.data()[i], 1e-4) << i;
        for (std::size_t i = 0; i < 20 * h; ++i)
            ASSERT_NEAR(both.data()[20 * h + i], other_alone.data()[i], 1e-4) << i;
        // ...and the limit matters: without it the prefix states change.
        Sequence unlimited = whole;
        unlimited.attended = 0;
        const Tensor free = model.encode({&unlimited}, offsets, ctx);
        double diff = 0;
        for (std::size_t i = 0; i < 9 * h; ++i)
            diff = std::max<double>(diff, std::fabs(free.data()[i] - alone.data()[i]));
        EXPECT_GT(diff, 1e-3);
    }
    Sequence bad = whole;
    bad.attended = 21;
    std::vector<std::size_t> offsets;
    const RunContext ctx{&pool, kernels::best_isa()};
    EXPECT_THROW((void)model.encode({&bad}, offsets, ctx), Error);
}

// ------------------------------------------------------------------------------ kinds

TEST(TokenModelKind, RecognisesTheThreeFoldersAndNothingElse) {
    EXPECT_EQ(token_model_kind(kGolden / "splade-tiny"), TokenModelKind::Splade);
    EXPECT_EQ(token_model_kind(kGolden / "splade-tiny-untied"), TokenModelKind::Splade);
    EXPECT_EQ(token_model_kind(kGolden / "colbert-tiny"), TokenModelKind::Colbert);
    EXPECT_EQ(token_model_kind(kGolden / "tilde-tiny"), TokenModelKind::Tilde);
    for (const char* other : {"bert-tiny", "bert-micro-ce", "bert-micro-bi", "minilm-l6-h384",
                              "xlmr-tiny", "static-tiny", "static-tiny-st", "qwen3-tiny"})
        EXPECT_EQ(token_model_kind(kGolden / other), TokenModelKind::None) << other;
    EXPECT_EQ(token_model_kind(kGolden / "no-such-folder"), TokenModelKind::None);
}

TEST(SpladeErrors, FoldersOfAnotherKindNameWhatWasFound) {
    auto msg = message_of<UsageError>([] { SpladeEncoder(kGolden / "bert-tiny", kOneThread); });
    EXPECT_NE(msg.find("bert-tiny"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BertForMaskedLM"), std::string::npos) << msg;
    const FolderCopy distil("splade-tiny", "distil");
    distil.set_architecture("DistilBertForMaskedLM");
    msg = message_of<UsageError>([&] { SpladeEncoder(distil.dir, kOneThread); });
    EXPECT_NE(msg.find("DistilBertForMaskedLM"), std::string::npos) << msg;
}

TEST(SpladeErrors, AnEncoderWithoutMlmHeadIsRefused) {
    const FolderCopy bare("colbert-tiny", "nohead");  // bert.* and linear.weight only
    bare.set_architecture("BertForMaskedLM");
    const auto msg = message_of<Error>([&] { SpladeEncoder(bare.dir, kOneThread); });
    EXPECT_NE(msg.find("no MLM head"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cls.predictions.transform.dense.weight"), std::string::npos) << msg;
}

TEST(SpladeErrors, MaxLengthOverTheModelLimit) {
    EXPECT_THROW(SpladeEncoder(kGolden / "splade-tiny", kOneThread, 513), UsageError);
}

TEST(ColbertErrors, MissingProjectionOrWrongKind) {
    auto msg = message_of<UsageError>([] { ColbertEncoder(kGolden / "splade-tiny", kOneThread); });
    EXPECT_NE(msg.find("BertForMaskedLM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HF_ColBERT"), std::string::npos) << msg;
    const FolderCopy no_linear("splade-tiny", "nolinear");
    no_linear.set_architecture("HF_ColBERT");
    msg = message_of<Error>([&] { ColbertEncoder(no_linear.dir, kOneThread); });
    EXPECT_NE(msg.find("linear.weight"), std::string::npos) << msg;
}

TEST(ColbertErrors, BadMetadataNamesTheFileAndField) {
    const FolderCopy f("colbert-tiny", "meta");
    const json good = f.read("artifact.metadata");
    const auto refused = [&](const json& meta, const std::string& needle) {
        f.write("artifact.metadata", meta);
        const auto msg = message_of<Error>([&] { ColbertEncoder(f.dir, kOneThread); });
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
        EXPECT_NE(msg.find("artifact.metadata"), std::string::npos) << msg;
    };
    json m = good;
    m["similarity"] = "l2";
    refused(m, "similarity \"l2\"");
    m = good;
    m["dim"] = 128;
    refused(m, "dim 128 but linear.weight has 8 rows");
    m = good;
    m["query_maxlen"] = "long";
    refused(m, "query_maxlen");
    m = good;
    m["mask_punctuation"] = 1;
    refused(m, "mask_punctuation");
    {
        std::ofstream out(f.dir / "artifact.metadata", std::ios::trunc);
        out << "{not json";
    }
    EXPECT_THROW(ColbertEncoder(f.dir, kOneThread), InputError);
    // colbert-ai's nesting under "config" is read too.
    f.write("artifact.metadata", json{{"config", {{"query_maxlen", 6}, {"doc_maxlen", 9}}}});
    const ColbertEncoder nested(f.dir, kOneThread);
    EXPECT_EQ(nested.settings().query_maxlen, 6U);
    EXPECT_EQ(nested.encode_query("the cat sat on the mat").ids.size(), 6U);
    EXPECT_LE(nested.encode_document("the cat sat on the mat again and again").ids.size(), 9U);
}

TEST(ColbertErrors, MarkersMustBeDistinctVocabularyEntries) {
    const FolderCopy f("colbert-tiny", "markers");
    json m = f.read("artifact.metadata");
    m["doc_token_id"] = "[unused0]";
    f.write("artifact.metadata", m);
    auto msg = message_of<Error>([&] { ColbertEncoder(f.dir, kOneThread); });
    EXPECT_NE(msg.find("same token"), std::string::npos) << msg;
    m["doc_token_id"] = "[unused7]";
    f.write("artifact.metadata", m);
    msg = message_of<Error>([&] { ColbertEncoder(f.dir, kOneThread); });
    EXPECT_NE(msg.find("[unused7]"), std::string::npos) << msg;
}

TEST(TildeErrors, WrongKindAndMissingScorer) {
    auto msg = message_of<UsageError>([] { TildeEncoder(kGolden / "colbert-tiny", kOneThread); });
    EXPECT_NE(msg.find("HF_ColBERT"), std::string::npos) << msg;
    const FolderCopy f("splade-tiny", "noproj");
    f.set_architecture("TILDEv2");
    msg = message_of<Error>([&] { TildeEncoder(f.dir, kOneThread); });
    EXPECT_NE(msg.find("tok_proj.weight"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- texts with nothing in them

TEST(EmptyTexts, EachFamilyAnswersWithoutRunningOnNothing) {
    SpladeEncoder splade(kGolden / "splade-tiny", kOneThread);
    Encoding none;  // what a tokenizer without special tokens gives for ""
    const auto w = splade.weights({none, splade.encode("")}, 1);
    ASSERT_EQ(w.size(), 2 * splade.vocab_size());
    for (std::size_t j = 0; j < splade.vocab_size(); ++j)
        EXPECT_EQ(w[j], 0.0f);                    // no token: nothing to take the max over
    EXPECT_EQ(splade.encode("").ids.size(), 2U);  // [CLS] [SEP], encoded as naver/splade does

    TildeEncoder tilde(kGolden / "tilde-tiny", kOneThread);
    EXPECT_TRUE(tilde.query_tokens("").empty());
    EXPECT_TRUE(tilde.query_tokens("the of and, to!").empty());  // stop words and symbols
    const Encoding doc = tilde.encode_document("");
    const auto tw = tilde.token_weights({doc, none}, 1);
    EXPECT_EQ(tw.size(), doc.ids.size());
    EXPECT_TRUE(tilde.distinct_weights(doc.ids, tw).empty());  // [CLS] [SEP] are never stored

    ColbertEncoder colbert(kGolden / "colbert-tiny", kOneThread);
    const Encoding d = colbert.encode_document("");
    EXPECT_EQ(colbert.vectors_in(d), 3U);  // [CLS] [D] [SEP]
    EXPECT_EQ(colbert.vectors_in(colbert.encode_document("?!...")), 3U);
    EXPECT_EQ(colbert.vectors({d, none}, 1).size(), 3 * colbert.dim());
}

}  // namespace
}  // namespace cascade::model
