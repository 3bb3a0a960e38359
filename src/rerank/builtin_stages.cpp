#include "rerank/stages.hpp"

namespace cascade::rerank {

void register_builtin_stages(StageRegistry& registry) {
    registry.add("bm25", "first stage: Lucene/Anserini-exact BM25 (k, k1, b, fields)",
                 make_bm25_stage);
    registry.add("rm3", "RM3 pseudo-relevance feedback, re-retrieves (Anserini's definition)",
                 make_rm3_stage);
    registry.add("fusion", "RRF / min-max / z-score fusion of several first stages",
                 make_fusion_stage);
    registry.add("cross_encoder", "BERT cross-encoder re-ranking (model: DIR)",
                 make_cross_encoder_stage);
    registry.add("bi_encoder", "bi-encoder (embedding) re-ranking (model: DIR)",
                 make_bi_encoder_stage);
    registry.add("llm_pointwise",
                 "LLM yes/no re-ranking, score = P(yes) (model: DIR, a decoder such as "
                 "Qwen3-Reranker; instruction)",
                 make_llm_pointwise_stage);
    registry.add("llm_listwise",
                 "LLM listwise re-ranking in sliding windows (model: DIR; window, stride; mode "
                 "generate = RankGPT permutation, first = FIRST identifier logits)",
                 make_llm_listwise_stage);
    registry.add("icr",
                 "in-context re-ranking from an LLM's attention to each document, calibrated "
                 "with a content-free query (model: DIR)",
                 make_icr_stage);
    registry.add("mmr", "maximal marginal relevance diversification (lambda)", make_mmr_stage);
    registry.add("cutoff",
                 "adaptive truncation: score or probability threshold, or knee of the score curve",
                 make_cutoff_stage);
    registry.add("dense",
                 "dense retrieval over the index's dense part as a first stage (k, ef, method); "
                 "later, re-scoring by the query embedding",
                 make_dense_stage);
    registry.add("prf_vector",
                 "embedding-space pseudo-relevance feedback (Rocchio / E2Rank): fb_docs, alpha, "
                 "beta",
                 make_prf_vector_stage);
    registry.add("vector_qe",
                 "alpha-weighted query expansion over the top qe_k vectors, k-reciprocal "
                 "neighbours only (SuperGlobal's refinement): qe_k, alpha, reciprocal",
                 make_vector_qe_stage);
    registry.add("maxsim",
                 "ColBERT late interaction over the index's multivector part: MaxSim of the "
                 "query's token vectors (k; top_k keeps the best, pruning candidates that cannot "
                 "reach them)",
                 make_maxsim_stage);
    registry.add("tilde",
                 "TILDEv2 exact term matching over the index's TILDE part: the query is only "
                 "tokenised (k; alpha interpolates with the incoming score)",
                 make_tilde_stage);
    registry.add("impact",
                 "learned-sparse (SPLADE/uniCOIL) impact retrieval over the index's impact part "
                 "as a first stage (k, algorithm); later, re-scoring (queries: FILE or "
                 "pretokenized: true)",
                 make_impact_stage);
}

}  // namespace cascade::rerank
