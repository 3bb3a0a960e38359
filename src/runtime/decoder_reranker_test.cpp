/// The decoder yes/no re-ranker: prompt ids against Hugging Face's tokenizer and scores against
/// the PyTorch reference (tests/reference/make_reranker_goldens.py), the shared-prefix path
/// against every prompt run alone, and the errors of unusable folders.
#include "runtime/decoder_reranker.hpp"

#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.hpp"
#include "runtime/chat_format.hpp"
#include "runtime/model_pool.hpp"
#include "runtime/pointwise_prompt.hpp"
#include "util/error.hpp"

namespace cascade::runtime {
namespace {

using nlohmann::json;

const std::filesystem::path kGolden =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";
const std::filesystem::path kFolder = kGolden / "qwen3-reranker-tiny";

ModelOptions options_for(const std::filesystem::path& dir) {
    ModelOptions o;
    o.dir = dir;
    return o;
}

json read_json(const std::filesystem::path& file) {
    std::ifstream in(file);
    return json::parse(in);
}

/// `what` thrown by `fn` (empty when nothing was).
template <class Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST(DecoderReranker, PromptIdsAndScoresEqualTheReference) {
    const json golden = read_json(kGolden / "qwen3-reranker-tiny.golden.json");
    DecoderReranker model(options_for(kFolder), 1);
    EXPECT_EQ(model.yes_id(), golden["yes_id"].get<int>());
    EXPECT_EQ(model.no_id(), golden["no_id"].get<int>());
    const double tol = golden["tolerance"].get<double>();
    for (const auto& c : golden["cases"]) {
        const std::vector<std::string> doc{c["document"].get<std::string>()};
        auto encodings = model.encode_pairs(c["query"], doc, c["max_length"].get<std::size_t>(),
                                            c["instruction"].get<std::string>());
        ASSERT_EQ(encodings.size(), 1U);
        EXPECT_EQ(encodings[0].ids, c["ids"].get<std::vector<std::int32_t>>()) << c["document"];
        const float diff = model.forward(encodings, 1).at(0);
        const double want = c["logit_difference"].get<double>();
        EXPECT_LE(std::fabs(diff - want), tol * std::max(1.0, std::fabs(want))) << c["document"];
        EXPECT_NEAR(yes_probability(diff), c["probability"].get<double>(), tol);
    }
}

TEST(DecoderReranker, SpecialTokensAreSingleIds) {
    DecoderReranker model(options_for(kFolder), 1);
    const auto& tokenizer = model.prompt().tokenizer();
    for (const auto& [text, id] : {std::pair{"<|im_start|>", 151644},
                                   {"<|im_end|>", 151645},
                                   {"<think>", 151667},
                                   {"</think>", 151668}})
        EXPECT_EQ(tokenizer.encode(text, false).ids, std::vector<std::int32_t>{id}) << text;
}

TEST(DecoderReranker, YesProbabilityIsAStableSigmoid) {
    EXPECT_FLOAT_EQ(yes_probability(0.0F), 0.5F);
    EXPECT_NEAR(yes_probability(2.0F), 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
    EXPECT_NEAR(yes_probability(-2.0F), 1.0 / (1.0 + std::exp(2.0)), 1e-7);
    EXPECT_EQ(yes_probability(-200.0F), 0.0F);  // no overflow to NaN
    EXPECT_EQ(yes_probability(200.0F), 1.0F);
}

/// Many queries' documents in one batch: the shared-prefix path equals each prompt alone.
TEST(DecoderReranker, SharedPrefixEqualsEachPromptAlone) {
    ModelOptions options = options_for(kFolder);
    options.batch_size = 7;  // chunks that split groups: prefixes must outlive a chunk
    DecoderReranker model(options, 2);
    const std::vector<std::string> queries{"what causes tides", "capital of china", "x"};
    const std::vector<std::string> docs{"The moon's gravity pulls the oceans.",
                                        "Beijing is the capital.", "A",
                                        "Tides rise and fall twice a day because of the moon "
                                        "and the sun, whose pull is weaker.",
                                        "中文 🦙 text"};
    std::vector<model::Encoding> batch;
    for (const auto& q : queries)
        for (auto& e : model.encode_pairs(q, docs, model.max_length()))
            batch.push_back(std::move(e));
    // One more prompt whose prefix nobody shares, and a repeated document.
    batch.push_back(model.encode_pairs("lonely", docs, model.max_length())[1]);
    batch.push_back(batch[0]);
    const std::vector<float> shared = model.forward(batch, 2);
    const PrefixStats stats = model.prefix_stats();

    model.set_shared_prefix(false);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const float alone = model.forward({batch[i]}, 1).at(0);
        EXPECT_NEAR(shared[i], alone, 1e-5 * std::max(1.0F, std::fabs(alone))) << i;
    }
    std::size_t prompt_tokens = 0;
    for (const auto& e : batch)
        prompt_tokens += e.size();
    EXPECT_EQ(stats.prompt_tokens, prompt_tokens);
    EXPECT_LT(stats.run_tokens, prompt_tokens);
    std::cout << "shared prefix: " << batch.size() << " prompts of " << queries.size() + 1
              << " queries, " << prompt_tokens << " prompt tokens, " << stats.run_tokens << " run ("
              << prompt_tokens - stats.run_tokens << " saved)\n";
}

TEST(DecoderReranker, InstructionIsPerCallAndSharesTheWeights) {
    ModelPool pool;
    auto a = pool.get(options_for(kFolder), Task::ScorePairs);
    ModelOptions other = options_for(kFolder);
    other.set("instruction", "Judge the claim");
    auto b = pool.get(other, Task::ScorePairs);
    EXPECT_EQ(a.get(), b.get());
    EXPECT_EQ(pool.loads(), 1U);
    const std::vector<std::string> docs{"Beijing is the capital."};
    const float base = a->score_pairs("capital of china", docs).get().at(0);
    const float judged = a->score_pairs("capital of china", docs,
                                        LoadedModel::Clock::time_point::max(), other.instruction)
                             .get()
                             .at(0);
    EXPECT_NE(base, judged);
    EXPECT_EQ(a->score_pairs("capital of china", docs).get().at(0), base);
    // yes/no tokens choose the rows a copy computes: another copy.
    ModelOptions swapped = options_for(kFolder);
    swapped.set("yes_token", "no");
    swapped.set("no_token", "yes");
    auto c = pool.get(swapped, Task::ScorePairs);
    EXPECT_NE(a.get(), c.get());
    EXPECT_FLOAT_EQ(c->score_pairs("capital of china", docs).get().at(0), -base);
}

TEST(DecoderReranker, PromptLongerThanTheLimitNamesIt) {
    ModelOptions options = options_for(kFolder);
    options.set("max_length", "40");
    DecoderReranker model(options, 1);
    const std::vector<std::string> docs{"d"};
    const std::string what = error_of([&] { (void)model.encode_pairs("q", docs, 40); });
    EXPECT_NE(what.find("limit is 40 tokens (the max_length option)"), std::string::npos) << what;
    // Without the option, the limit is the config's.
    DecoderReranker full(options_for(kFolder), 1);
    std::string long_query;
    for (int i = 0; i < 1100; ++i)
        long_query += " cat";
    const std::string config =
        error_of([&] { (void)full.encode_pairs(long_query, docs, full.max_length()); });
    EXPECT_NE(config.find("max_position_embeddings of"), std::string::npos) << config;
    EXPECT_NE(config.find("config.json"), std::string::npos) << config;
    ModelOptions too_long = options_for(kFolder);
    too_long.set("max_length", "2048");
    EXPECT_THROW(DecoderReranker(too_long, 1), UsageError);
}

TEST(DecoderReranker, DocumentsAreCutAtTheirEnd) {
    DecoderReranker model(options_for(kFolder), 1);
    const std::vector<std::string> docs{std::string(5000, 'z') + " end", "short"};
    const auto e = model.encode_pairs("q", docs, 100);
    EXPECT_EQ(e[0].size(), 100U);
    EXPECT_LT(e[1].size(), 100U);
    // Both end with the assistant turn.
    EXPECT_TRUE(std::equal(e[1].ids.end() - 9, e[1].ids.end(), e[0].ids.end() - 9));
}

/// A copy of the tiny folder whose tokenizer.json is changed by `edit`.
std::filesystem::path folder_with_tokenizer(const std::string& name,
                                            const std::function<void(json&)>& edit) {
    const auto dir = std::filesystem::temp_directory_path() / ("cascade-reranker-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(kFolder / "config.json", dir / "config.json");
    std::filesystem::create_symlink(kFolder / "model.safetensors", dir / "model.safetensors");
    json tokenizer = read_json(kFolder / "tokenizer.json");
    edit(tokenizer);
    std::ofstream(dir / "tokenizer.json") << tokenizer.dump();
    return dir;
}

TEST(DecoderReranker, TokenizerWithoutChatTokensIsAnErrorNamingTheFile) {
    const auto dir = folder_with_tokenizer("no-im-start", [](json& t) {
        auto& added = t["added_tokens"];
        for (auto it = added.begin(); it != added.end(); ++it)
            if ((*it)["content"] == "<|im_start|>") {
                added.erase(it);
                break;
            }
    });
    const std::string what = error_of([&] { (void)DecoderReranker(options_for(dir), 1); });
    EXPECT_NE(what.find((dir / "tokenizer.json").string()), std::string::npos) << what;
    EXPECT_NE(what.find("<|im_start|>"), std::string::npos) << what;
    std::filesystem::remove_all(dir);
}

// The Qwen3 tokenizer with its ChatML markers renamed to Llama 3's (same ids, so the tiny
// model's embedding rows exist): a tokenizer in the Llama 3 chat format.
std::filesystem::path llama3_chat_folder() {
    return folder_with_tokenizer("llama3-chat", [](json& t) {
        const std::map<std::string, std::string> rename{
            {"<|im_start|>", "<|start_header_id|>"},
            {"<|im_end|>", "<|eot_id|>"},
            {"<|object_ref_start|>", "<|begin_of_text|>"},
            {"<|object_ref_end|>", "<|end_header_id|>"}};
        for (auto& added : t["added_tokens"])
            if (auto it = rename.find(added["content"].get<std::string>()); it != rename.end())
                added["content"] = it->second;
    });
}

TEST(DecoderReranker, Llama3ChatFormatBuildsItsTurnsAndIsChosenFromTheTokenizer) {
    const auto dir = llama3_chat_folder();
    const auto tokenizer = model::Tokenizer::from_file(dir / "tokenizer.json");
    const ChatFormat chat(tokenizer, dir / "tokenizer.json");
    EXPECT_EQ(chat.kind(), ChatTemplate::Llama3);
    EXPECT_EQ(chat.end_id(), 151645);
    const PointwisePrompt prompt(tokenizer, dir / "tokenizer.json");
    const std::vector<std::string> docs{"Paris is the capital.", "Bananas are yellow."};
    const auto enc = prompt.encode("Find it", "capital of France?", docs, 512, "test");
    ASSERT_EQ(enc.size(), 2U);
    EXPECT_EQ(tokenizer.decode(enc[0].ids, false),
              "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nJudge whether the "
              "Document meets the requirements based on the Query and the Instruct provided. "
              "Note that the answer can only be \"yes\" or \"no\".<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\n<Instruct>: Find it\n<Query>: "
              "capital of France?\n<Document>: Paris is the capital.<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
    // Each marker is its one token, where the format puts it.
    EXPECT_EQ(enc[1].ids.front(), 151646);  // <|begin_of_text|>
    EXPECT_EQ(enc[1].ids[1], 151644);       // <|start_header_id|>
    // The re-ranker takes the format from the tokenizer, and scores with it.
    DecoderReranker llama(options_for(dir), 1);
    DecoderReranker chatml(options_for(kFolder), 1);
    const auto a = llama.forward(llama.encode_pairs("capital of France?", docs, 512), 1);
    const auto b = chatml.forward(chatml.encode_pairs("capital of France?", docs, 512), 1);
    ASSERT_EQ(a.size(), 2U);
    EXPECT_NE(a, b) << "the prompts differ, so must the scores";
    // Asking for ChatML of a Llama 3 tokenizer names the file and the missing token.
    ModelOptions chatml_options = options_for(dir);
    chatml_options.set("chat_template", "chatml");
    const std::string what = error_of([&] { (void)DecoderReranker(chatml_options, 1); });
    EXPECT_NE(what.find((dir / "tokenizer.json").string()), std::string::npos) << what;
    EXPECT_NE(what.find("<|im_start|>"), std::string::npos) << what;
    EXPECT_NE(what.find("chatml"), std::string::npos) << what;
    std::filesystem::remove_all(dir);
}

TEST(DecoderReranker, ChatTemplateOptionIsCheckedAndKeysThePool) {
    ModelOptions o = options_for(kFolder);
    const std::string plain = o.key();
    o.set("chat_template", "chatml");
    EXPECT_NE(o.key(), plain);
    EXPECT_THROW(o.set("chat_template", "alpaca"), UsageError);
    // An explicit chatml gives the auto prompt's ids on a ChatML tokenizer.
    DecoderReranker automatic(options_for(kFolder), 1);
    DecoderReranker explicit_chatml(o, 1);
    const std::vector<std::string> docs{"one document"};
    EXPECT_EQ(automatic.encode_pairs("q", docs, 512)[0].ids,
              explicit_chatml.encode_pairs("q", docs, 512)[0].ids);
}

TEST(DecoderReranker, MissingYesOrNoTokenIsAnErrorNamingTheFileAndOption) {
    // (Deleting "yes" from the real vocabulary would break its BPE merges, so the option names
    // an entry the tokenizer does not have.)
    for (const char* option : {"yes_token", "no_token"}) {
        ModelOptions odd = options_for(kFolder);
        odd.set(option, "definitely-not-one-token");
        const std::string what = error_of([&] { (void)DecoderReranker(odd, 1); });
        EXPECT_NE(what.find((kFolder / "tokenizer.json").string()), std::string::npos) << what;
        EXPECT_NE(what.find(option), std::string::npos) << what;
        EXPECT_NE(what.find("definitely-not-one-token"), std::string::npos) << what;
    }
}

TEST(DecoderReranker, UnsupportedDecoderGetsTheDecoderError) {
    const auto dir = std::filesystem::temp_directory_path() / "cascade-reranker-mistral";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    json config = read_json(kFolder / "config.json");
    config["architectures"] = {"MistralForCausalLM"};
    std::ofstream(dir / "config.json") << config.dump();
    EXPECT_TRUE(is_decoder_reranker_folder(dir));
    const std::string what =
        error_of([&] { (void)load_model(options_for(dir), Task::ScorePairs, 1); });
    EXPECT_NE(what.find("MistralForCausalLM"), std::string::npos) << what;
    EXPECT_NE(what.find("Qwen3ForCausalLM"), std::string::npos) << what;  // the supported list
    std::filesystem::remove_all(dir);
    EXPECT_THROW((void)load_model(options_for(kFolder), Task::EmbedTexts, 1), UsageError);
}

}  // namespace
}  // namespace cascade::runtime
