/// cascade::train_ltr and cascade::LtrReranker over the LTR layer (rerank/ltr).
#include <cascade/ltr.hpp>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/runner.hpp"
#include "rerank/ltr/model.hpp"
#include "rerank/ltr/train.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "util/error.hpp"

namespace cascade {

namespace {

retrieve::Bm25Options bm25_options(const Bm25Params& params) {
    retrieve::Bm25Options options;
    options.params = {params.k1, params.b};
    return options;
}

class NoObserver final : public pipeline::BatchObserver {
public:
    void after_stage(std::size_t /*slot*/, double /*ms*/, std::span<const std::size_t> /*in*/,
                     std::span<const rerank::CandidateList> /*out*/) override {}
};

/// The final candidates of `file` over `queries`, with first_stage_score, first_stage_rank
/// and `extra` recorded.
rerank::ltr::TrainingCandidates pipeline_candidates(const index::Index& index,
                                                    const std::filesystem::path& file,
                                                    std::span<const Query> queries,
                                                    const std::vector<std::string>& extra) {
    const pipeline::Pipeline pipe = pipeline::Pipeline::load(file, index);
    rerank::ltr::TrainingCandidates candidates;
    candidates.recorded = rerank::ltr::first_stage_features();
    candidates.recorded.insert(candidates.recorded.end(), extra.begin(), extra.end());
    for (const std::string& name : candidates.recorded) {
        rerank::FeatureId id = 0;
        if (!pipe.features().find(name, id)) {
            std::string known;
            for (const std::string& n : pipe.features().names()) {
                known += (known.empty() ? "" : ", ") + n;
            }
            throw UsageError(
                fmt::format("{}: no stage of the pipeline records feature '{}'; it "
                            "records: {}",
                            file.string(), name, known));
        }
        candidates.recorded_ids.push_back(id);
    }
    NoObserver observer;
    candidates.lists = pipeline::run_batch(pipe, index, queries, observer);
    candidates.first_stage = fmt::format("pipeline {}", file.string());
    return candidates;
}

rerank::ltr::TrainOptions layer_options(const LtrTrainOptions& options) {
    rerank::ltr::TrainOptions train;
    train.depth = options.depth;
    train.validation = options.validation;
    train.model.rounds = options.rounds;
    train.model.early_stopping = options.early_stopping;
    train.model.seed = options.seed;
    train.model.eta = options.eta;
    train.model.max_depth = options.max_depth;
    train.model.min_child_weight = options.min_child_weight;
    train.model.subsample = options.subsample;
    train.model.colsample_bytree = options.colsample;
    train.model.threads = options.threads;
    train.features.bm25 = bm25_options(options.bm25).params;
    train.features.excluded = options.exclude_features;
    train.cv.folds = options.cv_folds;
    train.cv.depths = options.cv_depths;
    train.cv.rounds = options.cv_rounds;
    return train;
}

}  // namespace

std::vector<std::string> ltr_document_features() {
    return rerank::ltr::document_features();
}

LtrTrainReport train_ltr(const Index& index, std::span<const Query> queries, const Qrels& qrels,
                         const LtrTrainOptions& options, const std::filesystem::path& model_dir,
                         const std::function<void(const std::string&)>& on_round) {
    const rerank::ltr::TrainOptions train = layer_options(options);
    const index::Index& idx = index.impl().index;
    rerank::ltr::TrainReport r;
    if (options.pipeline.empty()) {
        if (!options.stage_features.empty()) {
            throw UsageError(
                "stage features need a pipeline whose stages record them (--pipeline FILE); "
                "BM25 alone records only first_stage_score and first_stage_rank");
        }
        const retrieve::Bm25Retriever retriever(idx, bm25_options(options.bm25));
        r = rerank::ltr::train_ltr(idx, retriever, queries, qrels, train, model_dir, on_round);
    } else {
        if (train.depth == 0) {
            throw UsageError("--depth must be at least 1");
        }
        const std::vector<Query> judged = rerank::ltr::judged_queries(queries, qrels);
        if (judged.empty()) {
            throw UsageError("no query of the query file is judged in the training qrels");
        }
        const rerank::ltr::TrainingCandidates candidates =
            pipeline_candidates(idx, options.pipeline, judged, options.stage_features);
        r = rerank::ltr::train_ltr(idx, judged, candidates, qrels, train, model_dir, on_round);
    }
    LtrTrainReport report;
    report.queries = r.queries;
    report.train_queries = r.train_queries;
    report.valid_queries = r.valid_queries;
    report.dropped_queries = r.dropped_queries;
    report.rows = r.rows;
    report.features = r.features;
    report.rounds_run = r.log.rounds_run;
    report.best_iteration = r.log.best_iteration;
    report.eval_at = train.model.eval_at;
    report.train_ndcg = r.log.train_ndcg;
    report.valid_ndcg = r.log.valid_ndcg;
    for (const rerank::ltr::CvSetting& setting : r.cv.settings) {
        report.cv.push_back(
            {setting.max_depth, setting.rounds, setting.mean, setting.sd, setting.fold_ndcg});
    }
    report.cv_chosen = r.cv.chosen;
    report.cv_groups = r.cv.groups;
    report.cv_fold_queries = r.cv.fold_sizes;
    return report;
}

struct LtrReranker::Impl {
    Index index;  ///< the retriever and the ranker read this index
    std::unique_ptr<retrieve::Bm25Retriever> retriever;
    std::unique_ptr<rerank::ltr::LtrRanker> ranker;
};

LtrReranker LtrReranker::load(const Index& index, const std::filesystem::path& model_dir) {
    const index::Index& idx = index.impl().index;
    rerank::ltr::LtrModel model = rerank::ltr::load_ltr_model(model_dir);
    if (model.manifest.recorded != rerank::ltr::first_stage_features()) {
        throw Error(
            fmt::format("{}: --apply supplies only first_stage_score and "
                        "first_stage_rank; run this model in a pipeline",
                        model_dir.string()));
    }
    retrieve::Bm25Options bm25;
    bm25.params = model.manifest.bm25;
    auto retriever = std::make_unique<retrieve::Bm25Retriever>(idx, bm25);
    auto ranker = std::make_unique<rerank::ltr::LtrRanker>(idx, std::move(model), model_dir);
    return LtrReranker(
        std::make_shared<const Impl>(Impl{index, std::move(retriever), std::move(ranker)}));
}

Run LtrReranker::rerank_bm25(std::span<const Query> queries, std::size_t depth,
                             const std::string& tag) const {
    const index::Index& idx = m_impl->index.impl().index;
    std::vector<rerank::CandidateList> lists =
        rerank::ltr::first_stage_candidates(*m_impl->retriever, queries, depth);
    const rerank::FeatureId recorded[] = {0, 1};
    Run run;
    run.tag = tag;
    for (std::size_t q = 0; q < queries.size(); ++q) {
        m_impl->ranker->rerank(queries[q], lists[q], recorded);
        auto& entries = run.by_query[queries[q].id];
        for (std::size_t r = 0; r < lists[q].size(); ++r) {
            entries.push_back({std::string(idx.external_id(lists[q][r].docid)), lists[q][r].score,
                               static_cast<int>(r + 1)});
        }
    }
    return run;
}

}  // namespace cascade
