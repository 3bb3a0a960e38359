/// Normalized discounted cumulative gain (trec_eval m_ndcg.c, m_ndcg_cut.c). Cite: Jarvelin
/// and Kekalainen, "Cumulated gain-based evaluation of IR techniques", ACM TOIS 20(4), 2002.
/// trec_eval's form: gain of a document = its grade (or the gain given on the command line
/// for that grade), discount log2(rank + 1), ideal ranking = all judged documents sorted by
/// gain. Grades below the relevance level still earn their gain; unjudged documents earn 0.
#include <algorithm>
#include <cmath>
#include <utility>

#include "eval/measures/measure_functions.hpp"

namespace cascade::eval::measures {

namespace {

/// (grade, gain, documents with that grade) for every grade that has a gain.
struct GradeGain {
    std::int64_t grade;
    double gain;
    std::int64_t count;
};

/// setup_gains in m_ndcg.c: command-line pairs first, then every grade 0..max with gain =
/// grade unless a pair overrides it.
std::vector<GradeGain> gains_for(const JudgedRanking& r, const std::vector<double>& pairs) {
    std::vector<GradeGain> gains;
    for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
        gains.push_back({static_cast<std::int64_t>(pairs[i]), pairs[i + 1], 0});
    }
    for (std::int64_t level = 0; level < r.num_rel_levels(); ++level) {
        auto it = std::find_if(gains.begin(), gains.end(),
                               [&](const GradeGain& g) { return g.grade == level; });
        if (it != gains.end()) {
            it->count = r.count_at(level);
        } else {
            gains.push_back({level, static_cast<double>(level), r.count_at(level)});
        }
    }
    return gains;
}

double gain_of(int rel, const std::vector<GradeGain>& gains) {
    for (const auto& g : gains) {
        if (g.grade == rel) {
            return g.gain;
        }
    }
    return 0.0;
}

/// Positive gains of the ideal ranking, best first, at most `limit` of them.
std::vector<double> ideal_gains(const std::vector<GradeGain>& gains, std::int64_t limit) {
    std::vector<std::pair<double, std::int64_t>> by_gain;
    for (const auto& g : gains) {
        if (g.gain > 0.0 && g.count > 0) {
            by_gain.emplace_back(g.gain, g.count);
        }
    }
    std::sort(by_gain.begin(), by_gain.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<double> out;
    for (const auto& [gain, count] : by_gain) {
        for (std::int64_t k = 0; k < count && static_cast<std::int64_t>(out.size()) < limit; ++k) {
            out.push_back(gain);
        }
    }
    return out;
}

double discount(std::int64_t index) {
    return std::log2(static_cast<double>(index + 2));
}

}  // namespace

void ndcg(const JudgedRanking& r, const MeasureContext&, const std::vector<double>& p,
          double* out) {
    const auto gains = gains_for(r, p);
    double dcg = 0.0;
    for (std::int64_t i = 0; i < r.num_ret; ++i) {
        const double g = gain_of(r.rels[static_cast<size_t>(i)], gains);
        if (g != 0.0) {
            dcg += g / discount(i);
        }
    }
    double ideal = 0.0;
    const auto best = ideal_gains(gains, INT64_MAX);
    for (size_t i = 0; i < best.size(); ++i) {
        ideal += best[i] / discount(static_cast<std::int64_t>(i));
    }
    if (ideal > 0.0) {
        out[0] = dcg / ideal;
    }
}

void ndcg_cut(const JudgedRanking& r, const MeasureContext&, const std::vector<double>& p,
              double* out) {
    // m_ndcg_cut.c uses the raw grades as gains (no gain parameters).
    const auto gains = gains_for(r, {});
    const auto max_cut = static_cast<std::int64_t>(p.empty() ? 0 : p.back());
    const auto best = ideal_gains(gains, max_cut);
    for (size_t cut = 0; cut < p.size(); ++cut) {
        const auto k = static_cast<std::int64_t>(p[cut]);
        double dcg = 0.0;
        for (std::int64_t i = 0; i < std::min(k, r.num_ret); ++i) {
            const int rel = r.rels[static_cast<size_t>(i)];
            if (rel > 0) {
                dcg += static_cast<double>(rel) / discount(i);
            }
        }
        double ideal = 0.0;
        for (std::int64_t i = 0; i < std::min<std::int64_t>(k, std::ssize(best)); ++i) {
            ideal += best[static_cast<size_t>(i)] / discount(i);
        }
        out[cut] = ideal > 0.0 ? dcg / ideal : dcg;
    }
}

}  // namespace cascade::eval::measures
