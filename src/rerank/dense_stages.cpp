/// Dense stages over an index's dense part (index/dense_index.hpp):
///   `dense` as a first stage: the k nearest documents to the query's embedding (exact, int8 or
///           HNSW search), a retriever like BM25;
///   `dense` after the first stage: re-scores the candidates by the inner product (cosine, for
///           a cosine part) of the query embedding and their stored vectors;
///   `prf_vector`: pseudo-relevance feedback in embedding space (Rocchio; E2Rank's listwise
///           PRF): q' = normalise(alpha * q + beta * mean of the top fb_docs candidates'
///           vectors), then re-scores the candidates by q'.
/// Queries are embedded with the model the dense part was built with (the `model` key may
/// name a copy of it, checked by fingerprint), or read from `query_vectors` (JSONL with the
/// query ids) when the part holds imported vectors.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "collection/vectors.hpp"
#include "index/dense_index.hpp"
#include "index/index.hpp"
#include "index/vector_ops.hpp"
#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "retrieve/retriever.hpp"
#include "runtime/embedder_id.hpp"

namespace cascade::rerank {
namespace {

/// Where query vectors come from: the embedder, or a file of vectors keyed by query id.
class QueryVectors {
public:
    QueryVectors(std::shared_ptr<const index::DenseIndex> dense,
                 std::shared_ptr<runtime::LoadedModel> model,
                 std::unordered_map<std::string, std::vector<float>> fixed, std::string file)
        : m_dense(std::move(dense)),
          m_model(std::move(model)),
          m_fixed(std::move(fixed)),
          m_file(std::move(file)) {}

    /// One prepared (checked, normalised for cosine) vector per query.
    [[nodiscard]] std::vector<std::vector<float>> get(std::span<const Query> queries) const {
        std::vector<std::vector<float>> out;
        out.reserve(queries.size());
        if (m_model) {
            std::vector<std::vector<std::string>> texts;
            texts.reserve(queries.size());
            for (const Query& q : queries)
                texts.push_back({q.text});
            auto futures = m_model->embed_texts_many(texts);
            for (std::size_t i = 0; i < queries.size(); ++i)
                out.push_back(m_dense->prepare_query(futures[i].get(),
                                                     "query " + queries[i].id + "'s embedding"));
            return out;
        }
        for (const Query& q : queries) {
            const auto it = m_fixed.find(q.id);
            if (it == m_fixed.end())
                throw InputError(m_file, fmt::format("no vector for query '{}'", q.id));
            out.push_back(m_dense->prepare_query(it->second, "query " + q.id + "'s vector"));
        }
        return out;
    }
    [[nodiscard]] std::string describe() const {
        return m_model ? std::string("embedded") : "vectors:" + m_file;
    }

private:
    std::shared_ptr<const index::DenseIndex> m_dense;
    std::shared_ptr<runtime::LoadedModel> m_model;
    std::unordered_map<std::string, std::vector<float>> m_fixed;
    std::string m_file;
};

class DenseRetriever final : public retrieve::Retriever {
public:
    DenseRetriever(const index::Index& index, std::shared_ptr<const index::DenseIndex> dense,
                   std::shared_ptr<const QueryVectors> vectors, index::DenseSearchOptions search)
        : m_index(index),
          m_dense(std::move(dense)),
          m_vectors(std::move(vectors)),
          m_search(search) {}

    [[nodiscard]] std::vector<std::vector<retrieve::Hit>> search(std::span<const Query> queries,
                                                                 std::size_t k) const override {
        const auto vectors = m_vectors->get(queries);
        std::vector<std::vector<retrieve::Hit>> out(queries.size());
        index::DenseSearchOptions options = m_search;
        options.k = k;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            auto found = m_dense->search(vectors[q], options);
            // The project-wide order: score descending, ties by external id.
            std::stable_sort(found.begin(), found.end(), [this](const auto& a, const auto& b) {
                if (a.first != b.first)
                    return a.first > b.first;
                return m_index.external_id(a.second) < m_index.external_id(b.second);
            });
            out[q].reserve(found.size());
            for (const auto& [score, docid] : found)
                out[q].push_back({docid, score});
        }
        return out;
    }
    [[nodiscard]] std::string_view external_id(std::uint32_t docid) const override {
        return m_index.external_id(docid);
    }
    [[nodiscard]] std::string name() const override {
        using index::DenseMethod;
        const DenseMethod m = m_search.method;
        const bool automatic = m == DenseMethod::Auto;
        const bool graph = m == DenseMethod::Hnsw || m == DenseMethod::HnswInt8 ||
                           (automatic && m_dense->has_hnsw());
        const bool rescored = m == DenseMethod::Int8 || m == DenseMethod::HnswInt8 ||
                              (automatic && m_dense->has_hnsw() && m_dense->has_int8());
        std::string extra;
        if (graph)
            extra += fmt::format(",ef={}", m_search.ef);
        if (rescored)
            extra += fmt::format(",rescore={}", m_search.rescore);
        return fmt::format("dense({},{}{})", index::to_string(m),
                           index::to_string(m_dense->metric()), extra);
    }

private:
    const index::Index& m_index;
    std::shared_ptr<const index::DenseIndex> m_dense;
    std::shared_ptr<const QueryVectors> m_vectors;
    index::DenseSearchOptions m_search;
};

class DenseFirstStage final : public FirstStage {
public:
    DenseFirstStage(DenseRetriever retriever, std::size_t k, bool remove_query,
                    FeatureSchema& features)
        : m_retriever(std::move(retriever)),
          m_k(k),
          m_remove_query(remove_query),
          m_score_id(features.id("first_stage_score")),
          m_rank_id(features.id("first_stage_rank")),
          m_dense_id(features.id("dense_score")) {}

