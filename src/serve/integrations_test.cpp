/// Drop-in re-ranking for existing engines: each engine's request, written from its documented
/// shape, is posted to a live server, and the answer is checked the way that engine's parser
/// reads it (docs/integrations.md):
///   - OpenSearch ml-commons, Cohere connector (connector.pre_process.cohere.rerank /
///     connector.post_process.cohere.rerank): `results[*]` with an integer `index` and a
///     `relevance_score` that Java reads as a Double (so always a JSON float), one result per
///     document (the post-process fills an array of that size by index);
///   - Elasticsearch `hugging_face` rerank service: a bare top-level array whose objects hold
///     only index / score / relevance_score / text / document (anything else is an error), for
///     both request shapes (`texts` + `return_text`, and `documents` + `return_documents` +
///     `top_n`);
///   - Elasticsearch `custom` service: the JSON paths its rerank parser is configured with
///     (`$.results[*].relevance_score`, `$.results[*].index`, `$.results[*].document.text`);
///   - Milvus TEI ranker (`provider: tei`): POST {endpoint}/rerank, a bare array of index/score;
///   - Weaviate reranker-cohere (`baseURL`): POST {baseURL}/v2/rerank with `model`, then
///     `results[*].index` / `relevance_score`, every document present.
/// The model is a FakeModel whose score is the pair's token count (document bytes + 2), so
/// every raw score is a whole number: the cases where a float must still be written as one.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "runtime/fake_model.hpp"
#include "runtime/model_pool.hpp"
#include "serve/live_server_test.hpp"
#include "serve/request.hpp"

namespace cascade::serve {
namespace {

using nlohmann::json;
using testing::LiveServer;

const std::vector<std::string> kDocs = {"Carson City is the capital city of Nevada.",
                                        "Washington, D.C. is the capital of the United States.",
                                        "Paris", "Capital punishment", "Paris"};

/// The fake model's logit for `doc`: its bytes plus two (FakeModel's encoding).
float logit(const std::string& doc) {
    return static_cast<float>(doc.size() + 2);
}

/// Document indexes best first: logit descending, ties by index (the service's order).
std::vector<std::size_t> expected_order() {
    std::vector<std::size_t> order(kDocs.size());
    std::iota(order.begin(), order.end(), 0U);
    std::stable_sort(order.begin(), order.end(), [](std::size_t a, std::size_t b) {
        return logit(kDocs[a]) > logit(kDocs[b]);
    });
    return order;
}

/// Every number in `text` that follows `"key":` is written as a JSON float (has '.', 'e' or
/// 'E'): what a Java parser needs to hand back a Double, not an Integer or Long.
void expect_floats(const std::string& text, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1)) {
        const std::size_t begin = at + needle.size();
        const std::size_t end = text.find_first_of(",}", begin);
        const std::string number = text.substr(begin, end - begin);
        EXPECT_NE(number.find_first_of(".eE"), std::string::npos)
            << key << " written as " << number << " in " << text;
        ++count;
    }
    EXPECT_GT(count, 0U) << "no \"" << key << "\" in " << text;
}

/// Every key of every object of a bare array is one the Elasticsearch hugging_face response
/// parser knows (it throws on any other).
void expect_hugging_face_keys(const json& out) {
    ASSERT_TRUE(out.is_array()) << out.dump();
    for (const json& item : out) {
        ASSERT_TRUE(item.is_object());
        for (const auto& [key, value] : item.items()) {
            EXPECT_TRUE(key == "index" || key == "score" || key == "relevance_score" ||
                        key == "text" || key == "document")
                << "unknown field " << key;
        }
        EXPECT_TRUE(item["index"].is_number_integer()) << item.dump();
    }
}

