/// The token-level families through the runtime: load_model() picks them from the folder,
/// the pool's scheduler returns their ragged outputs per text (against the PyTorch goldens of
/// tests/reference/make_token_goldens.py), and folders asked for a task they cannot do fail
/// with the folder and what it holds.
#include "runtime/token_family.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model_pool.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

namespace fs = std::filesystem;
using cascade::testing::slurp;
using nlohmann::json;

const fs::path kGold = fs::path(CASCADE_SOURCE_DIR) / "tests/golden/model";

ModelOptions folder(const std::string& name) {
    ModelOptions o;
    o.dir = kGold / name;
    return o;
}

json golden(const std::string& name) {
    return json::parse(slurp(kGold / (name + ".golden.json")));
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const std::string& where) {
    ASSERT_EQ(got.size(), want.size()) << where;
    for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_LE(std::fabs(got[i] - want[i]), 1e-4 * std::max(1.0, std::fabs(want[i])))
            << where << " element " << i;
}

std::vector<double> flatten(const json& rows) {
    std::vector<double> out;
    for (const auto& r : rows)
        for (const auto& v : r)
            out.push_back(v.get<double>());
    return out;
}

std::string message_of(Task task, const std::string& name) {
    try {
        (void)load_model(folder(name), task, 1);
    } catch (const UsageError& e) {
        return e.what();
    }
    ADD_FAILURE() << name << " loaded for " << to_string(task);
    return {};
}

TEST(TokenFamily, LoadModelPicksTheFamilyFromTheFolder) {
    auto splade = load_model(folder("splade-tiny"), Task::SparseTexts, 1);
    EXPECT_NE(dynamic_cast<SpladeModel*>(splade.get()), nullptr);
    EXPECT_EQ(splade->task(), Task::SparseTexts);
    EXPECT_EQ(splade->output_width(), 128U);
    auto colbert = load_model(folder("colbert-tiny"), Task::TokenVectors, 1);
    EXPECT_NE(dynamic_cast<ColbertModel*>(colbert.get()), nullptr);
    EXPECT_EQ(colbert->output_width(), 8U);
    EXPECT_EQ(colbert->max_length(), 16U);  // doc_maxlen of artifact.metadata
    auto tilde = load_model(folder("tilde-tiny"), Task::TokenWeights, 1);
    EXPECT_NE(dynamic_cast<TildeModel*>(tilde.get()), nullptr);
    EXPECT_EQ(tilde->max_length(), 192U);
    // The folders the other families read still go to them.
    EXPECT_EQ(load_model(folder("bert-micro-ce"), Task::ScorePairs, 1)->task(), Task::ScorePairs);
    EXPECT_EQ(load_model(folder("bert-micro-bi"), Task::EmbedTexts, 1)->task(), Task::EmbedTexts);
}

TEST(TokenFamily, AFolderAskedForATaskItCannotDoSaysWhatItIs) {
    auto msg = message_of(Task::SparseTexts, "bert-tiny");
    EXPECT_NE(msg.find("bert-tiny"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BertForMaskedLM"), std::string::npos) << msg;
    msg = message_of(Task::TokenVectors, "minilm-l6-h384");
    EXPECT_NE(msg.find("HF_ColBERT"), std::string::npos) << msg;
    msg = message_of(Task::TokenWeights, "static-tiny");
    EXPECT_NE(msg.find("TILDEv2"), std::string::npos) << msg;
    msg = message_of(Task::EmbedTexts, "splade-tiny");
    EXPECT_NE(msg.find("can encode sparse texts, not embed texts"), std::string::npos) << msg;
    msg = message_of(Task::ScorePairs, "colbert-tiny");
    EXPECT_NE(msg.find("can encode token vectors, not score pairs"), std::string::npos) << msg;
    msg = message_of(Task::SparseTexts, "tilde-tiny");
    EXPECT_NE(msg.find("can weight tokens, not encode sparse texts"), std::string::npos) << msg;
}

TEST(TokenFamily, APyLateFolderIsNamedAsUnsupported) {
    cascade::testing::TempDir dir;
    std::filesystem::copy(kGold / "colbert-tiny", dir.path() / "m",
                          std::filesystem::copy_options::recursive);
    const auto m = dir.path() / "m";
    json config = json::parse(slurp(m / "config.json"));
    config["architectures"] = {"BertModel"};
    cascade::testing::write_file(m / "config.json", config.dump());
    cascade::testing::write_file(
        m / "modules.json",
        R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},)"
        R"({"idx":1,"name":"1","path":"1_Dense","type":"pylate.models.Dense.Dense"}])");
    ModelOptions options;
    options.dir = m;
    try {
        (void)load_model(options, Task::TokenVectors, 1);
        ADD_FAILURE() << "a PyLate folder loaded";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("PyLate"), std::string::npos) << e.what();
    }
}

