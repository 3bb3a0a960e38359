/// The `mmr` stage: diversifies the top of each list by maximal marginal relevance
/// (rerank/mmr.hpp) over tf-idf term vectors of the stored documents, or over embeddings
/// from a bi-encoder model folder (`model: DIR`).
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "index/index.hpp"
#include "rerank/mmr.hpp"
#include "rerank/model_params.hpp"
#include "rerank/stages.hpp"
#include "retrieve/bm25.hpp"
#include "text/analyzer.hpp"

namespace cascade::rerank {
namespace {

using SparseVector = std::vector<std::pair<std::string, float>>;
/// A unit-length sparse vector over per-query term ids, sorted by id.
using IdVector = std::vector<std::pair<std::uint32_t, float>>;

class MmrStage final : public Stage {
public:
    MmrStage(const index::Index& index, double lambda, std::size_t k, std::size_t depth,
             std::shared_ptr<runtime::LoadedModel> encoder, FeatureSchema& features)
        : m_index(&index),
          m_analyzer(text::make_analyzer(index.analyzer_name())),
          m_lambda(lambda),
          m_k(k),
          m_depth(depth),
          m_encoder(std::move(encoder)),
          m_input_id(features.id("mmr_input_score")) {}

    [[nodiscard]] std::string_view type() const override { return "mmr"; }
    [[nodiscard]] std::string describe() const override {
        return fmt::format("mmr(lambda={},depth={},{}),k={}", m_lambda, m_depth,
                           m_encoder ? "embeddings" : "tfidf", m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        for (std::size_t q = 0; q < queries.size(); ++q) {
            run_one(lists[q]);
        }
    }

private:
    void run_one(CandidateList& list) const {
        truncate(list, m_depth);
        std::vector<float> scores;
        scores.reserve(list.size());
        for (const Candidate& c : list)
            scores.push_back(c.score);
        const std::vector<double> relevance = min_max_normalize(scores);
        std::vector<std::size_t> order;
        if (m_encoder) {
            std::vector<std::vector<float>> vectors = embed(list);
            order = mmr_order(
                relevance,
                [&](std::size_t i, std::size_t j) { return dense_cosine(vectors[i], vectors[j]); },
                m_lambda, m_k);
        } else {
            const std::vector<IdVector> vectors = unit_vectors(list);
            order = mmr_order(
                relevance,
                [&](std::size_t i, std::size_t j) { return sparse_dot(vectors[i], vectors[j]); },
                m_lambda, m_k);
        }
        CandidateList out;
        out.reserve(order.size());
        for (std::size_t r = 0; r < order.size(); ++r) {
            Candidate c = std::move(list[order[r]]);
            c.set_feature(m_input_id, c.score);
            // MMR values are not monotone; the rank becomes the score so that the run keeps
            // the MMR order under trec_eval's sort by score.
            c.score = static_cast<float>(order.size() - r);
            out.push_back(std::move(c));
        }
        list = std::move(out);
    }

    [[nodiscard]] std::vector<std::vector<float>> embed(const CandidateList& list) const {
        std::vector<std::string> texts;
        texts.reserve(list.size());
        for (const Candidate& c : list)
            texts.push_back(document_text(*m_index, c.docid));
        const std::vector<float> flat = m_encoder->embed_texts(texts).get();
        const std::size_t dim = m_encoder->model().output_width();
        std::vector<std::vector<float>> out(texts.size());
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i].assign(flat.begin() + static_cast<std::ptrdiff_t>(i * dim),
                          flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
        return out;
    }

    /// tf-idf vectors of the candidates scaled to unit length, terms interned as ids, so that
    /// the O(k * n) cosines of mmr_order are merges of integer lists.
    [[nodiscard]] std::vector<IdVector> unit_vectors(const CandidateList& list) const {
        std::unordered_map<std::string, std::uint32_t> ids;
        std::vector<IdVector> out;
        out.reserve(list.size());
        for (const Candidate& c : list) {
            IdVector v;
            double norm = 0.0;
            for (const auto& [term, w] : term_vector(c.docid)) {
                auto it = ids.emplace(term, static_cast<std::uint32_t>(ids.size())).first;
                v.emplace_back(it->second, w);
                norm += static_cast<double>(w) * w;
            }
            for (auto& [id, w] : v) {
                w = norm > 0 ? static_cast<float>(w / std::sqrt(norm)) : 0.0F;
            }
            std::sort(v.begin(), v.end());
            out.push_back(std::move(v));
        }
        return out;
    }

    /// tf * idf over the analyzed title and text (idf: Lucene's, of the first field).
    [[nodiscard]] SparseVector term_vector(std::uint32_t docid) const {
        Document d = m_index->document(docid);
        std::vector<std::string> tokens;
        m_analyzer->analyze(d.title + "\n" + d.text, tokens);
        std::map<std::string, float> tf;
        for (std::string& t : tokens)
            tf[std::move(t)] += 1.0F;
        const index::FieldIndex& field = m_index->field(0);
        SparseVector out;
        out.reserve(tf.size());
        for (const auto& [term, count] : tf) {
            const auto info = field.term(term);
            const float idf = retrieve::lucene_idf(
                info ? info->doc_freq : 0, std::max<std::uint32_t>(1, field.stats().doc_count));
            out.emplace_back(term, count * idf);
        }
        return out;
    }

    const index::Index* m_index;
    std::unique_ptr<text::Analyzer> m_analyzer;
    double m_lambda;
    std::size_t m_k;
    std::size_t m_depth;
    std::shared_ptr<runtime::LoadedModel> m_encoder;
    FeatureId m_input_id;
};

}  // namespace

std::unique_ptr<Stage> make_mmr_stage(StageParams& params, StageEnv& env) {
    // lambda 0.7: a common default favouring relevance; Carbonell & Goldstein leave it free.
    const double lambda = params.number("lambda", 0.7, 0.0, 1.0);
    const std::size_t k = params.count("k", 20, 1, 1U << 24);
    const std::size_t depth = params.count("depth", 100, 1, 1U << 24);
    const runtime::ModelOptions options = read_model_options(params, false);
    std::shared_ptr<runtime::LoadedModel> encoder;
    if (!options.dir.empty())
        encoder = stage_model(params, env, options, runtime::Task::EmbedTexts);
    return std::make_unique<MmrStage>(*env.index, lambda, k, depth, std::move(encoder),
                                      *env.features);
}

}  // namespace cascade::rerank