    [[nodiscard]] std::string_view type() const override { return "dense"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("{},k={}", m_retriever.name(), m_k);
    }
    [[nodiscard]] const retrieve::Retriever& retriever() const override { return m_retriever; }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        retrieve_candidates(m_retriever, queries, lists, m_k, m_remove_query, m_score_id,
                            m_rank_id);
        for (CandidateList& list : lists)
            for (Candidate& c : list)
                c.set_feature(m_dense_id, c.score);
    }

private:
    DenseRetriever m_retriever;
    std::size_t m_k;
    bool m_remove_query;
    FeatureId m_score_id;
    FeatureId m_rank_id;
    FeatureId m_dense_id;
};

/// `dense` after the first stage, and `prf_vector` (fb_docs > 0).
class DenseRescoreStage final : public Stage {
public:
    struct Prf {
        std::size_t fb_docs = 0;
        double alpha = 1.0;
        double beta = 1.0;
    };
    DenseRescoreStage(std::string type, std::shared_ptr<const index::DenseIndex> dense,
                      std::shared_ptr<const QueryVectors> vectors, std::size_t k, Prf prf,
                      FeatureSchema& features)
        : m_type(std::move(type)),
          m_dense(std::move(dense)),
          m_vectors(std::move(vectors)),
          m_k(k),
          m_prf(prf),
          m_score_id(features.id(m_type + "_score")) {}

    [[nodiscard]] std::string_view type() const override { return m_type; }
    [[nodiscard]] std::string describe() const override {
        if (m_prf.fb_docs == 0)
            return fmt::format("dense({}),k={}", m_vectors->describe(), m_k);
        return fmt::format("prf_vector(fb_docs={},alpha={},beta={}),k={}", m_prf.fb_docs,
                           m_prf.alpha, m_prf.beta, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        const auto vectors = m_vectors->get(queries);
        const std::uint32_t dim = m_dense->dim();
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            std::vector<float> query = vectors[q];
            if (m_prf.fb_docs > 0 && !list.empty()) {
                // Rocchio in embedding space over the incoming order's top fb_docs.
                const std::size_t n = std::min(m_prf.fb_docs, list.size());
                std::vector<double> sum(dim, 0.0);
                for (std::size_t i = 0; i < n; ++i) {
                    const auto v = m_dense->vector(list[i].docid);
                    for (std::uint32_t j = 0; j < dim; ++j)
                        sum[j] += v[j];
                }
                for (std::uint32_t j = 0; j < dim; ++j)
                    query[j] = static_cast<float>(m_prf.alpha * query[j] +
                                                  m_prf.beta * sum[j] / static_cast<double>(n));
                index::normalize(query);
            }
            for (Candidate& c : list) {
                c.score = m_dense->score(query, c.docid);
                c.set_feature(m_score_id, c.score);
            }
            sort_candidates(list, *context.index);
        }
    }

private:
    std::string m_type;
    std::shared_ptr<const index::DenseIndex> m_dense;
    std::shared_ptr<const QueryVectors> m_vectors;
    std::size_t m_k;
    Prf m_prf;
    FeatureId m_score_id;
};

