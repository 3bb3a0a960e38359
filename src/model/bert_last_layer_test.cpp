// The first-token last layer (BertModel::first_token_last_layer) against the full last layer
// on random batches of mixed lengths 1..512, fp32 and int8: cross-encoders (BERT, XLM-R) and
// a CLS-pooling bi-encoder take the shortcut and must give the same outputs; a mean-pooling
// bi-encoder must not take it.
#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "model/bert.hpp"
#include "model/kernels/gemm.hpp"

namespace cascade::model {
namespace {

const std::filesystem::path kGolden =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";

// Lengths 1 and the model maximum plus random ones in between; random ids and token types.
std::vector<Sequence> random_batch(const ModelConfig& c, std::uint32_t seed) {
    std::mt19937 rng(seed);
    const auto max_len = static_cast<std::size_t>(c.max_sequence_length());
    std::vector<std::size_t> lengths{1, max_len};
    for (int i = 0; i < 5; ++i)
        lengths.push_back(std::uniform_int_distribution<std::size_t>(2, max_len - 1)(rng));
    std::uniform_int_distribution<std::int32_t> id(0, static_cast<std::int32_t>(c.vocab_size - 1));
    std::uniform_int_distribution<std::int32_t> type(
        0, static_cast<std::int32_t>(c.type_vocab_size - 1));
    std::vector<Sequence> batch;
    for (std::size_t len : lengths) {
        Sequence s;
        for (std::size_t t = 0; t < len; ++t) {
            s.input_ids.push_back(id(rng));
            s.token_type_ids.push_back(type(rng));
        }
        batch.push_back(std::move(s));
    }
    return batch;
}

// Max over outputs of |first - full| / max(1, |full|); also checks the outputs are not all
// equal to each other (a head that ignored its input would pass trivially otherwise).
double compare(BertModel& model, const std::vector<Sequence>& seqs, const RunContext& ctx) {
    std::vector<const Sequence*> batch;
    for (const auto& s : seqs)
        batch.push_back(&s);
    model.set_first_token_last_layer(false);
    const auto full = model.forward(batch, ctx);
    model.set_first_token_last_layer(true);
    const auto first = model.forward(batch, ctx);
    EXPECT_EQ(full.size(), seqs.size());
    EXPECT_EQ(first.size(), full.size());
    EXPECT_NE(full.front(), full.back());
    double worst = 0;
    for (std::size_t s = 0; s < full.size(); ++s) {
        EXPECT_EQ(first[s].size(), full[s].size());
        for (std::size_t i = 0; i < full[s].size(); ++i)
            worst = std::max(worst, std::fabs(static_cast<double>(first[s][i]) - full[s][i]) /
                                        std::max(1.0, std::fabs(static_cast<double>(full[s][i]))));
    }
    return worst;
}

class FirstTokenLastLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(FirstTokenLastLayer, SameOutputsAsFullLastLayer) {
    BertModel model(kGolden / GetParam());
    const auto& c = model.config();
    ASSERT_EQ(model.first_token_last_layer(),
              c.head == HeadKind::SequenceClassification || c.pooling == PoolingMode::Cls);
    const auto seqs = random_batch(c, 7);
    kernels::ThreadPool pool(2);
    kernels::set_blas_threads(1);
    for (auto isa : {kernels::Isa::Scalar, kernels::best_isa()}) {
        const RunContext ctx{&pool, isa};
        EXPECT_LE(compare(model, seqs, ctx), 1e-5)
            << GetParam() << " fp32 " << kernels::isa_name(isa);
    }
    model.quantize_int8();
    for (auto isa : {kernels::Isa::Scalar, kernels::best_isa()}) {
        const RunContext ctx{&pool, isa};
        // int8: the same integer products; only the fp32 rounding order in attention differs
        // (seen: < 1e-6), which could move an activation across a quantization step.
        EXPECT_LE(compare(model, seqs, ctx), 1e-4)
            << GetParam() << " int8 " << kernels::isa_name(isa);
    }
}

TEST_P(FirstTokenLastLayer, Bf16SameOutputsAsFullLastLayer) {
    BertModel model(kGolden / GetParam());
    model.convert_bf16();
    const auto seqs = random_batch(model.config(), 9);
    kernels::ThreadPool pool(2);
    const RunContext ctx{&pool, kernels::best_isa()};
    // The same bf16 products either way; only the fp32 rounding order in attention differs,
    // which can move an activation across a bf16 rounding step.
    EXPECT_LE(compare(model, seqs, ctx), 1e-3) << GetParam() << " bf16";
}

// Mean pooling reads every token's final state: the model must keep the full last layer.
TEST(FirstTokenLastLayer, MeanPoolingKeepsFullPath) {
    const BertModel model(kGolden / "minilm-l6-h384");
    ASSERT_EQ(model.config().pooling, PoolingMode::Mean);
    EXPECT_FALSE(model.first_token_last_layer());
}

INSTANTIATE_TEST_SUITE_P(Models, FirstTokenLastLayer,
                         ::testing::Values("bert-tiny", "xlmr-tiny", "bert-micro-bi"));

}  // namespace
}  // namespace cascade::model
