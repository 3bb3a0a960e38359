#include "rerank/stages.hpp"

namespace cascade::rerank {

void register_builtin_stages(StageRegistry& registry) {
    registry.add("bm25", "first stage: Lucene/Anserini-exact BM25 (k, k1, b, fields)",
                 make_bm25_stage);
    registry.add("rm3", "RM3 pseudo-relevance feedback, re-retrieves (Anserini's definition)",
                 make_rm3_stage);
}

}  // namespace cascade::rerank
