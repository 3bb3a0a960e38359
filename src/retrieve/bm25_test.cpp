// Lucene 9 BM25 parity. Golden values come from an independent float32 emulation of
// BM25Similarity/SmallFloat written in Python (every +,-,*,/ rounded to float32 through
// struct.pack('<f')), regenerated with: python3 src/retrieve/testdata/bm25_golden.py
// Statistics are SciFact's flat index as Anserini reports them (5183 documents, 838128 terms).

#include <gtest/gtest.h>

#include "retrieve/bm25.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {
namespace {

TEST(Bm25, LengthTableIsSmallFloatByte4ToInt) {
    const auto& t = lucene_length_table();
    EXPECT_EQ(t[0], 0.0F);
    EXPECT_EQ(t[23], 23.0F);
    EXPECT_EQ(t[24], 24.0F);
    EXPECT_EQ(t[25], 25.0F);
    EXPECT_EQ(t[40], 40.0F);
    EXPECT_EQ(t[41], 42.0F);
    EXPECT_EQ(t[100], 3096.0F);
    EXPECT_EQ(t[255], 2013265944.0F);
}

TEST(Bm25, IdfAndAvgdlMatchLucene) {
    EXPECT_EQ(lucene_avgdl(838128, 5183), 0x1.436a0cp+7F);
    EXPECT_EQ(lucene_idf(1, 5183), 0x1.04bb54p+3F);
    EXPECT_EQ(lucene_idf(10, 5183), 0x1.8cecdcp+2F);
    EXPECT_EQ(lucene_idf(5183, 5183), 0x1.94900ep-14F);
    EXPECT_EQ(lucene_idf(2500, 5183), 0x1.754acap-1F);
    EXPECT_EQ(lucene_idf(3, 3), 0x1.1178e8p-3F);
}

TEST(Bm25, TermScoresMatchLuceneBitForBit) {
    Bm25FieldScorer field(Bm25Params{}, lucene_avgdl(838128, 5183));
    struct Row {
        float boost;
        std::uint64_t df;
        std::uint32_t freq;
        std::uint8_t norm;
        float norm_inverse;
        float score;
    };
    const Row rows[] = {
        {1.0F, 10, 1, 12, 0x1.c3b9eap+0F, 0x1.fab28cp+1F},
        {2.0F, 10, 3, 70, 0x1.d4d14ep-1F, 0x1.22fe3ep+3F},
        {1.0F, 1, 1, 87, 0x1.770166p-2F, 0x1.178ee0p+1F},
        {3.0F, 2500, 7, 48, 0x1.812756p+0F, 0x1.ff6194p+0F},
    };
    for (const Row& r : rows) {
        EXPECT_EQ(field.norm_inverse(r.norm), r.norm_inverse) << int(r.norm);
        float weight = term_weight(r.boost, lucene_idf(r.df, 5183));
        EXPECT_EQ(field.score(weight, r.freq, r.norm), r.score) << int(r.norm);
    }
}

TEST(Bm25, ScoreIsMonotoneInFreqAndNorm) {
    Bm25FieldScorer field(Bm25Params{1.2F, 0.75F}, 37.5F);
    float weight = 3.7F;
    for (int norm = 1; norm < 255; ++norm) {
        for (std::uint32_t f = 1; f < 300; ++f) {
            auto n = static_cast<std::uint8_t>(norm);
            ASSERT_LE(field.score(weight, f, n), field.score(weight, f + 1, n));
            ASSERT_GE(field.score(weight, f, n), field.score(weight, f, n + 1));
        }
    }
}

TEST(Bm25, RejectsParametersLuceneRejects) {
    EXPECT_THROW(validate({-0.1F, 0.4F}), UsageError);
    EXPECT_THROW(validate({0.9F, 1.5F}), UsageError);
    EXPECT_NO_THROW(validate({0.0F, 0.0F}));
}

}  // namespace
}  // namespace cascade::retrieve
