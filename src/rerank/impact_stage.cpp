/// The `impact` stage over an index's impact part (retrieve/impact_retriever.hpp, docs/sparse.md):
///   as a first stage (heading a branch): the k documents of largest sum of query weight x
///           impact, by any top-k algorithm (all give the same candidates);
///   later: re-scores the candidates it is given by the same sum, then re-sorts them.
/// Query vectors come from `queries: FILE` (Anserini's pre-tokenised TSV or JSONL vectors, keyed
/// by query id) or, with `pretokenized: true`, from the query text read as pre-tokenised terms.
/// make_query_source() picks the query vectors: a file, the query text as terms, or a SPLADE
/// model (`encoder: DIR`) encoding the query text.
#include <fmt/format.h>

#include "index/impact_index.hpp"
#include "index/index.hpp"
#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "retrieve/impact_queries.hpp"
#include "retrieve/impact_retriever.hpp"
#include "runtime/token_family.hpp"

namespace cascade::rerank {

namespace {

class ImpactFirstStage final : public FirstStage {
public:
    ImpactFirstStage(retrieve::ImpactRetriever retriever, std::size_t k, bool remove_query,
                     FeatureSchema& features)
        : m_retriever(std::move(retriever)),
          m_k(k),
          m_remove_query(remove_query),
          m_score_id(features.id("first_stage_score")),
          m_rank_id(features.id("first_stage_rank")),
          m_impact_id(features.id("impact_score")) {}

    [[nodiscard]] std::string_view type() const override { return "impact"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("{},k={}", m_retriever.name(), m_k);
    }
    [[nodiscard]] const retrieve::Retriever& retriever() const override { return m_retriever; }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        retrieve_candidates(m_retriever, queries, lists, m_k, m_remove_query, m_score_id,
                            m_rank_id);
        for (CandidateList& list : lists) {
            for (Candidate& c : list) {
                c.set_feature(m_impact_id, c.score);
            }
        }
    }

private:
    retrieve::ImpactRetriever m_retriever;
    std::size_t m_k;
    bool m_remove_query;
    FeatureId m_score_id;
    FeatureId m_rank_id;
    FeatureId m_impact_id;
};

class ImpactRescoreStage final : public Stage {
public:
    ImpactRescoreStage(retrieve::ImpactRetriever retriever, std::size_t k, FeatureSchema& features)
        : m_retriever(std::move(retriever)), m_k(k), m_impact_id(features.id("impact_score")) {}

