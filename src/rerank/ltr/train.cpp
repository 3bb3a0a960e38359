#include "rerank/ltr/train.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "index/index.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

/// Appends one query's rows; false (and nothing appended) when no candidate is relevant.
bool append_query(const FeatureExtractor& extractor, const index::Index& index, const Query& query,
                  std::span<const Candidate> list, std::span<const FeatureId> recorded_ids,
                  const std::unordered_map<std::string, int>& judged, RankingData& data) {
    std::vector<float> labels;
    bool any_relevant = false;
    for (const Candidate& c : list) {
        auto it = judged.find(std::string(index.external_id(c.docid)));
        const int grade = it == judged.end() ? 0 : std::max(0, it->second);
        any_relevant = any_relevant || grade > 0;
        labels.push_back(static_cast<float>(grade));
    }
    if (!any_relevant) {
        return false;
    }
    extractor.extract(query.text, list, recorded_ids, data.features);
    data.labels.insert(data.labels.end(), labels.begin(), labels.end());
    data.groups.push_back(static_cast<unsigned>(list.size()));
    return true;
}

/// Positions in the kept-query data of the queries `ids` that were kept (npos = dropped).
std::vector<std::size_t> kept_positions(std::span<const std::size_t> ids,
                                        std::span<const std::size_t> position) {
    std::vector<std::size_t> out;
    for (std::size_t q : ids) {
        if (position[q] != static_cast<std::size_t>(-1)) {
            out.push_back(position[q]);
        }
    }
    return out;
}

nlohmann::json cv_json(const CvResult& cv) {
    if (cv.settings.empty()) {
        return nullptr;
    }
    nlohmann::json settings = nlohmann::json::array();
    for (const CvSetting& s : cv.settings) {
        settings.push_back({{"max_depth", s.max_depth},
                            {"rounds", s.rounds},
                            {"mean_ndcg", s.mean},
                            {"sd", s.sd},
                            {"fold_ndcg", s.fold_ndcg}});
    }
    return {{"folds", cv.folds},
            {"groups", cv.groups},
            {"fold_queries", cv.fold_sizes},
            {"settings", settings},
            {"chosen",
             {{"max_depth", cv.settings[cv.chosen].max_depth},
              {"rounds", cv.settings[cv.chosen].rounds},
              {"mean_ndcg", cv.settings[cv.chosen].mean}}}};
}

/// Cross-validates on the kept queries (folds grouped by shared relevant documents) and
/// returns the result; `params` gets the chosen rounds and depth.
CvResult choose_by_cv(const RankingData& data, std::span<const Query> queries,
                      std::span<const std::size_t> kept, const Qrels& qrels,
                      const CvOptions& options, LambdaMartParams& params,
                      const std::function<void(const std::string&)>& on_round) {
    std::vector<std::vector<std::string>> relevant(kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i) {
        for (const auto& [doc, grade] : qrels.by_query.at(queries[kept[i]].id)) {
            if (grade > 0) {
                relevant[i].push_back(doc);
            }
        }
    }
    const std::vector<std::size_t> components = relevance_components(relevant);
    const std::vector<std::size_t> folds = assign_folds(components, options.folds, params.seed);
    auto on_fold = [&](int depth, std::size_t fold) {
        if (on_round) {
            on_round(fmt::format("cross-validation: max_depth {}, fold {} of {}", depth, fold + 1,
                                 options.folds));
        }
    };
    CvResult cv = cross_validate(data, folds, params, options, on_fold);
    cv.groups =
        components.empty() ? 0 : *std::max_element(components.begin(), components.end()) + 1;
    params.rounds = cv.settings[cv.chosen].rounds;
    params.max_depth = cv.settings[cv.chosen].max_depth;
    return cv;
}

/// The manifest of a model trained with `params` (the chosen ones under cross-validation).
LtrManifest make_manifest(const FeatureExtractor& extractor, const FeatureConfig& config,
                          const index::Index& index, const TrainingCandidates& candidates,
                          const TrainOptions& options, const LambdaMartParams& params,
                          const TrainReport& report) {
    LtrManifest manifest;
    manifest.features = extractor.names();
    manifest.recorded = config.recorded;
    manifest.excluded = config.excluded;
    manifest.analyzer = index.analyzer_name();
    manifest.bm25 = config.bm25;
    manifest.dirichlet_mu = config.dirichlet_mu;
    const LambdaMartParams& p = params;
    manifest.training = {
        {"first_stage", candidates.first_stage},
        {"depth", options.depth},
        {"validation", options.cv.folds > 0 ? 0.0 : options.validation},
        {"params",
         {{"rounds", p.rounds},
          {"early_stopping", p.early_stopping},
          {"eta", p.eta},
          {"max_depth", p.max_depth},
          {"min_child_weight", p.min_child_weight},
          {"subsample", p.subsample},
          {"colsample_bytree", p.colsample_bytree},
          {"lambda", p.lambda},
          {"eval_at", p.eval_at},
          {"seed", p.seed},
          {"threads", p.threads}}},
        {"cross_validation", cv_json(report.cv)},
        {"queries", report.queries},
        {"train_queries", report.train_queries},
        {"valid_queries", report.valid_queries},
        {"dropped_queries", report.dropped_queries},
        {"rows", report.rows},
        {"best_iteration", report.log.best_iteration},
        {"rounds_run", report.log.rounds_run},
        {"train_ndcg", report.log.train_ndcg},
        {"valid_ndcg", std::isnan(report.log.valid_ndcg) ? nlohmann::json(nullptr)
                                                         : nlohmann::json(report.log.valid_ndcg)},
    };
    return manifest;
}

}  // namespace

