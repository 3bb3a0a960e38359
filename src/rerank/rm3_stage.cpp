/// The `rm3` stage: expands each query from its top candidates (rerank/rm3.hpp) and
/// re-retrieves with the weighted query through the branch's BM25 retriever, as Anserini's
/// Rm3Reranker re-searches the index with BoostQuery clauses.
#include <unordered_map>

#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/rm3.hpp"
#include "rerank/stages.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "text/analyzer.hpp"

namespace cascade::rerank {
namespace {

class Rm3Stage final : public Stage {
public:
    Rm3Stage(const index::Index& index, std::string field, Rm3Params params, std::size_t k,
             FeatureSchema& features)
        : m_analyzer(text::make_analyzer(index.analyzer_name())),
          m_expander(index, *m_analyzer, std::move(field), params),
          m_k(k),
          m_score_id(features.id("rm3_score")),
          m_rank_id(features.id("rm3_rank")) {}

    [[nodiscard]] std::string_view type() const override { return "rm3"; }
    [[nodiscard]] std::string describe() const override {
        const Rm3Params& p = m_expander.params();
        return fmt::format("rm3(fb_docs={},fb_terms={},original_query_weight={},field={}),k={}",
                           p.fb_docs, p.fb_terms, p.original_query_weight, m_expander.field(), m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        if (context.bm25 == nullptr) {
            throw Error("the rm3 stage re-retrieves with BM25: put it after a bm25 first stage");
        }
        for (std::size_t q = 0; q < queries.size(); ++q) {
            run_one(queries[q], lists[q], *context.bm25);
        }
    }

private:
    void run_one(const Query& query, CandidateList& list,
                 const retrieve::Bm25Retriever& bm25) const {
        const TermVector expanded = m_expander.expand(query.text, list);
        std::vector<retrieve::WeightedTerm> clauses;
        clauses.reserve(expanded.size());
        for (const auto& [term, weight] : expanded) {
            clauses.push_back({m_expander.field(), term, weight});
        }
        std::vector<retrieve::Hit> hits = bm25.search_terms(clauses, m_k);
        // Carry what earlier stages recorded about documents that are retrieved again.
        std::unordered_map<std::uint32_t, FeatureValues> previous;
        previous.reserve(list.size());
        for (Candidate& c : list) {
            previous.emplace(c.docid, std::move(c.features));
        }
        list.clear();
        list.reserve(hits.size());
        for (std::size_t r = 0; r < hits.size(); ++r) {
            Candidate c{hits[r].docid, hits[r].score, {}};
            if (auto it = previous.find(c.docid); it != previous.end()) {
                c.features = std::move(it->second);
            }
            c.set_feature(m_score_id, c.score);
            c.set_feature(m_rank_id, static_cast<float>(r + 1));
            list.push_back(std::move(c));
        }
    }

    std::unique_ptr<text::Analyzer> m_analyzer;
    Rm3Expander m_expander;
    std::size_t m_k;
    FeatureId m_score_id;
    FeatureId m_rank_id;
};

}  // namespace

std::unique_ptr<Stage> make_rm3_stage(StageParams& params, StageEnv& env) {
    Rm3Params p;
    p.fb_docs = params.count("fb_docs", p.fb_docs, 1, 100000);
    p.fb_terms = params.count("fb_terms", p.fb_terms, 1, 100000);
    p.original_query_weight =
        static_cast<float>(params.number("original_query_weight", 0.5, 0.0, 1.0));
    p.filter_terms = params.flag("filter_terms", true);
    p.max_df_ratio = static_cast<float>(params.number("max_df_ratio", 0.1, 0.0, 1.0));
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    const index::Index& index = *env.index;
    std::string field = params.string("field", "");
    if (field.empty()) {
        field = index.find_field("contents") != nullptr || index.num_fields() != 1
                    ? "contents"
                    : index.field(0).name();
    }
    try {
        return std::make_unique<Rm3Stage>(index, field, p, k, *env.features);
    } catch (const UsageError& e) {
        throw params.error("field", e.what());
    }
}

}  // namespace cascade::rerank
