/// Token-level re-ranking stages over the index's token parts (index/token_store.hpp):
///   `maxsim`: ColBERT late interaction. The query is encoded by the ColBERT model the
///             multivector part was built with (query augmentation to query_maxlen vectors)
///             and each candidate scored by MaxSim against its stored token vectors. With
///             `top_k`, only the best top_k are kept, and candidates that can no longer reach
///             them stop being scored early (exact: the same top_k as scoring every one),
///             by the part's cluster bound when it has one (`bound: auto`, or `norm`,
///             `clusters`; index::MaxSimBound).
///   `tilde`:  TILDEv2 exact term matching. The query is only tokenised; a candidate's score is
///             the sum over the query's tokens of its stored weight for that token.
#include <fmt/format.h>

#include <filesystem>

#include "index/index.hpp"
#include "index/token_store.hpp"
#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "runtime/embedder_id.hpp"
#include "runtime/token_family.hpp"

namespace cascade::rerank {
namespace {

/// The model options of a token stage: `model` when given (it must be the model the part
/// records, by fingerprint), else the recorded folder.
runtime::ModelOptions part_model(StageParams& params, const std::string& recorded,
                                 std::string_view part) {
    const runtime::EmbedderId built = runtime::parse_embedder_id(recorded);
    runtime::ModelOptions options = read_model_options(params, false);
    if (options.dir.empty()) {
        if (built.kind != "model")
            throw params.error("type", fmt::format("the {} records no model ('{}'); give model: "
                                                   "DIR",
                                                   part, recorded));
        options.dir = built.path;
    }
    if (built.kind == "model") {
        std::string fingerprint;
        try {
            fingerprint = runtime::model_fingerprint(options.dir);
        } catch (const Error& e) {
            throw params.error(
                params.has("model") ? "model" : "type",
                fmt::format("{} (the {} was built with {})", e.what(), part, built.path));
        }
        if (fingerprint != built.fingerprint)
            throw params.error("model",
                               fmt::format("{} is not the model the {} was built with ({}); "
                                           "queries must be encoded by the same model",
                                           options.dir.string(), part, built.path));
    }
    return options;
}

template <class Family>
const Family& family_of(StageParams& params, runtime::LoadedModel& model, std::string_view kind) {
    const auto* f = dynamic_cast<const Family*>(&model.model());
    if (f == nullptr)
        throw params.error("model", fmt::format("{} is not a {} model folder",
                                                model.options().dir.string(), kind));
    return *f;
}

class MaxSimStage final : public Stage {
public:
    MaxSimStage(std::shared_ptr<const index::MultiVectorStore> store,
                std::shared_ptr<runtime::LoadedModel> model, std::size_t k, std::size_t top_k,
                index::MaxSimBound bound, bool automatic, FeatureSchema& features)
        : m_store(std::move(store)),
          m_model(std::move(model)),
          m_k(k),
          m_top_k(top_k),
          m_bound(bound),
          m_automatic(automatic),
          m_score_id(features.id("maxsim_score")) {}

    [[nodiscard]] std::string_view type() const override { return "maxsim"; }
    [[nodiscard]] std::string describe() const override {
        std::string pruning;
        if (m_bound != index::MaxSimBound::None)
            pruning = ",pruned";
        if (!m_automatic && m_bound == index::MaxSimBound::DocNorm)
            pruning += "(norm)";
        else if (!m_automatic && m_bound == index::MaxSimBound::Clusters)
            pruning += "(clusters)";
        return fmt::format("maxsim({},{}),k={}{}", m_store->dim(),
                           index::to_string(m_store->codec()), m_k,
                           m_top_k > 0 ? fmt::format(",top_k={}{}", m_top_k, pruning) : "");
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        std::vector<std::string> texts;
        texts.reserve(queries.size());
        for (const Query& q : queries)
            texts.push_back(q.text);
        const auto& colbert = dynamic_cast<const runtime::ColbertModel&>(m_model->model());
        const auto vectors = runtime::run_split(*m_model, colbert.encode_queries(texts));
        const auto ranks = context.index->id_ranks();
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            std::vector<index::MaxSimCandidate> candidates;
            candidates.reserve(list.size());
            for (const Candidate& c : list)
                candidates.push_back({c.docid, ranks[c.docid]});
            const auto hits = index::maxsim_top_k(*m_store, vectors[q], candidates, m_top_k,
                                                  m_top_k > 0 ? m_bound : index::MaxSimBound::None);
            CandidateList out;
            out.reserve(hits.size());
            for (const auto& hit : hits) {
                Candidate c = std::move(list[hit.candidate]);
                c.score = hit.score;
                c.set_feature(m_score_id, hit.score);
                out.push_back(std::move(c));
            }
            list = std::move(out);
            sort_candidates(list, *context.index);
        }
    }

private:
    std::shared_ptr<const index::MultiVectorStore> m_store;
    std::shared_ptr<runtime::LoadedModel> m_model;
    std::size_t m_k;
    std::size_t m_top_k;
    index::MaxSimBound m_bound;
    bool m_automatic;  // the bound was chosen from the part (not named in the pipeline)
    FeatureId m_score_id;
};

class TildeStage final : public Stage {
public:
    TildeStage(std::shared_ptr<const index::TildeStore> store,
               std::shared_ptr<runtime::LoadedModel> model, std::size_t k, double alpha,
               FeatureSchema& features)
        : m_store(std::move(store)),
          m_model(std::move(model)),
          m_k(k),
          m_alpha(alpha),
          m_score_id(features.id("tilde_score")) {}

