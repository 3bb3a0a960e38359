// End-to-end: the real `cascade rerank` / `cascade embed` binary on the committed micro models
// (real BERT tokenizer.json, random weights) against scores from the PyTorch reference fed with
// Hugging Face's token ids (tests/reference/make_cli_goldens.py).
#include <algorithm>
#include <cmath>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/run_cli.hpp"

namespace {

using cascade::testing::run_cli;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

const std::string kGold = std::string(CASCADE_SOURCE_DIR) + "/tests/golden/model";

std::vector<nlohmann::json> lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            out.push_back(nlohmann::json::parse(line));
    return out;
}

void expect_close(double got, double want, const std::string& where) {
    EXPECT_LE(std::fabs(got - want), 1e-4 * std::max(1.0, std::fabs(want)))
        << where << ": got " << got << " want " << want;
}

TEST(CliRerank, MatchesReferenceScores) {
    const auto r = run_cli("rerank --model " + kGold + "/bert-micro-ce --input " + kGold +
                           "/cli/pairs.jsonl --batch-size 4 --threads 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = lines(r.out);
    const auto want = lines(slurp(kGold + "/cli/rerank.golden.jsonl"));
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        expect_close(got[i]["score"].get<double>(), want[i]["score"].get<double>(),
                     "pair " + std::to_string(i));
    }
}

TEST(CliRerank, BatchSizeOneGivesTheSameScores) {
    const std::string base =
        "rerank --model " + kGold + "/bert-micro-ce --input " + kGold + "/cli/pairs.jsonl";
    const auto a = run_cli(base + " --batch-size 1");
    const auto b = run_cli(base + " --batch-size 64");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    const auto la = lines(a.out), lb = lines(b.out);
    ASSERT_EQ(la.size(), lb.size());
    for (std::size_t i = 0; i < la.size(); ++i)  // GEMM blocking differs with batch size
        EXPECT_NEAR(la[i]["score"].get<double>(), lb[i]["score"].get<double>(), 1e-5) << i;
}

TEST(CliRerank, Int8StaysCloseToFp32) {
    const std::string base =
        "rerank --model " + kGold + "/bert-micro-ce --input " + kGold + "/cli/pairs.jsonl";
    const auto q = run_cli(base + " --int8");
    ASSERT_EQ(q.exit_code, 0) << q.err;
    const auto got = lines(q.out);
    const auto want = lines(slurp(kGold + "/cli/rerank.golden.jsonl"));
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i]["score"].get<double>(), want[i]["score"].get<double>(), 0.05) << i;
}

TEST(CliRerank, BadInputIsReportedWithFileAndLine) {
    TempDir dir;
    const std::string model = " --model " + kGold + "/bert-micro-ce";
    struct Case {
        std::string content;
        std::string expect;
    } cases[] = {
        {"{\"query\": \"a\", \"document\": \"b\"}\n{\"query\": \"a\",\n", "in.jsonl:2: malformed"},
        {"{\"query\": \"\", \"document\": \"b\"}\n", "in.jsonl:1: empty query"},
        {"{\"query\": \"a\", \"document\": \"  \"}\n", "in.jsonl:1: empty document"},
        {"{\"query\": \"a\"}\n", "in.jsonl:1: missing string field \"document\""},
        {"[1, 2]\n", "in.jsonl:1: missing string field"},
    };
    for (const auto& c : cases) {
        write_file(dir / "in.jsonl", c.content);
        const auto r = run_cli("rerank" + model + " --input " + (dir / "in.jsonl").string());
        EXPECT_EQ(r.exit_code, 1) << c.content;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    }
    write_file(dir / "ok.jsonl", "{\"query\": \"a\", \"document\": \"b\"}\n");
    auto r =
        run_cli("rerank" + model + " --input " + (dir / "ok.jsonl").string() + " --max-length 600");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = run_cli("embed" + model + " --input " + (dir / "ok.jsonl").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("classification model"), std::string::npos) << r.err;
}

