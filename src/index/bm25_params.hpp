#pragma once
/// BM25's free parameters, their defaults and their validation: the one source for every
/// layer that needs them. It lives in the index layer, the lowest of them, because an index
/// stores per-block (freq, norm) pairs chosen for the default parameters; the retrieve layer
/// re-exports it as retrieve::Bm25Params, and the CLI, the pipeline's bm25 stage and the LTR
/// features all start from its defaults.

#include <cmath>
#include <string>

#include "util/error.hpp"

namespace cascade::index {

/// BM25 free parameters. Defaults are Anserini's (k1 = 0.9, b = 0.4; its SearchCollection and
/// BEIR regressions, Yang, Fang & Lin, "Anserini", SIGIR 2017), tuned on TREC collections by
/// Lin et al., "Toward Reproducible Baselines: The Open-Source IR Reproducibility Challenge"
/// (ECIR 2016); Lucene itself defaults to 1.2 / 0.75.
struct Bm25Params {
    /// The defaults as the decimals they are: an index records them as doubles next to its
    /// block-max pairs, and a scorer uses them rounded to float (the members below).
    static constexpr double kDefaultK1 = 0.9;
    static constexpr double kDefaultB = 0.4;

    float k1 = static_cast<float>(kDefaultK1);
    float b = static_cast<float>(kDefaultB);
};

/// Throws UsageError unless k1 is finite and >= 0 and 0 <= b <= 1 (Lucene's checks); the
/// message names the parameter and its value.
inline void validate(const Bm25Params& params) {
    if (!std::isfinite(params.k1) || params.k1 < 0.0F) {
        throw UsageError("illegal k1 value " + std::to_string(params.k1) +
                         ": must be a non-negative finite number");
    }
    if (std::isnan(params.b) || params.b < 0.0F || params.b > 1.0F) {
        throw UsageError("illegal b value " + std::to_string(params.b) +
                         ": must be between 0 and 1");
    }
}

}  // namespace cascade::index