    [[nodiscard]] std::string_view type() const override { return "tilde"; }
    [[nodiscard]] std::string describe() const override {
        return m_alpha == 1.0 ? fmt::format("tilde,k={}", m_k)
                              : fmt::format("tilde(alpha={}),k={}", m_alpha, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        const auto& tilde = dynamic_cast<const runtime::TildeModel&>(m_model->model());
        for (std::size_t q = 0; q < queries.size(); ++q) {
            const std::vector<std::int32_t> ids = tilde.query_tokens(queries[q].text);
            const std::vector<std::uint32_t> tokens(ids.begin(), ids.end());
            CandidateList& list = lists[q];
            truncate(list, m_k);
            for (Candidate& c : list) {
                const float s = m_store->score(c.docid, tokens);
                c.set_feature(m_score_id, s);
                c.score = m_alpha == 1.0
                              ? s
                              : static_cast<float>(m_alpha * s + (1.0 - m_alpha) * c.score);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    std::shared_ptr<const index::TildeStore> m_store;
    std::shared_ptr<runtime::LoadedModel> m_model;
    std::size_t m_k;
    double m_alpha;
    FeatureId m_score_id;
};

}  // namespace

std::unique_ptr<Stage> make_maxsim_stage(StageParams& params, StageEnv& env) {
    if (env.head)
        throw params.error("type",
                           "maxsim re-ranks candidates: put a first stage (bm25, impact, "
                           "dense) before it");
    std::shared_ptr<const index::MultiVectorStore> store;
    try {
        store = std::make_shared<const index::MultiVectorStore>(
            index::MultiVectorStore::open(index::multivector_dir(env.index->dir())));
        store->check_belongs_to(*env.index);
    } catch (const Error& e) {
        throw params.error("type", e.what());
    }
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    const std::size_t top_k = params.count("top_k", 0, 0, 1U << 24);
    const bool prune = params.flag("prune", true);
    // auto: the cluster bound when the part has one (docs/token.md, "Pruning bounds").
    const std::string bound_name = params.choice("bound", "auto", {"auto", "norm", "clusters"});
    if (bound_name == "clusters" && !store->has_clusters())
        throw params.error("bound",
                           "the multivector part has no cluster bound section (rebuild "
                           "it with this version of cascade index --colbert)");
    index::MaxSimBound bound = index::MaxSimBound::None;
    if (prune)
        bound = bound_name == "norm" || (bound_name == "auto" && !store->has_clusters())
                    ? index::MaxSimBound::DocNorm
                    : index::MaxSimBound::Clusters;
    const runtime::ModelOptions options = part_model(params, store->model(), "multivector part");
    auto model = stage_model(params, env, options, runtime::Task::TokenVectors);
    (void)family_of<runtime::ColbertModel>(params, *model, "ColBERT");
    if (model->model().output_width() != store->dim())
        throw params.error("model", fmt::format("{} gives {}-d token vectors, the multivector "
                                                "part holds {}-d",
                                                options.dir.string(), model->model().output_width(),
                                                store->dim()));
    return std::make_unique<MaxSimStage>(std::move(store), std::move(model), k, top_k, bound,
                                         bound_name == "auto", *env.features);
}

std::unique_ptr<Stage> make_tilde_stage(StageParams& params, StageEnv& env) {
    if (env.head)
        throw params.error("type",
                           "tilde re-ranks candidates: put a first stage (bm25, impact, "
                           "dense) before it");
    std::shared_ptr<const index::TildeStore> store;
    try {
        store = std::make_shared<const index::TildeStore>(
            index::TildeStore::open(index::tilde_dir(env.index->dir())));
        store->check_belongs_to(*env.index);
    } catch (const Error& e) {
        throw params.error("type", e.what());
    }
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    const double alpha = params.number("alpha", 1.0, 0.0, 1.0);
    const runtime::ModelOptions options = part_model(params, store->model(), "TILDE part");
    auto model = stage_model(params, env, options, runtime::Task::TokenWeights);
    (void)family_of<runtime::TildeModel>(params, *model, "TILDEv2");
    return std::make_unique<TildeStage>(std::move(store), std::move(model), k, alpha,
                                        *env.features);
}

}  // namespace cascade::rerank