TEST(TokenFamily, SpladeThroughThePoolMatchesTheReference) {
    const json g = golden("splade-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ModelPool pool;
    auto model = pool.get(folder("splade-tiny"), Task::SparseTexts);
    const auto flat = model->embed_texts(texts).get();  // fixed width: the plain path works
    const std::size_t vocab = model->model().output_width();
    ASSERT_EQ(flat.size(), texts.size() * vocab);
    const auto split = run_split(*model, model->model().encode_texts(texts, 0));
    for (const auto& c : g.at("cases")) {
        if (c.at("max_length").get<std::size_t>() != 0)
            continue;
        const auto i = c.at("text").get<std::size_t>();
        std::vector<double> want(vocab, 0.0);
        for (const auto& p : c.at("nonzero"))
            want.at(p[0].get<std::size_t>()) = p[1].get<double>();
        expect_close(split.at(i), want, texts[i]);
        EXPECT_EQ(std::vector<float>(flat.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                                     flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab)),
                  split[i]);
    }
}

TEST(TokenFamily, ColbertQueriesAndDocumentsShareOneScheduler) {
    const json g = golden("colbert-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ModelPool pool;
    auto model = pool.get(folder("colbert-tiny"), Task::TokenVectors);
    const auto& colbert = dynamic_cast<const ColbertModel&>(model->model());
    // Queries and documents queued together, as a serving process would.
    auto queries = colbert.encode_queries(texts);
    auto documents = colbert.encode_texts(texts, model->max_length());
    std::vector<std::size_t> sizes;
    for (const auto* group : {&queries, &documents})
        for (const auto& e : *group)
            sizes.push_back(colbert.output_size(e));
    std::vector<std::vector<model::Encoding>> requests{queries, documents};
    auto futures =
        model->scheduler().submit_all(std::move(requests), Scheduler::Clock::time_point::max());
    const auto q = futures[0].get();
    const auto d = futures[1].get();
    std::size_t offset = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::vector<float> got(q.begin() + static_cast<std::ptrdiff_t>(offset),
                                     q.begin() + static_cast<std::ptrdiff_t>(offset + sizes[i]));
        expect_close(got, flatten(g.at("queries")[i].at("vectors")), "query " + texts[i]);
        offset += sizes[i];
    }
    EXPECT_EQ(offset, q.size());
    const auto split = run_split(*model, colbert.encode_texts(texts, 0));
    offset = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        expect_close(split[i], flatten(g.at("documents")[i].at("vectors")), "doc " + texts[i]);
        const std::vector<float> got(
            d.begin() + static_cast<std::ptrdiff_t>(offset),
            d.begin() + static_cast<std::ptrdiff_t>(offset + split[i].size()));
#ifdef __SANITIZE_ADDRESS__
        // scripts/sanitize compiles at -Og, where GCC leaves some a*b+c unfused that the
        // Release build fuses, so a batch's rows can differ in the last bit there; the
        // bit-for-bit check is the Release build's.
        ASSERT_EQ(got.size(), split[i].size());
        for (std::size_t j = 0; j < got.size(); ++j)
            EXPECT_NEAR(got[j], split[i][j], 1e-6) << "doc " << texts[i] << " element " << j;
#else
        EXPECT_EQ(got, split[i]);
#endif
        offset += split[i].size();
    }
    EXPECT_EQ(offset, d.size());
}

TEST(TokenFamily, ColbertMaxLengthShortensDocuments) {
    ModelOptions options = folder("colbert-tiny");
    options.max_length = 8;
    auto model = load_model(options, Task::TokenVectors, 1);
    EXPECT_EQ(model->max_length(), 8U);
    const std::string text = "the quick brown fox jumps over the lazy dog";
    const auto e = model->encode_texts(std::span(&text, 1), model->max_length());
    EXPECT_EQ(e[0].ids.size(), 8U);
}

TEST(TokenFamily, TildeThroughThePoolMatchesTheReference) {
    const json g = golden("tilde-tiny");
    const auto texts = g.at("texts").get<std::vector<std::string>>();
    ModelPool pool;
    auto model = pool.get(folder("tilde-tiny"), Task::TokenWeights);
    const auto& tilde = dynamic_cast<const TildeModel&>(model->model());
    const auto encodings = tilde.encode_texts(texts, 0);
    const auto split = run_split(*model, encodings);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto& c = g.at("documents")[i];  // the max_length 192 cases come first
        ASSERT_EQ(c.at("text").get<std::size_t>(), i);
        ASSERT_EQ(encodings[i].ids, c.at("ids").get<std::vector<std::int32_t>>());
        expect_close(split[i], c.at("token_weights").get<std::vector<double>>(), texts[i]);
        const auto distinct = tilde.distinct_weights(encodings[i].ids, split[i]);
        ASSERT_EQ(distinct.size(), c.at("distinct").size());
        EXPECT_EQ(tilde.query_tokens(texts[i]),
                  g.at("queries")[i].at("ids").get<std::vector<std::int32_t>>());
    }
}

}  // namespace
}  // namespace cascade::runtime
