#include "rerank/ltr/train.hpp"

#include <cmath>
#include <random>

#include "index/index.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

/// Appends one query's rows; false (and nothing appended) when no candidate is relevant.
bool append_query(const FeatureExtractor& extractor, const index::Index& index, const Query& query,
                  const CandidateList& list, const std::unordered_map<std::string, int>& judged,
                  RankingData& data) {
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
    const FeatureId recorded[] = {0, 1};
    extractor.extract(query.text, list, recorded, data.features);
    data.labels.insert(data.labels.end(), labels.begin(), labels.end());
    data.groups.push_back(static_cast<unsigned>(list.size()));
    return true;
}

}  // namespace

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
    std::vector<Query> judged;
    for (const Query& q : queries) {
        if (qrels.by_query.contains(q.id)) {
            judged.push_back(q);
        }
    }
    if (judged.empty()) {
        throw UsageError("no query of the query file is judged in the training qrels");
    }
    FeatureConfig config = options.features;
    config.recorded = first_stage_features();
    const FeatureExtractor extractor(index, config);

    TrainReport report;
    report.queries = judged.size();
    report.features = extractor.names();
    std::vector<std::size_t> train_ids;
    std::vector<std::size_t> valid_ids;
    split_queries(judged.size(), options.validation, options.model.seed, train_ids, valid_ids);
    const std::vector<CandidateList> lists =
        first_stage_candidates(retriever, judged, options.depth);
    RankingData train{extractor.num_features(), {}, {}, {}};
    RankingData valid{extractor.num_features(), {}, {}, {}};
    for (auto [ids, data] : {std::pair{&train_ids, &train}, std::pair{&valid_ids, &valid}}) {
        for (std::size_t q : *ids) {
            const auto& grades = qrels.by_query.at(judged[q].id);
            if (!append_query(extractor, index, judged[q], lists[q], grades, *data)) {
                ++report.dropped_queries;
            }
        }
    }
    report.train_queries = train.num_queries();
    report.valid_queries = valid.num_queries();
    report.rows = train.num_rows() + valid.num_rows();
    LambdaMart booster = LambdaMart::train(train, valid, options.model, report.log, on_round);

    LtrManifest manifest;
    manifest.features = extractor.names();
    manifest.recorded = config.recorded;
    manifest.analyzer = index.analyzer_name();
    manifest.bm25 = config.bm25;
    manifest.dirichlet_mu = config.dirichlet_mu;
    const LambdaMartParams& p = options.model;
    manifest.training = {
        {"first_stage", retriever.name()},
        {"depth", options.depth},
        {"validation", options.validation},
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
    save_ltr_model(model_dir, booster, manifest);
    return report;
}

}  // namespace cascade::rerank::ltr
