#include "rerank/ltr/cross_validation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

std::size_t find_root(std::vector<std::size_t>& parent, std::size_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

void check_options(const CvOptions& options) {
    if (options.depths.empty() || options.rounds.empty()) {
        throw UsageError("cross-validation needs at least one depth and one round count");
    }
    for (int d : options.depths) {
        if (d < 1 || d > 20) {
            throw UsageError("cross-validation depths must be between 1 and 20");
        }
    }
    for (std::size_t r : options.rounds) {
        if (r < 1 || r > 100000) {
            throw UsageError("cross-validation round counts must be between 1 and 100000");
        }
    }
}

void summarise(CvSetting& s) {
    const auto n = static_cast<double>(s.fold_ndcg.size());
    s.mean = std::accumulate(s.fold_ndcg.begin(), s.fold_ndcg.end(), 0.0) / n;
    double ss = 0.0;
    for (double v : s.fold_ndcg) {
        ss += (v - s.mean) * (v - s.mean);
    }
    s.sd = n > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
}

}  // namespace

std::vector<std::size_t> relevance_components(std::span<const std::vector<std::string>> relevant) {
    const std::size_t n = relevant.size();
    std::vector<std::size_t> parent(n);
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    std::unordered_map<std::string, std::size_t> owner;  // document -> first query citing it
    for (std::size_t q = 0; q < n; ++q) {
        for (const std::string& doc : relevant[q]) {
            auto [it, inserted] = owner.emplace(doc, q);
            if (!inserted) {
                const std::size_t a = find_root(parent, it->second);
                const std::size_t b = find_root(parent, q);
                parent[std::max(a, b)] = std::min(a, b);
            }
        }
    }
    std::vector<std::size_t> component(n);
    std::unordered_map<std::size_t, std::size_t> number;
    for (std::size_t q = 0; q < n; ++q) {
        auto [it, inserted] = number.emplace(find_root(parent, q), number.size());
        component[q] = it->second;
    }
    return component;
}

std::vector<std::size_t> assign_folds(std::span<const std::size_t> components, std::size_t folds,
                                      std::uint64_t seed) {
    if (folds < 2) {
        throw UsageError("cross-validation needs at least 2 folds");
    }
    std::size_t num_components = 0;
    for (std::size_t c : components) {
        num_components = std::max(num_components, c + 1);
    }
    if (num_components < folds) {
        throw UsageError(fmt::format(
            "{} folds need at least {} groups of queries sharing relevant documents; there are {}",
            folds, folds, num_components));
    }
    std::vector<std::size_t> size(num_components, 0);
    for (std::size_t c : components) {
        ++size[c];
    }
    std::vector<std::size_t> order(num_components);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(seed);
    for (std::size_t i = num_components; i > 1; --i) {
        std::swap(order[i - 1], order[rng() % i]);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
    std::vector<std::size_t> fold_of_component(num_components);
    std::vector<std::size_t> load(folds, 0);
    for (std::size_t c : order) {
        const auto f =
            static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        fold_of_component[c] = f;
        load[f] += size[c];
    }
    std::vector<std::size_t> fold(components.size());
    for (std::size_t q = 0; q < components.size(); ++q) {
        fold[q] = fold_of_component[components[q]];
    }
    return fold;
}

RankingData select_queries(const RankingData& data, std::span<const std::size_t> queries) {
    std::vector<std::size_t> offset(data.groups.size() + 1, 0);
    for (std::size_t g = 0; g < data.groups.size(); ++g) {
        offset[g + 1] = offset[g] + data.groups[g];
    }
    RankingData out{data.num_features, {}, {}, {}};
    for (std::size_t q : queries) {
        CASCADE_ASSERT(q < data.groups.size());
        const auto begin = static_cast<std::ptrdiff_t>(offset[q]);
        const auto end = static_cast<std::ptrdiff_t>(offset[q + 1]);
        const auto width = static_cast<std::ptrdiff_t>(data.num_features);
        out.features.insert(out.features.end(), data.features.begin() + begin * width,
                            data.features.begin() + end * width);
        out.labels.insert(out.labels.end(), data.labels.begin() + begin, data.labels.begin() + end);
        out.groups.push_back(data.groups[q]);
    }
    return out;
}

CvResult cross_validate(const RankingData& data, std::span<const std::size_t> fold,
                        const LambdaMartParams& params, const CvOptions& options,
                        const std::function<void(int, std::size_t)>& on_fold) {
    check_options(options);
    CASCADE_ASSERT(fold.size() == data.num_queries());
    CvResult result;
    result.folds = options.folds;
    result.fold_sizes.assign(options.folds, 0);
    for (std::size_t f : fold) {
        CASCADE_ASSERT(f < options.folds);
        ++result.fold_sizes[f];
    }
    std::vector<std::size_t> rounds = options.rounds;
    std::sort(rounds.begin(), rounds.end());
    rounds.erase(std::unique(rounds.begin(), rounds.end()), rounds.end());
    std::vector<int> depths = options.depths;
    std::sort(depths.begin(), depths.end());
    depths.erase(std::unique(depths.begin(), depths.end()), depths.end());
    const std::string metric = fmt::format("valid-ndcg@{}", params.eval_at);
    for (int depth : depths) {
        std::vector<CvSetting> settings(rounds.size());
        for (std::size_t r = 0; r < rounds.size(); ++r) {
            settings[r].max_depth = depth;
            settings[r].rounds = rounds[r];
        }
        for (std::size_t f = 0; f < options.folds; ++f) {
            if (on_fold) {
                on_fold(depth, f);
            }
            std::vector<std::size_t> train_ids;
            std::vector<std::size_t> valid_ids;
            for (std::size_t q = 0; q < fold.size(); ++q) {
                (fold[q] == f ? valid_ids : train_ids).push_back(q);
            }
            LambdaMartParams p = params;
            p.max_depth = depth;
            p.rounds = rounds.back();
            p.early_stopping = 0;
            std::vector<double> curve;
            TrainingLog log;
            (void)LambdaMart::train(
                select_queries(data, train_ids), select_queries(data, valid_ids), p, log,
                [&](const std::string& line) { curve.push_back(parse_eval(line, metric)); });
            CASCADE_ASSERT(curve.size() == rounds.back());
            for (std::size_t r = 0; r < rounds.size(); ++r) {
                settings[r].fold_ndcg.push_back(curve[rounds[r] - 1]);
            }
        }
        for (CvSetting& s : settings) {
            summarise(s);
            result.settings.push_back(std::move(s));
        }
    }
    for (std::size_t i = 1; i < result.settings.size(); ++i) {
        if (result.settings[i].mean > result.settings[result.chosen].mean) {
            result.chosen = i;
        }
    }
    return result;
}

}  // namespace cascade::rerank::ltr