std::vector<Query> judged_queries(std::span<const Query> queries, const Qrels& qrels) {
    std::vector<Query> judged;
    for (const Query& q : queries) {
        if (qrels.by_query.contains(q.id)) {
            judged.push_back(q);
        }
    }
    return judged;
}

std::vector<std::string> first_stage_features() {
    return {"first_stage_score", "first_stage_rank"};
}

void split_queries(std::size_t n, double share, std::uint64_t seed, std::vector<std::size_t>& train,
                   std::vector<std::size_t>& valid) {
    if (!(share >= 0.0 && share < 1.0)) {
        throw UsageError("the validation share must be in [0, 1)");
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
    }
    std::mt19937_64 rng(seed);
    for (std::size_t i = n; i > 1; --i) {
        std::swap(order[i - 1], order[rng() % i]);
    }
    std::size_t num_valid = static_cast<std::size_t>(std::llround(share * static_cast<double>(n)));
    if (share > 0.0 && n >= 2) {
        num_valid = std::clamp<std::size_t>(num_valid, 1, n - 1);
    }
    valid.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(num_valid));
    train.assign(order.begin() + static_cast<std::ptrdiff_t>(num_valid), order.end());
    std::sort(valid.begin(), valid.end());
    std::sort(train.begin(), train.end());
}

std::vector<CandidateList> first_stage_candidates(const retrieve::Bm25Retriever& retriever,
                                                  std::span<const Query> queries,
                                                  std::size_t depth) {
    std::vector<std::vector<retrieve::Hit>> hits = retriever.search(queries, depth);
    std::vector<CandidateList> lists(queries.size());
    for (std::size_t q = 0; q < queries.size(); ++q) {
        for (std::size_t r = 0; r < hits[q].size(); ++r) {
            Candidate c{hits[q][r].docid, hits[q][r].score, {}};
            c.set_feature(0, c.score);
            c.set_feature(1, static_cast<float>(r + 1));
            lists[q].push_back(std::move(c));
        }
    }
    return lists;
}

TrainReport train_ltr(const index::Index& index, const retrieve::Bm25Retriever& retriever,
                      std::span<const Query> queries, const Qrels& qrels,
                      const TrainOptions& options, const std::filesystem::path& model_dir,
                      const std::function<void(const std::string&)>& on_round) {
    if (options.depth == 0) {
        throw UsageError("--depth must be at least 1");
    }
    const std::vector<Query> judged = judged_queries(queries, qrels);
    if (judged.empty()) {
        throw UsageError("no query of the query file is judged in the training qrels");
    }
    TrainingCandidates candidates;
    candidates.lists = first_stage_candidates(retriever, judged, options.depth);
    candidates.recorded = first_stage_features();
    candidates.recorded_ids = {0, 1};
    candidates.first_stage = retriever.name();
    return train_ltr(index, judged, candidates, qrels, options, model_dir, on_round);
}

TrainReport train_ltr(const index::Index& index, std::span<const Query> queries,
                      const TrainingCandidates& candidates, const Qrels& qrels,
                      const TrainOptions& options, const std::filesystem::path& model_dir,
                      const std::function<void(const std::string&)>& on_round) {
    if (options.depth == 0) {
        throw UsageError("--depth must be at least 1");
    }
    if (queries.empty()) {
        throw UsageError("no query of the query file is judged in the training qrels");
    }
    CASCADE_ASSERT(candidates.lists.size() == queries.size());
    CASCADE_ASSERT(candidates.recorded.size() == candidates.recorded_ids.size());
    FeatureConfig config = options.features;
    config.recorded = candidates.recorded;
    const FeatureExtractor extractor(index, config);

    TrainReport report;
    report.queries = queries.size();
    report.features = extractor.names();
    // Every query's rows once, in query order; position[q] locates query q (npos: dropped).
    RankingData all{extractor.num_features(), {}, {}, {}};
    std::vector<std::size_t> position(queries.size(), static_cast<std::size_t>(-1));
    std::vector<std::size_t> kept;
    for (std::size_t q = 0; q < queries.size(); ++q) {
        const CandidateList& list = candidates.lists[q];
        const std::span<const Candidate> top(list.data(), std::min(list.size(), options.depth));
        const auto& grades = qrels.by_query.at(queries[q].id);
        if (append_query(extractor, index, queries[q], top, candidates.recorded_ids, grades, all)) {
            position[q] = kept.size();
            kept.push_back(q);
        } else {
            ++report.dropped_queries;
        }
    }
    report.rows = all.num_rows();
    LambdaMartParams params = options.model;
    std::optional<LambdaMart> booster;
    if (options.cv.folds > 0) {
        report.cv = choose_by_cv(all, queries, kept, qrels, options.cv, params, on_round);
        report.train_queries = all.num_queries();
        booster.emplace(LambdaMart::train(all, {}, params, report.log, on_round));
    } else {
        // The split is over every judged query (dropped ones included), as it always was.
        std::vector<std::size_t> train_ids;
        std::vector<std::size_t> valid_ids;
        split_queries(queries.size(), options.validation, params.seed, train_ids, valid_ids);
        const RankingData train = select_queries(all, kept_positions(train_ids, position));
        const RankingData valid = select_queries(all, kept_positions(valid_ids, position));
        report.train_queries = train.num_queries();
        report.valid_queries = valid.num_queries();
        booster.emplace(LambdaMart::train(train, valid, params, report.log, on_round));
    }

    const LtrManifest manifest =
        make_manifest(extractor, config, index, candidates, options, params, report);
    save_ltr_model(model_dir, *booster, manifest);
    return report;
}

}  // namespace cascade::rerank::ltr