class Integrations : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_state = new runtime::testing::FakeModelState();
        s_server = new LiveServer(
            ServiceOptions{}, {}, [](const runtime::ModelOptions&, runtime::Task, std::size_t) {
                return std::make_unique<runtime::testing::FakeModel>(*s_state);
            });
        runtime::ModelOptions model;
        model.dir = "fake";
        // Named as the engines' default Cohere model, so their stock configuration works.
        s_server->service().add_model("rerank-v3.5", model);
        s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        delete s_state;
        s_server = nullptr;
        s_state = nullptr;
    }
    /// Posts `body` to `path`; returns the raw body after checking status and content type.
    static std::string post(const std::string& path, const std::string& body) {
        auto res = s_server->post(path, body);
        EXPECT_TRUE(res) << path;
        if (!res)
            return "{}";
        EXPECT_EQ(res->status, 200) << path << ": " << res->body;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
        return res->body;
    }
    static runtime::testing::FakeModelState* s_state;
    static LiveServer* s_server;
};
runtime::testing::FakeModelState* Integrations::s_state = nullptr;
LiveServer* Integrations::s_server = nullptr;

TEST_F(Integrations, OpenSearchCohereConnector) {
    // The connector's request_body template after connector.pre_process.cohere.rerank: the
    // documents as a JSON array, the query, the model parameter and top_n = the document count.
    const json body = {{"documents", kDocs},
                       {"query", "What is the capital of the United States?"},
                       {"model", "rerank-v3.5"},
                       {"top_n", kDocs.size()}};
    const std::string text = post("/v1/rerank", body.dump());
    expect_floats(text, "relevance_score");
    const json out = json::parse(text);
    // connector.post_process.cohere.rerank: scores[index] = relevance_score over `results`,
    // an array sized by the result count, so every document must come back exactly once.
    const json& results = out["results"];
    ASSERT_EQ(results.size(), kDocs.size());
    std::vector<double> scores(results.size(), -1.0);
    for (const json& r : results) {
        ASSERT_TRUE(r["index"].is_number_integer()) << r.dump();
        ASSERT_TRUE(r["relevance_score"].is_number_float()) << r.dump();
        const auto index = r["index"].get<std::size_t>();
        ASSERT_LT(index, scores.size());
        EXPECT_EQ(scores[index], -1.0) << "index " << index << " twice";
        scores[index] = r["relevance_score"].get<double>();
    }
    for (std::size_t i = 0; i < kDocs.size(); ++i) {
        EXPECT_FLOAT_EQ(static_cast<float>(scores[i]), sigmoid(logit(kDocs[i]))) << i;
    }
    // The Bedrock variant of the connector sends api_version and no top_n: all results too.
    const json bedrock = {{"documents", kDocs}, {"query", "capital"}, {"api_version", 2}};
    EXPECT_EQ(json::parse(post("/v1/rerank", bedrock.dump()))["results"].size(), kDocs.size());
}

TEST_F(Integrations, ElasticsearchHuggingFaceRerankBothRequestShapes) {
    // Older Elasticsearch: TEI's own names.
    const json texts = {{"texts", kDocs}, {"query", "capital"}, {"return_text", true}};
    std::string text = post("/rerank", texts.dump());
    expect_floats(text, "score");
    json out = json::parse(text);
    expect_hugging_face_keys(out);
    const std::vector<std::size_t> order = expected_order();
    ASSERT_EQ(out.size(), kDocs.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        EXPECT_EQ(out[i]["index"].get<std::size_t>(), order[i]);
        EXPECT_EQ(out[i]["text"], kDocs[order[i]]);
    }
    // Newer Elasticsearch: documents / return_documents / top_n, answered the same way.
    const json documents = {
        {"documents", kDocs}, {"query", "capital"}, {"return_documents", false}, {"top_n", 2}};
    text = post("/rerank", documents.dump());
    expect_floats(text, "score");
    out = json::parse(text);
    expect_hugging_face_keys(out);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[0]["index"].get<std::size_t>(), order[0]);
    EXPECT_EQ(out[1]["index"].get<std::size_t>(), order[1]);
    EXPECT_FALSE(out[0].contains("text"));
}

