// TILDE passage expansion (model/token_expand.hpp) on the random-weight SPLADE golden folder
// relabelled BertLMHeadModel (the same encoder + cls.predictions layout): the first-position
// logits against the float64 PyTorch reference rows in splade-tiny.golden.json, the expansion
// ids against expansion.py's rule applied here to those logits (top m, less the passage's ids
// and clean_vacab's bad ids, in descending logit order), the expanded TILDEv2 input, and the
// refusals.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/token_expand.hpp"
#include "model/token_tilde.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kGolden = fs::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";

/// splade-tiny copied with config.json's architectures (and `extra` fields) rewritten.
class ExpansionFolder {
public:
    explicit ExpansionFolder(const std::string& tag, const json& extra = json::object()) {
        m_dir = fs::temp_directory_path() /
                ("cascade_expand_" + tag + "_" + std::to_string(::getpid()));
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
        for (const auto& e : fs::directory_iterator(kGolden / "splade-tiny"))
            fs::copy_file(e.path(), m_dir / e.path().filename());
        std::ifstream in(m_dir / "config.json");
        json config = json::parse(in);
        config["architectures"] = json::array({"BertLMHeadModel"});
        config.update(extra);
        std::ofstream(m_dir / "config.json") << config.dump(2);
    }
    ~ExpansionFolder() {
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }
    ExpansionFolder(const ExpansionFolder&) = delete;
    ExpansionFolder& operator=(const ExpansionFolder&) = delete;
    [[nodiscard]] const fs::path& path() const { return m_dir; }

private:
    fs::path m_dir;
};

EncoderOptions options() {
    return EncoderOptions{4, 1, false};
}

// tests/reference/make_tilde_expansion_goldens.py: expansion.py + indexingv2.py in float64 on
// the BertLMHeadModel folder tilde-expand-tiny and the TILDEv2 folder tilde-tiny.
TEST(TildeExpansion, ExpansionIdsAndExpandedWeightsMatchTheReference) {
    std::ifstream in(kGolden / "tilde-expand-tiny.golden.json");
    ASSERT_TRUE(in.good());
    const json golden = json::parse(in);
    const double tol = golden.at("tolerance").get<double>();
    TildeExpander expander(kGolden / "tilde-expand-tiny", options());
    TildeEncoder tilde(kGolden / "tilde-tiny", options());
    const auto texts = golden.at("texts").get<std::vector<std::string>>();
    for (std::int32_t id : golden.at("bad_ids").get<std::vector<std::int32_t>>())
        EXPECT_TRUE(expander.is_bad(id)) << id;
    std::size_t bad = 0;
    for (std::size_t id = 0; id < expander.vocab_size(); ++id)
        bad += expander.is_bad(static_cast<std::int32_t>(id)) ? 1 : 0;
    EXPECT_EQ(bad, golden.at("bad_ids").size());
    std::size_t non_empty = 0;
    for (const auto& c : golden.at("cases")) {
        const std::string where = "text " + std::to_string(c.at("text").get<int>()) + " m " +
                                  std::to_string(c.at("terms").get<int>());
        const Encoding e = expander.encode_passage(texts.at(c.at("text").get<std::size_t>()));
        ASSERT_EQ(e.ids, c.at("ids").get<std::vector<std::int32_t>>()) << where;
        const auto expansion = expander.expand({e}, c.at("terms").get<std::size_t>(), 1)[0];
        ASSERT_EQ(expansion, c.at("expansion").get<std::vector<std::int32_t>>()) << where;
        non_empty += expansion.empty() ? 0 : 1;
        const auto psg = TildeExpander::expanded_ids(e, expansion);
        ASSERT_EQ(psg, c.at("psg").get<std::vector<std::int32_t>>()) << where;
        const Encoding t = tilde.encode_ids(psg);
        ASSERT_EQ(t.ids, c.at("tilde_ids").get<std::vector<std::int32_t>>()) << where;
        const std::vector<float> weights = tilde.token_weights({t}, 1);
        const auto want = c.at("token_weights").get<std::vector<double>>();
        ASSERT_EQ(weights.size(), want.size()) << where;
        for (std::size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(weights[i], want[i], tol * std::max(1.0, std::fabs(want[i])))
                << where << " token " << i;
        const auto distinct = tilde.distinct_weights(t.ids, weights);
        const auto& want_distinct = c.at("distinct");
        ASSERT_EQ(distinct.size(), want_distinct.size()) << where;
        for (std::size_t i = 0; i < distinct.size(); ++i) {
            EXPECT_EQ(distinct[i].first, want_distinct[i][0].get<std::int32_t>()) << where;
            EXPECT_NEAR(distinct[i].second, want_distinct[i][1].get<double>(), tol) << where;
        }
    }
    EXPECT_GT(non_empty, 10U);
}

TEST(TildeExpansion, FirstPositionLogitsMatchTheReference) {
    const ExpansionFolder folder("logits");
    TildeExpander expander(folder.path(), options());
    std::ifstream in(kGolden / "splade-tiny.golden.json");
    const json golden = json::parse(in);
    int checked = 0;
    for (const auto& c : golden.at("cases")) {
        if (!c.contains("logit_rows") || c.at("logit_rows")[0].get<int>() != 0)
            continue;
        Encoding e;
        e.ids = c.at("ids").get<std::vector<std::int32_t>>();
        e.type_ids.assign(e.ids.size(), 0);
        e.attention_mask.assign(e.ids.size(), 1);
        const std::vector<float> got = expander.logits({e}, 1);
        const auto want = c.at("logits")[0].get<std::vector<double>>();
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t j = 0; j < want.size(); ++j)
            ASSERT_NEAR(got[j], want[j], 1e-4 * std::max(1.0, std::fabs(want[j])))
                << "case " << checked << " id " << j;
        ++checked;
    }
    EXPECT_GE(checked, 3);
}