    [[nodiscard]] std::string_view type() const override { return "impact"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("impact({},{}),k={}", m_retriever.part().meta().quantizer,
                           m_retriever.queries().describe(), m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        const std::vector<retrieve::ImpactQuery> vectors = m_retriever.queries().vectors(queries);
        std::vector<std::uint32_t> docids;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            docids.clear();
            for (const Candidate& c : list) {
                docids.push_back(c.docid);
            }
            const std::vector<float> scores = m_retriever.score(vectors[q], docids);
            for (std::size_t i = 0; i < list.size(); ++i) {
                list[i].score = scores[i];
                list[i].set_feature(m_impact_id, scores[i]);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    retrieve::ImpactRetriever m_retriever;
    std::size_t m_k;
    FeatureId m_impact_id;
};

std::shared_ptr<const index::ImpactIndex> open_part(StageParams& params, const StageEnv& env) {
    try {
        auto part = std::make_shared<const index::ImpactIndex>(
            index::ImpactIndex::open(index::impact_dir(env.index->dir())));
        part->check_belongs_to(*env.index);
        return part;
    } catch (const Error& e) {
        throw params.error("type", e.what());
    }
}

/// Query vectors from a SPLADE model of the runtime: each query's text encoded in one batch,
/// its terms with weight > 0 in vocabulary order (the weights used as they come; documents'
/// impacts carry their quantisation scale, which scales every score alike).
class SpladeQueryVectors final : public retrieve::QueryVectorSource {
public:
    explicit SpladeQueryVectors(std::shared_ptr<runtime::LoadedModel> model)
        : m_model(std::move(model)) {}

    [[nodiscard]] std::vector<retrieve::ImpactQuery> vectors(
        std::span<const Query> queries) const override {
        const auto& splade = dynamic_cast<const runtime::SpladeModel&>(m_model->model());
        std::vector<std::string> texts;
        texts.reserve(queries.size());
        for (const Query& q : queries)
            texts.push_back(q.text);
        const auto dense =
            runtime::run_split(*m_model, splade.encode_texts(texts, m_model->max_length()));
        std::vector<retrieve::ImpactQuery> out(queries.size());
        for (std::size_t q = 0; q < queries.size(); ++q)
            for (std::size_t id = 0; id < dense[q].size(); ++id)
                if (dense[q][id] > 0.0F) {
                    std::string term = splade.term(static_cast<std::int32_t>(id));
                    if (!term.empty())
                        out[q].push_back({std::move(term), dense[q][id]});
                }
        return out;
    }
    [[nodiscard]] std::string describe() const override {
        return "splade:" + m_model->options().dir.string();
    }

private:
    std::shared_ptr<runtime::LoadedModel> m_model;
};

/// Where the stage's query vectors come from: `queries: FILE`, `pretokenized: true`, or a
/// SPLADE model encoding the query text (`encoder: DIR`).
std::shared_ptr<const retrieve::QueryVectorSource> make_query_source(StageParams& params,
                                                                     const StageEnv& env) {
    if (params.has("encoder")) {
        if (params.has("queries") || params.has("pretokenized"))
            throw params.error("encoder", "give one of encoder, queries and pretokenized");
        runtime::ModelOptions options = read_model_options(params, false);
        options.dir = params.string("encoder", "");
        auto model = stage_model(params, env, options, runtime::Task::SparseTexts);
        if (dynamic_cast<const runtime::SpladeModel*>(&model->model()) == nullptr)
            throw params.error("encoder", options.dir.string() + " is not a SPLADE model folder");
        return std::make_shared<const SpladeQueryVectors>(std::move(model));
    }
    const std::string file = params.string("queries", "");
    const bool pretokenized = params.flag("pretokenized", false);
    if (!file.empty() && pretokenized) {
        throw params.error("pretokenized", "give queries: FILE or pretokenized: true, not both");
    }
    if (pretokenized) {
        return std::make_shared<const retrieve::PretokenizedQueryVectors>();
    }
    if (file.empty()) {
        throw params.error("type",
                           "the impact stage needs query vectors: queries: FILE (pre-tokenised "
                           "TSV or JSONL {\"id\", \"vector\"}, keyed by query id) or "
                           "pretokenized: true (the query text is the terms)");
    }
    try {
        return std::make_shared<const retrieve::FileQueryVectors>(file);
    } catch (const Error& e) {
        throw params.error("queries", e.what());
    }
}

}  // namespace

std::unique_ptr<Stage> make_impact_stage(StageParams& params, StageEnv& env) {
    auto part = open_part(params, env);
    auto source = make_query_source(params, env);
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    if (env.head) {
        const std::string algorithm = params.choice(
            "algorithm", "maxscore", {"exhaustive", "maxscore", "wand", "bmw", "bmm"});
        const bool remove_query = params.flag("remove_query", false);
        retrieve::ImpactRetriever retriever(*env.index, std::move(part), std::move(source),
                                            retrieve::parse_algorithm(algorithm));
        return std::make_unique<ImpactFirstStage>(std::move(retriever), k, remove_query,
                                                  *env.features);
    }
    retrieve::ImpactRetriever retriever(*env.index, std::move(part), std::move(source),
                                        retrieve::Algorithm::exhaustive);
    return std::make_unique<ImpactRescoreStage>(std::move(retriever), k, *env.features);
}

}  // namespace cascade::rerank