/// `vector_qe`: query expansion for vectors the user brings (image retrieval), as SuperGlobal
/// (Shao et al., ICCV 2023) refines with it: alpha-weighted query expansion (alpha-QE, Radenovic
/// et al., TPAMI 2019) over the top qe_k candidates, q' = normalise(q + sum_i max(0, s_i)^alpha
/// d_i) with s_i = <q, d_i>, optionally keeping only k-reciprocal neighbours (a candidate whose
/// own qe_k nearest among the query and the candidates include the query), then every
/// candidate re-scored by <q', d>.
class VectorQeStage final : public Stage {
public:
    VectorQeStage(std::shared_ptr<const index::DenseIndex> dense,
                  std::shared_ptr<const QueryVectors> vectors, std::size_t k, std::size_t qe_k,
                  double alpha, bool reciprocal, FeatureSchema& features)
        : m_dense(std::move(dense)),
          m_vectors(std::move(vectors)),
          m_k(k),
          m_qe_k(qe_k),
          m_alpha(alpha),
          m_reciprocal(reciprocal),
          m_score_id(features.id("vector_qe_score")) {}

    [[nodiscard]] std::string_view type() const override { return "vector_qe"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("vector_qe(qe_k={},alpha={},reciprocal={}),k={}", m_qe_k, m_alpha,
                           m_reciprocal, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& context) const override {
        const auto vectors = m_vectors->get(queries);
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            const std::vector<float> expanded = expand(vectors[q], list);
            for (Candidate& c : list) {
                c.score = m_dense->score(expanded, c.docid);
                c.set_feature(m_score_id, c.score);
            }
            sort_candidates(list, *context.index);
        }
    }

    /// The expanded query for `query` over `list` (best first).
    [[nodiscard]] std::vector<float> expand(const std::vector<float>& query,
                                            const CandidateList& list) const {
        const std::uint32_t dim = m_dense->dim();
        const std::size_t n = std::min(m_qe_k, list.size());
        std::vector<double> sum(query.begin(), query.end());
        for (std::size_t i = 0; i < n; ++i) {
            const auto d = m_dense->vector(list[i].docid);
            if (m_reciprocal && !reciprocal(query, list, i))
                continue;
            const double s = m_dense->score(query, list[i].docid);
            const double w = std::pow(std::max(0.0, s), m_alpha);
            for (std::uint32_t j = 0; j < dim; ++j)
                sum[j] += w * d[j];
        }
        std::vector<float> out(sum.begin(), sum.end());
        index::normalize(out);
        return out;
    }

private:
    /// Whether the query is among candidate i's qe_k nearest (inner product) of {query} and the
    /// other candidates of the list.
    [[nodiscard]] bool reciprocal(const std::vector<float>& query, const CandidateList& list,
                                  std::size_t i) const {
        const auto di = m_dense->vector(list[i].docid);
        const float to_query = m_dense->score(query, list[i].docid);
        std::size_t closer = 0;  // candidates nearer to d_i than the query is
        for (std::size_t j = 0; j < list.size() && closer < m_qe_k; ++j) {
            if (j == i)
                continue;
            if (m_dense->score({di.data(), di.size()}, list[j].docid) > to_query)
                ++closer;
        }
        return closer < m_qe_k;
    }

    std::shared_ptr<const index::DenseIndex> m_dense;
    std::shared_ptr<const QueryVectors> m_vectors;
    std::size_t m_k;
    std::size_t m_qe_k;
    double m_alpha;
    bool m_reciprocal;
    FeatureId m_score_id;
};

std::shared_ptr<const index::DenseIndex> open_dense(StageParams& params, const StageEnv& env) {
    try {
        auto dense = std::make_shared<const index::DenseIndex>(
            index::DenseIndex::open(index::dense_dir(env.index->dir())));
        dense->check_belongs_to(*env.index);
        return dense;
    } catch (const Error& e) {
        throw params.error("type", e.what());
    }
}

