#include "serve/request.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cascade::serve {
namespace {

RequestError rerank_error(std::string_view body, Limits limits = {}) {
    RerankRequest r;
    auto e = parse_rerank(body, limits, r);
    EXPECT_TRUE(e.has_value()) << body;
    return e.value_or(RequestError{0, "", ""});
}

TEST(ServeRequest, ParsesCohereRerankWithStringAndObjectDocuments) {
    RerankRequest r;
    auto e = parse_rerank(R"({"model":"m","query":"q","documents":["a",{"text":"b"}],)"
                          R"("top_n":1,"return_documents":true,"rank_fields":["x"]})",
                          {}, r);
    ASSERT_FALSE(e.has_value()) << e->message;
    EXPECT_EQ(r.model, "m");
    EXPECT_EQ(r.query, "q");
    EXPECT_EQ(r.documents, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.top_n, 1U);
    EXPECT_TRUE(r.return_documents);
}

TEST(ServeRequest, ErrorsNameTheField) {
    EXPECT_EQ(rerank_error("{").field, "body");
    EXPECT_EQ(rerank_error("[1]").field, "body");
    EXPECT_EQ(rerank_error(R"({"documents":["a"]})").field, "query");
    EXPECT_EQ(rerank_error(R"({"query":"q"})").field, "documents");
    EXPECT_EQ(rerank_error(R"({"query":3,"documents":["a"]})").field, "query");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":[]})").field, "documents");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":["a",7]})").field, "documents[1]");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":[{"txt":"a"}]})").field,
              "documents[0].text");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":["a"],"top_n":0})").field, "top_n");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":["a"],"top_n":-1})").field, "top_n");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":["a"],"top_n":"2"})").field, "top_n");
    EXPECT_EQ(rerank_error(R"({"query":"q","documents":["a"],"return_documents":1})").field,
              "return_documents");
    EXPECT_EQ(rerank_error(R"({"query":"  ","documents":["a"]})").field, "query");
}

TEST(ServeRequest, InvalidUtf8AndDeepNestingAreRefused) {
    auto e = rerank_error("{\"query\":\"a\xff\",\"documents\":[\"a\"]}");
    EXPECT_EQ(e.status, 400);
    EXPECT_NE(e.message.find("UTF-8"), std::string::npos);
    EXPECT_NE(e.message.find("byte 11"), std::string::npos) << e.message;
    std::string deep(100'000, '[');
    EXPECT_NE(rerank_error(deep).message.find("nested"), std::string::npos);
    // A lone surrogate escape is not a character.
    EXPECT_EQ(rerank_error(R"({"query":"\ud800","documents":["a"]})").field, "body");
}

TEST(ServeRequest, LimitsGive413) {
    Limits limits;
    limits.max_documents = 2;
    limits.max_document_chars = 3;
    limits.max_body_bytes = 100;
    auto e = rerank_error(R"({"query":"q","documents":["a","b","c"]})", limits);
    EXPECT_EQ(e.status, 413);
    EXPECT_EQ(e.field, "documents");
    e = rerank_error(R"({"query":"q","documents":["a","abcd"]})", limits);
    EXPECT_EQ(e.status, 413);
    EXPECT_EQ(e.field, "documents[1]");
    // Characters, not bytes: three two-byte letters fit.
    RerankRequest ok;
    EXPECT_FALSE(parse_rerank(R"({"query":"q","documents":["äöü"]})", limits, ok));
    e = rerank_error(std::string(101, ' '), limits);
    EXPECT_EQ(e.status, 413);
}

TEST(ServeRequest, TeiAndSearchShapes) {
    TeiRerankRequest t;
    ASSERT_FALSE(parse_tei_rerank(R"({"query":"q","texts":["a"],"raw_scores":true})", {}, t));
    EXPECT_TRUE(t.raw_scores);
    EXPECT_FALSE(t.return_text);
    EXPECT_EQ(parse_tei_rerank(R"({"query":"q","texts":[{"text":"a"}]})", {}, t)->field,
              "texts[0]");
    SearchRequest s;
    ASSERT_FALSE(parse_search(R"({"query":"q"})", {}, s));
    EXPECT_EQ(s.k, 10U);
    EXPECT_EQ(parse_search(R"({"query":"q","k":1001})", {}, s)->field, "k");
    EXPECT_EQ(parse_search(R"({"query":"q","k":2.5})", {}, s)->field, "k");
    EXPECT_EQ(parse_search(R"({"query":"q","pipeline":5})", {}, s)->field, "pipeline");
}

TEST(ServeRequest, ErrorBodyIsJsonWithField) {
    auto j = nlohmann::json::parse(error_body({413, "too big", "documents[2]"}));
    EXPECT_EQ(j["error"]["message"], "too big");
    EXPECT_EQ(j["error"]["field"], "documents[2]");
    EXPECT_EQ(j["error"]["status"], 413);
    EXPECT_TRUE(nlohmann::json::parse(error_body({400, "x", ""}))["error"]["field"].is_null());
}

TEST(ServeRequest, RankScoresSortsByScoreThenIndexAndCuts) {
    std::vector<IndexedScore> s = {{0, 1.0F}, {1, 3.0F}, {2, 1.0F}, {3, NAN}, {4, 3.0F}};
    rank_scores(s, 0);
    std::vector<std::size_t> order;
    for (auto& x : s)
        order.push_back(x.index);
    EXPECT_EQ(order, (std::vector<std::size_t>{1, 4, 0, 2, 3}));
    rank_scores(s, 2);
    ASSERT_EQ(s.size(), 2U);
    EXPECT_EQ(s[1].index, 4U);
}

TEST(ServeRequest, SigmoidAndSnippet) {
    EXPECT_FLOAT_EQ(sigmoid(0.0F), 0.5F);
    EXPECT_NEAR(sigmoid(2.0F), 0.880797F, 1e-6);
    EXPECT_EQ(sigmoid(-200.0F), 0.0F);
    EXPECT_EQ(sigmoid(200.0F), 1.0F);
    EXPECT_EQ(snippet("short", 10), "short");
    EXPECT_EQ(snippet("hello wonderful world", 12), "hello wonder\u2026");
    EXPECT_EQ(snippet("hello wonderful world", 17), "hello wonderful\u2026");
    EXPECT_EQ(snippet("ääääää", 3), "äää\u2026");
    EXPECT_EQ(count_code_points("aä€😀"), 4U);
}

}  // namespace
}  // namespace cascade::serve