TEST(TildeExpansion, ExpansionIsTopMLessPassageAndBadIdsInLogitOrder) {
    const ExpansionFolder folder("rule");
    TildeExpander expander(folder.path(), options());
    const Tokenizer& tok = expander.tokenizer();
    // Ids the rule must never add, named here independently of the code under test.
    std::set<std::int32_t> never;
    for (const char* t : {"[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[unused0]", "the", "a",
                          "what", "how", "is", "##s", ".", ",", "é", "中"})
        never.insert(tok.token_to_id(t).value());
    for (std::int32_t id : never)
        EXPECT_TRUE(expander.is_bad(id)) << tok.id_to_token(id);
    for (const char* t : {"cat", "river", "##ing", "2024", "colbert"})
        EXPECT_FALSE(expander.is_bad(tok.token_to_id(t).value())) << t;

    const std::vector<std::string> texts = {"the cat sat on the mat", "what is the river bank", "",
                                            "sparse retrieval, dense retrieval"};
    std::vector<Encoding> encodings;
    for (const auto& t : texts)
        encodings.push_back(expander.encode_passage(t));
    EXPECT_EQ(encodings[0].ids.front(), TildeExpander::kPassageMarker);
    const std::vector<float> logits = expander.logits(encodings, 1);
    const std::size_t vocab = expander.vocab_size();
    for (std::size_t m : {1UL, 10UL, 40UL, 100000UL}) {
        const auto got = expander.expand(encodings, m, 2);
        ASSERT_EQ(got.size(), texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const float* l = logits.data() + i * vocab;
            std::vector<std::int32_t> order(vocab);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [l](std::int32_t a, std::int32_t b) {
                return l[static_cast<std::size_t>(a)] > l[static_cast<std::size_t>(b)];
            });
            std::vector<std::int32_t> want;
            const std::set<std::int32_t> present(encodings[i].ids.begin(), encodings[i].ids.end());
            for (std::size_t r = 0; r < std::min(m, vocab); ++r)
                if (!present.contains(order[r]) && !expander.is_bad(order[r]) && order[r] != 0)
                    want.push_back(order[r]);
            EXPECT_EQ(got[i], want) << "text " << i << " m " << m;
            for (std::int32_t id : got[i])
                EXPECT_FALSE(never.contains(id)) << tok.id_to_token(id);
        }
    }
    // The expanded passage: text ids and [SEP] after the marker, then the new ids.
    const auto exp = expander.expand(encodings, 40, 1);
    ASSERT_FALSE(exp[0].empty());
    const auto ids = TildeExpander::expanded_ids(encodings[0], exp[0]);
    ASSERT_EQ(ids.size(), encodings[0].ids.size() - 1 + exp[0].size());
    EXPECT_TRUE(std::equal(encodings[0].ids.begin() + 1, encodings[0].ids.end(), ids.begin()));
    EXPECT_EQ(ids[encodings[0].ids.size() - 2], tok.token_to_id("[SEP]").value());
}

TEST(TildeExpansion, TildeEncodesExpandedIdsAsIndexingV2) {
    TildeEncoder tilde(kGolden / "tilde-tiny", options());
    const Tokenizer& tok = tilde.tokenizer();
    const std::int32_t cls = tok.token_to_id("[CLS]").value();
    const std::int32_t sep = tok.token_to_id("[SEP]").value();
    const std::vector<std::int32_t> content = {40, 41, sep, 50, 51, 52};
    const Encoding e = tilde.encode_ids(content);
    const std::vector<std::int32_t> want = {cls, 40, 41, sep, 50, 51, 52, sep};
    EXPECT_EQ(e.ids, want);
    const Encoding cut = tilde.encode_ids(content, 5);
    EXPECT_EQ(cut.ids, (std::vector<std::int32_t>{cls, 40, 41, sep, sep}));
    // The same ids as text give the same weights as document encoding.
    const Encoding doc = tilde.encode_document("the cat sat");
    const Encoding again =
        tilde.encode_ids(std::vector<std::int32_t>(doc.ids.begin() + 1, doc.ids.end() - 1));
    EXPECT_EQ(again.ids, doc.ids);
}

TEST(TildeExpansion, WrongFoldersAndTermsAreRefused) {
    try {
        TildeExpander bad(kGolden / "splade-tiny", options());
        FAIL() << "a BertForMaskedLM folder was accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("BertLMHeadModel"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("BertForMaskedLM"), std::string::npos) << e.what();
    }
    EXPECT_THROW(TildeExpander(kGolden / "tilde-tiny", options()), UsageError);
    const ExpansionFolder decoder("decoder", json{{"is_decoder", true}});
    try {
        TildeExpander bad(decoder.path(), options());
        FAIL() << "is_decoder accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("is_decoder"), std::string::npos) << e.what();
    }
    const ExpansionFolder folder("terms");
    TildeExpander expander(folder.path(), options());
    EXPECT_THROW((void)expander.expand({expander.encode_passage("cat")}, 0, 1), UsageError);
}

}  // namespace
}  // namespace cascade::model