TEST(CliRerank, LlmEvidenceIsAnExtraKeyOfYesVerdicts) {
    TempDir dir;
    write_file(dir / "in.jsonl",
               "{\"query\": \"capital of china\", \"document\": \"Beijing is the capital.\"}\n"
               "{\"query\": \"cats\", \"document\": \"Cats purr.\"}\n");
    const std::string model = " --model " + kGold + "/qwen3-reranker-tiny";
    const auto plain = run_cli("rerank" + model + " --input " + (dir / "in.jsonl").string());
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    const auto r = run_cli("rerank" + model + " --input " + (dir / "in.jsonl").string() +
                           " --evidence-tokens 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = lines(r.out);
    const auto scores = lines(plain.out);
    ASSERT_EQ(got.size(), 2u);
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i]["score"], scores[i]["score"]);
        EXPECT_EQ(got[i].contains("evidence"), got[i]["score"].get<double>() > 0.0) << r.out;
    }
    const auto bert = run_cli("rerank --model " + kGold + "/bert-micro-ce --input " +
                              (dir / "in.jsonl").string() + " --evidence-tokens 3");
    EXPECT_EQ(bert.exit_code, 2) << bert.err;
    EXPECT_NE(bert.err.find("evidence"), std::string::npos) << bert.err;
}

TEST(CliRerank, ListMethodsRankEachQuerysDocumentsTogether) {
    TempDir dir;
    // Two queries' lines interleaved: each query's documents are ranked as one list.
    std::string in;
    for (int i = 0; i < 5; ++i) {
        in += "{\"query\": \"capital of china\", \"document\": \"Beijing fact " +
              std::to_string(i) + "\"}\n";
        if (i < 3)
            in += "{\"query\": \"cats\", \"document\": \"Cats purr " + std::to_string(i) + ".\"}\n";
    }
    write_file(dir / "in.jsonl", in);
    const std::string base =
        "rerank --model " + kGold + "/qwen3-reranker-tiny --input " + (dir / "in.jsonl").string();
    for (const char* method : {"first", "listwise"}) {
        const auto r = run_cli(base + " --method " + method + " --window 3 --stride 2");
        ASSERT_EQ(r.exit_code, 0) << method << r.err;
        const auto got = lines(r.out);
        ASSERT_EQ(got.size(), 8u);
        std::vector<double> china, cats;
        for (std::size_t i = 0; i < got.size(); ++i)
            (i == 1 || i == 3 || i == 5 ? cats : china).push_back(got[i]["score"].get<double>());
        std::sort(china.begin(), china.end());
        std::sort(cats.begin(), cats.end());
        EXPECT_EQ(china, (std::vector<double>{1, 2, 3, 4, 5})) << method << r.out;
        EXPECT_EQ(cats, (std::vector<double>{1, 2, 3})) << method << r.out;
    }
    const auto icr = run_cli(base + " --method icr");
    ASSERT_EQ(icr.exit_code, 0) << icr.err;
    EXPECT_EQ(lines(icr.out).size(), 8u);
    // Wrong folder and impossible windows are usage errors naming the problem.
    const auto bert = run_cli("rerank --model " + kGold + "/bert-micro-ce --input " +
                              (dir / "in.jsonl").string() + " --method icr");
    EXPECT_EQ(bert.exit_code, 2) << bert.err;
    EXPECT_NE(bert.err.find("not a decoder"), std::string::npos) << bert.err;
    const auto wide = run_cli(base + " --method first --window 30");
    EXPECT_EQ(wide.exit_code, 2) << wide.err;
    EXPECT_NE(wide.err.find("26"), std::string::npos) << wide.err;
}

TEST(CliRerank, MillionCharacterDocumentIsTruncated) {
    TempDir dir;
    std::string doc;
    while (doc.size() < 1000000)
        doc += "protein expression in tumour cells ";
    write_file(dir / "big.jsonl", "{\"query\": \"tumour\", \"document\": \"" + doc +
                                      "\"}\n"
                                      "{\"query\": \"q\", \"document\": \"d\"}\n");
    const auto r = run_cli("rerank --model " + kGold + "/bert-micro-ce --input " +
                           (dir / "big.jsonl").string() + " --max-length 512");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = lines(r.out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TRUE(std::isfinite(got[0]["score"].get<double>()));
}

TEST(CliEmbed, MatchesReferenceEmbeddings) {
    const auto r = run_cli("embed --model " + kGold + "/bert-micro-bi --input " + kGold +
                           "/cli/texts.jsonl --batch-size 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = lines(r.out);
    const auto want = lines(slurp(kGold + "/cli/embed.golden.jsonl"));
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto g = got[i]["embedding"].get<std::vector<double>>();
        const auto w = want[i]["embedding"].get<std::vector<double>>();
        ASSERT_EQ(g.size(), w.size());
        for (std::size_t k = 0; k < g.size(); ++k)
            expect_close(g[k], w[k], "text " + std::to_string(i) + " dim " + std::to_string(k));
    }
}

}  // namespace