TEST_F(Integrations, ElasticsearchCustomServiceJsonPaths) {
    // The request template of docs/integrations.md with ${query}, ${input}, ${top_n} and
    // ${return_documents} substituted.
    const json body = {
        {"query", "capital"}, {"documents", kDocs}, {"top_n", 3}, {"return_documents", true}};
    const std::string text = post("/v1/rerank", body.dump());
    expect_floats(text, "relevance_score");
    const json out = json::parse(text);
    // response.json_parser: relevance_score $.results[*].relevance_score, reranked_index
    // $.results[*].index, document_text $.results[*].document.text: three lists of one length.
    ASSERT_TRUE(out["results"].is_array());
    ASSERT_EQ(out["results"].size(), 3U);
    const std::vector<std::size_t> order = expected_order();
    for (std::size_t i = 0; i < 3; ++i) {
        const json& r = out["results"][i];
        EXPECT_TRUE(r["relevance_score"].is_number_float());
        EXPECT_EQ(r["index"].get<std::size_t>(), order[i]);
        EXPECT_EQ(r["document"]["text"], kDocs[order[i]]);
    }
}

TEST_F(Integrations, MilvusTeiRanker) {
    // Milvus's TEI rerank client: query, texts, truncate and a truncation direction.
    const json body = {{"query", "capital"},
                       {"texts", kDocs},
                       {"truncate", true},
                       {"truncation_direction", "Right"}};
    const std::string text = post("/rerank", body.dump());
    expect_floats(text, "score");
    const json out = json::parse(text);
    ASSERT_TRUE(out.is_array());
    ASSERT_EQ(out.size(), kDocs.size());
    for (const json& r : out) {
        const auto index = r["index"].get<std::size_t>();
        ASSERT_LT(index, kDocs.size());
        EXPECT_FLOAT_EQ(r["score"].get<float>(), sigmoid(logit(kDocs[index])));
    }
    // raw_scores: the logits themselves, whole numbers here, still written as floats.
    const json raw = {{"query", "capital"}, {"texts", kDocs}, {"raw_scores", true}};
    const std::string raw_text = post("/rerank", raw.dump());
    expect_floats(raw_text, "score");
    EXPECT_EQ(json::parse(raw_text)[0]["score"].get<float>(), logit(kDocs[expected_order()[0]]));
}

TEST_F(Integrations, WeaviateCohereRerankerV2Path) {
    // reranker-cohere: POST {baseURL}/v2/rerank with its model setting, return_documents false.
    const json body = {{"documents", kDocs},
                       {"query", "capital"},
                       {"model", "rerank-v3.5"},
                       {"return_documents", false}};
    const std::string text = post("/v2/rerank", body.dump());
    expect_floats(text, "relevance_score");
    const json out = json::parse(text);
    // The client fills a slice of len(results) by results[i].index: every index once.
    ASSERT_EQ(out["results"].size(), kDocs.size());
    std::vector<int> seen(kDocs.size(), 0);
    for (const json& r : out["results"]) {
        ++seen.at(r["index"].get<std::size_t>());
        EXPECT_TRUE(r["relevance_score"].is_number_float());
    }
    EXPECT_EQ(seen, std::vector<int>(kDocs.size(), 1));
    EXPECT_TRUE(out["id"].is_string());
    EXPECT_EQ(out["meta"]["api_version"]["version"], "2");
}

TEST(IntegrationRequests, HuggingFaceShapesParseAsTei) {
    TeiRerankRequest req;
    ASSERT_FALSE(parse_tei_rerank(
        R"({"query":"q","documents":["a","b"],"return_documents":true,"top_n":1})", {}, req));
    EXPECT_EQ(req.texts, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(req.return_text);
    EXPECT_EQ(req.top_n, 1U);
    TeiRerankRequest bad;
    const auto e = parse_tei_rerank(R"({"query":"q","documents":["a"],"top_n":0})", {}, bad);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->field, "top_n");
    const auto missing = parse_tei_rerank(R"({"query":"q"})", {}, bad);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->field, "texts");
}

}  // namespace
}  // namespace cascade::serve
