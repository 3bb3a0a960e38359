/// The `bm25` first stage: Lucene/Anserini-exact BM25 (retrieve/bm25_retriever.hpp).
#include <limits>

#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/stages.hpp"
#include "retrieve/bm25_retriever.hpp"

namespace cascade::rerank {
namespace {

class Bm25Stage final : public FirstStage {
public:
    Bm25Stage(const index::Index& index, retrieve::Bm25Options options, std::size_t k,
              bool remove_query, FeatureSchema& features)
        : m_retriever(index, std::move(options)),
          m_k(k),
          m_remove_query(remove_query),
          m_score_id(features.id("first_stage_score")),
          m_rank_id(features.id("first_stage_rank")) {}

    [[nodiscard]] std::string_view type() const override { return "bm25"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("{},k={}", m_retriever.name(), m_k);
    }
    [[nodiscard]] const retrieve::Retriever& retriever() const override { return m_retriever; }
    [[nodiscard]] const retrieve::Bm25Retriever* bm25() const override { return &m_retriever; }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        retrieve_candidates(m_retriever, queries, lists, m_k, m_remove_query, m_score_id,
                            m_rank_id);
    }

private:
    retrieve::Bm25Retriever m_retriever;
    std::size_t m_k;
    bool m_remove_query;
    FeatureId m_score_id;
    FeatureId m_rank_id;
};

}  // namespace

std::unique_ptr<Stage> make_bm25_stage(StageParams& params, StageEnv& env) {
    retrieve::Bm25Options options;
    // Defaults and checks are Bm25Params' (Anserini's k1 and b; Lucene's ranges), the ones
    // `cascade search` uses: any finite k1 >= 0, b in [0, 1].
    constexpr retrieve::Bm25Params kDefaults{};
    options.params.k1 = static_cast<float>(
        params.number("k1", kDefaults.k1, 0.0, std::numeric_limits<double>::infinity()));
    options.params.b = static_cast<float>(params.number("b", kDefaults.b, 0.0, 1.0));
    try {
        retrieve::validate(options.params);
    } catch (const UsageError& e) {
        // Only a k1 too large for a float gets here; the ranges above hold the rest.
        throw params.error("k1", e.what());
    }
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    const std::string fields = params.string("fields", "");
    const std::string algorithm =
        params.choice("algorithm", "maxscore", {"exhaustive", "maxscore", "wand", "bmw", "bmm"});
    const bool remove_query = params.flag("remove_query", false);
    try {
        if (!fields.empty()) {
            options.fields = retrieve::parse_field_weights(fields);
        }
        options.algorithm = retrieve::parse_algorithm(algorithm);
        return std::make_unique<Bm25Stage>(*env.index, std::move(options), k, remove_query,
                                           *env.features);
    } catch (const UsageError& e) {
        throw params.error(fields.empty() ? "type" : "fields", e.what());
    }
}

}  // namespace cascade::rerank
