/// The public API's option structs restate a few defaults of the layers they configure (so
/// that include/ stands alone); this holds them to the layers' own values.
#include <gtest/gtest.h>

#include <cascade/eval.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/search.hpp>
#include <cascade/serve.hpp>
#ifdef CASCADE_HAVE_LTR
#include <cascade/ltr.hpp>

#include "rerank/ltr/train.hpp"
#endif

#include "api/impl.hpp"
#include "eval/compare.hpp"
#include "eval/evaluator.hpp"
#include "index/bm25_params.hpp"
#include "index/builder.hpp"
#include "index/impact_builder.hpp"
#include "index/impact_quantizer.hpp"
#include "pipeline/bm25_pipeline.hpp"
#include "serve/http_server.hpp"
#include "serve/service.hpp"
#include "text/analyzer.hpp"

namespace cascade {
namespace {

TEST(ApiDefaults, ModelPoolOptionsAreTheRuntimes) {
    const runtime::PoolOptions internal;
    const runtime::PoolOptions mapped = api::pool_options(ModelPoolOptions{});
    EXPECT_EQ(mapped.scheduling.threads, internal.scheduling.threads);
    EXPECT_EQ(mapped.scheduling.max_batch_tokens, internal.scheduling.max_batch_tokens);
    EXPECT_EQ(mapped.scheduling.max_wait, internal.scheduling.max_wait);
    EXPECT_EQ(mapped.scheduling.max_queue, internal.scheduling.max_queue);
    EXPECT_EQ(mapped.replicas, internal.replicas);
}

TEST(ApiDefaults, ServeOptionsAreTheServeLayers) {
    const ServeOptions options;
    const serve::ServerOptions server;
    const serve::ServiceOptions service;
    EXPECT_EQ(options.host, server.host);
    EXPECT_EQ(options.port, server.port);
    EXPECT_EQ(options.connection_threads, server.threads);
    EXPECT_EQ(options.timeout, service.timeout);
    EXPECT_EQ(options.max_body_bytes, service.limits.max_body_bytes);
    EXPECT_EQ(options.max_documents, service.limits.max_documents);
    EXPECT_EQ(options.max_document_chars, service.limits.max_document_chars);
}

TEST(ApiDefaults, EvalAndCompareOptionsAreTheEvalLayers) {
    const EvalOptions e;
    const eval::EvalOptions ie;
    EXPECT_EQ(e.measures, ie.measures);
    EXPECT_EQ(e.relevance_level, ie.relevance_level);
    EXPECT_EQ(e.average_complete, ie.average_complete);
    EXPECT_EQ(e.max_docs_per_query, ie.max_docs_per_query);
    EXPECT_EQ(e.run_label, ie.run_label);
    EXPECT_EQ(e.trec_eval_version, ie.trec_eval_version);
    const CompareOptions c;
    const eval::CompareOptions ic;
    EXPECT_EQ(c.measures, ic.measures);
    EXPECT_EQ(c.relevance_level, ic.relevance_level);
    EXPECT_EQ(c.all_qrels_queries, ic.all_qrels_queries);
    EXPECT_EQ(c.trials, ic.trials);
    EXPECT_EQ(c.seed, ic.seed);
    EXPECT_EQ(c.label_a, ic.label_a);
    EXPECT_EQ(c.label_b, ic.label_b);
}

TEST(ApiDefaults, IndexBuildOptionsAreTheBuildersAndAnalyzers) {
    const IndexBuildOptions o;
    const index::BuildOptions b;
    const text::AnalyzerOptions a;
    EXPECT_EQ(o.fields, b.fields);
    EXPECT_EQ(o.positions, b.positions);
    EXPECT_EQ(o.threads, b.threads);
    EXPECT_EQ(o.memory_mb << 20, b.memory_budget);
    EXPECT_EQ(o.progress, b.progress);
    EXPECT_EQ(o.analyzer, a.kind);
    EXPECT_EQ(o.stemmer, a.stemmer);
    EXPECT_EQ(o.stopwords, a.stopwords);
}

TEST(ApiDefaults, SearchOptionsAreTheBm25Stages) {
    const SearchOptions o;
    const pipeline::Bm25StageSpec spec;
    const index::Bm25Params params;
    EXPECT_EQ(o.bm25.k1, params.k1);
    EXPECT_EQ(o.bm25.b, params.b);
    EXPECT_EQ(bm25_defaults().k1, spec.params.k1);
    EXPECT_EQ(bm25_defaults().b, spec.params.b);
    EXPECT_EQ(o.algorithm, retrieve::algorithm_name(spec.algorithm));
    EXPECT_EQ(o.k, spec.k);
    EXPECT_EQ(o.remove_query, spec.remove_query);
    EXPECT_EQ(o.tag, spec.name);
}

TEST(ApiDefaults, ImpactIndexOptionsAreTheImpactBuilders) {
    const ImpactIndexOptions o;
    const index::ImpactBuildOptions b;
    EXPECT_EQ(o.quantize, b.quantize);
    EXPECT_EQ(o.quantize, index::kDefaultQuantizer);
    EXPECT_EQ(o.memory_mb << 20, b.memory_budget);
    EXPECT_EQ(o.progress, b.progress);
    const SearchOptions s;
    EXPECT_FALSE(s.impact);  // BM25 unless asked
}

#ifdef CASCADE_HAVE_LTR
TEST(ApiDefaults, LtrTrainOptionsAreTheLtrLayers) {
    const LtrTrainOptions o;
    const rerank::ltr::TrainOptions t;
    EXPECT_EQ(o.depth, t.depth);
    EXPECT_EQ(o.validation, t.validation);
    EXPECT_EQ(o.rounds, t.model.rounds);
    EXPECT_EQ(o.early_stopping, t.model.early_stopping);
    EXPECT_EQ(o.seed, t.model.seed);
    EXPECT_EQ(o.eta, t.model.eta);
    EXPECT_EQ(o.max_depth, t.model.max_depth);
    EXPECT_EQ(o.min_child_weight, t.model.min_child_weight);
    EXPECT_EQ(o.subsample, t.model.subsample);
    EXPECT_EQ(o.colsample, t.model.colsample_bytree);
    EXPECT_EQ(o.threads, t.model.threads);
    EXPECT_EQ(o.bm25.k1, t.features.bm25.k1);
    EXPECT_EQ(o.bm25.b, t.features.bm25.b);
    EXPECT_EQ(o.cv_folds, t.cv.folds);
    EXPECT_EQ(o.cv_depths, t.cv.depths);
    EXPECT_EQ(o.cv_rounds, t.cv.rounds);
    EXPECT_EQ(o.exclude_features, t.features.excluded);
    EXPECT_EQ(ltr_document_features(), rerank::ltr::document_features());
}
#endif

}  // namespace
}  // namespace cascade
