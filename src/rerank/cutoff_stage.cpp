/// The `cutoff` stage: truncates each list by a score threshold, a probability threshold or
/// the knee rule (rerank/cutoff.hpp), never below `min_k` nor above `k` results.
///
/// `method: probability` is the calibrated form of `threshold`: the scores must be
/// probabilities (e.g. P(yes) of `llm_pointwise`), `threshold` lies in [0, 1] (default 0.5),
/// and a score outside [0, 1] fails the query instead of silently cutting a list of logits.
#include <algorithm>

#include <fmt/format.h>

#include "rerank/cutoff.hpp"
#include "rerank/stages.hpp"
#include "util/error.hpp"

namespace cascade::rerank {
namespace {

class CutoffStage final : public Stage {
public:
    CutoffStage(std::string method, float threshold, std::size_t min_k, std::size_t k)
        : m_method(std::move(method)), m_threshold(threshold), m_min_k(min_k), m_k(k) {}

    [[nodiscard]] std::string_view type() const override { return "cutoff"; }
    [[nodiscard]] std::string describe() const override {
        return m_method == "knee" ? fmt::format("cutoff(knee,min_k={}),k={}", m_min_k, m_k)
                                  : fmt::format("cutoff({}={},min_k={}),k={}", m_method,
                                                m_threshold, m_min_k, m_k);
    }

    void run(std::span<const Query> queries, std::span<CandidateList> lists,
             const StageContext& /*context*/) const override {
        for (std::size_t q = 0; q < queries.size(); ++q) {
            CandidateList& list = lists[q];
            truncate(list, m_k);
            std::vector<float> scores;
            scores.reserve(list.size());
            for (const Candidate& c : list)
                scores.push_back(c.score);
            if (m_method == "probability")
                check_probabilities(queries[q], scores);
            const std::size_t keep =
                m_method == "knee" ? knee_cutoff(scores) : threshold_cutoff(scores, m_threshold);
            truncate(list, std::max(keep, m_min_k));
        }
    }

private:
    static void check_probabilities(const Query& query, std::span<const float> scores) {
        for (float s : scores)
            if (!(s >= 0.0F && s <= 1.0F))
                throw Error(fmt::format(
                    "cutoff method probability: query {} has the score {}, not a probability "
                    "in [0, 1]; put it after a stage that scores with probabilities "
                    "(llm_pointwise) or use method threshold",
                    query.id, s));
    }

    std::string m_method;
    float m_threshold;
    std::size_t m_min_k;
    std::size_t m_k;
};

}  // namespace

std::unique_ptr<Stage> make_cutoff_stage(StageParams& params, StageEnv& /*env*/) {
    const std::string method =
        params.choice("method", "knee", {"knee", "threshold", "probability"});
    float threshold = 0.0F;
    if (method == "probability") {
        threshold = static_cast<float>(params.number("threshold", 0.5, 0.0, 1.0));
    } else if (method == "threshold") {
        if (!params.has("threshold")) {
            params.node("threshold");
            throw params.error("method", "method threshold needs 'threshold: SCORE'");
        }
        threshold = static_cast<float>(params.number("threshold", 0.0, -1e30, 1e30));
    }
    const std::size_t min_k = params.count("min_k", 1, 0, 1U << 24);
    const std::size_t k = params.count("k", 1000, 1, 1U << 24);
    return std::make_unique<CutoffStage>(method, threshold, min_k, k);
}

}  // namespace cascade::rerank