std::shared_ptr<const QueryVectors> query_vectors(
    StageParams& params, StageEnv& env, const std::shared_ptr<const index::DenseIndex>& dense) {
    const runtime::EmbedderId built = runtime::parse_embedder_id(dense->embedder());
    const std::string file = params.string("query_vectors", "");
    if (!file.empty()) {
        if (params.has("model"))
            throw params.error("query_vectors", "give model or query_vectors, not both");
        VectorSet set;
        try {
            set = read_vectors(file);
        } catch (const Error& e) {
            throw params.error("query_vectors", e.what());
        }
        if (set.ids.empty())
            throw params.error("query_vectors",
                               "query vectors need ids: a JSONL file of {\"id\", \"vector\"}");
        std::unordered_map<std::string, std::vector<float>> fixed;
        for (std::size_t i = 0; i < set.size(); ++i)
            fixed.emplace(set.ids[i], std::vector<float>(set.values.data() + i * set.dim,
                                                         set.values.data() + (i + 1) * set.dim));
        if (set.dim != dense->dim())
            throw params.error(
                "query_vectors",
                fmt::format("{}-d vectors, the dense part holds {}-d", set.dim, dense->dim()));
        return std::make_shared<const QueryVectors>(dense, nullptr, std::move(fixed), file);
    }
    runtime::ModelOptions options = read_model_options(params, false);
    if (options.dir.empty()) {
        if (built.kind != "model")
            throw params.error("type",
                               fmt::format("the dense part holds imported vectors ({}); give the "
                                           "queries' vectors with query_vectors: FILE.jsonl",
                                           dense->embedder()));
        options.dir = built.path;
    }
    if (built.kind == "model") {
        std::string fingerprint;
        try {
            fingerprint = runtime::model_fingerprint(options.dir);
        } catch (const Error& e) {
            throw params.error(
                params.has("model") ? "model" : "type",
                fmt::format("{} (the dense part was built with {})", e.what(), built.path));
        }
        if (fingerprint != built.fingerprint)
            throw params.error("model",
                               fmt::format("{} is not the model the dense part was built with "
                                           "({}); queries must be embedded the same way",
                                           options.dir.string(), built.path));
    }
    auto model = stage_model(params, env, options, runtime::Task::EmbedTexts);
    if (model->model().output_width() != dense->dim())
        throw params.error("model", fmt::format("{} gives {}-d embeddings, the dense part holds "
                                                "{}-d vectors",
                                                options.dir.string(), model->model().output_width(),
                                                dense->dim()));
    return std::make_shared<const QueryVectors>(
        dense, std::move(model), std::unordered_map<std::string, std::vector<float>>{}, "");
}

}  // namespace

std::unique_ptr<Stage> make_dense_stage(StageParams& params, StageEnv& env) {
    auto dense = open_dense(params, env);
    if (env.head) {
        const std::size_t k = params.count("k", 1000, 1, 1U << 24);
        index::DenseSearchOptions search;
        try {
            search.method = index::parse_dense_method(
                params.choice("method", "auto", {"auto", "exact", "int8", "hnsw", "hnsw-int8"}));
        } catch (const UsageError& e) {
            throw params.error("method", e.what());
        }
        search.ef = params.count("ef", 100, 1, 1U << 20);
        search.rescore = params.count("rescore", 4, 1, 1000);
        if ((search.method == index::DenseMethod::Hnsw ||
             search.method == index::DenseMethod::HnswInt8) &&
            !dense->has_hnsw())
            throw params.error("method", "the dense part has no HNSW graph");
        if ((search.method == index::DenseMethod::Int8 ||
             search.method == index::DenseMethod::HnswInt8) &&
            !dense->has_int8())
            throw params.error("method", "the dense part has no int8 codes");
        const bool remove_query = params.flag("remove_query", false);
        auto vectors = query_vectors(params, env, dense);
        return std::make_unique<DenseFirstStage>(
            DenseRetriever(*env.index, dense, std::move(vectors), search), k, remove_query,
            *env.features);
    }
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    auto vectors = query_vectors(params, env, dense);
    return std::make_unique<DenseRescoreStage>("dense", dense, std::move(vectors), k,
                                               DenseRescoreStage::Prf{}, *env.features);
}

std::unique_ptr<Stage> make_prf_vector_stage(StageParams& params, StageEnv& env) {
    auto dense = open_dense(params, env);
    DenseRescoreStage::Prf prf;
    prf.fb_docs = params.count("fb_docs", 3, 1, 1000);
    prf.alpha = params.number("alpha", 1.0, 0.0, 1e6);
    prf.beta = params.number("beta", 1.0, 0.0, 1e6);
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    auto vectors = query_vectors(params, env, dense);
    return std::make_unique<DenseRescoreStage>("prf_vector", dense, std::move(vectors), k, prf,
                                               *env.features);
}

}  // namespace cascade::rerank

namespace cascade::rerank {

std::unique_ptr<Stage> make_vector_qe_stage(StageParams& params, StageEnv& env) {
    auto dense = open_dense(params, env);
    const std::size_t k = params.count("k", 100, 1, 1U << 20);
    const std::size_t qe_k = params.count("qe_k", 10, 1, 10000);
    const double alpha = params.number("alpha", 3.0, 0.0, 100.0);
    const bool reciprocal = params.flag("reciprocal", true);
    auto vectors = query_vectors(params, env, dense);
    return std::make_unique<VectorQeStage>(dense, std::move(vectors), k, qe_k, alpha, reciprocal,
                                           *env.features);
}

}  // namespace cascade::rerank
