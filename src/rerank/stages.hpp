#pragma once
/// Factories of the built-in stages, one file each; register_builtin_stages() adds them to a
/// registry under the names below.

#include <memory>

#include "rerank/params.hpp"
#include "rerank/registry.hpp"
#include "rerank/stage.hpp"

namespace cascade::rerank {

/// `bm25`: first-stage BM25 (retrieve::Bm25Retriever), bm25_stage.cpp.
std::unique_ptr<Stage> make_bm25_stage(StageParams& params, StageEnv& env);
/// `rm3`: RM3 pseudo-relevance feedback and re-retrieval, rm3_stage.cpp.
std::unique_ptr<Stage> make_rm3_stage(StageParams& params, StageEnv& env);
/// `fusion`: RRF or normalized score combination of the first-stage branches, fusion_stage.cpp.
std::unique_ptr<Stage> make_fusion_stage(StageParams& params, StageEnv& env);
/// `cross_encoder`: (query, document) scoring with a BERT cross-encoder, neural_stages.cpp.
std::unique_ptr<Stage> make_cross_encoder_stage(StageParams& params, StageEnv& env);
/// `bi_encoder`: cosine / dot product of query and document embeddings, neural_stages.cpp.
std::unique_ptr<Stage> make_bi_encoder_stage(StageParams& params, StageEnv& env);
/// `llm_pointwise`: P(yes) of a decoder yes/no re-ranker (Qwen3-Reranker), llm_pointwise_stage.cpp.
std::unique_ptr<Stage> make_llm_pointwise_stage(StageParams& params, StageEnv& env);
/// `llm_listwise`: sliding-window listwise ranking (generate or FIRST), llm_list_stages.cpp.
std::unique_ptr<Stage> make_llm_listwise_stage(StageParams& params, StageEnv& env);
/// `icr`: in-context re-ranking from attention weights, llm_list_stages.cpp.
std::unique_ptr<Stage> make_icr_stage(StageParams& params, StageEnv& env);
/// `mmr`: maximal marginal relevance diversification, mmr_stage.cpp.
std::unique_ptr<Stage> make_mmr_stage(StageParams& params, StageEnv& env);
/// `cutoff`: score-threshold, probability-threshold and knee truncation, cutoff_stage.cpp.
std::unique_ptr<Stage> make_cutoff_stage(StageParams& params, StageEnv& env);
/// `dense`: first stage (nearest neighbours of the query embedding) or, later, re-scoring by
/// the embedding inner product; rerank/dense_stages.cpp.
std::unique_ptr<Stage> make_dense_stage(StageParams& params, StageEnv& env);
/// `prf_vector`: Rocchio / E2Rank-style feedback in embedding space.
std::unique_ptr<Stage> make_prf_vector_stage(StageParams& params, StageEnv& env);
/// `vector_qe`: alpha-QE with k-reciprocal neighbours over user vectors (SuperGlobal's refinement).
std::unique_ptr<Stage> make_vector_qe_stage(StageParams& params, StageEnv& env);
std::unique_ptr<Stage> make_impact_stage(StageParams& params, StageEnv& env);
std::unique_ptr<Stage> make_maxsim_stage(StageParams& params, StageEnv& env);
std::unique_ptr<Stage> make_tilde_stage(StageParams& params, StageEnv& env);

}  // namespace cascade::rerank
