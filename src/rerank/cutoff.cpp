#include "rerank/cutoff.hpp"

namespace cascade::rerank {

std::size_t threshold_cutoff(std::span<const float> scores, float threshold) {
    std::size_t n = 0;
    while (n < scores.size() && scores[n] >= threshold) {
        ++n;
    }
    return n;
}

std::size_t knee_cutoff(std::span<const float> scores) {
    const std::size_t n = scores.size();
    if (n < 3) {
        return n;
    }
    const double first = scores.front();
    const double last = scores.back();
    if (!(first > last)) {
        return n;
    }
    std::size_t best = n - 1;
    double best_gap = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(i) / static_cast<double>(n - 1);
        const double y = (static_cast<double>(scores[i]) - last) / (first - last);
        const double gap = (1.0 - x) - y;  // chord y = 1 - x minus the curve
        if (gap > best_gap) {
            best_gap = gap;
            best = i;
        }
    }
    // A straight line has no knee; 1e-9 absorbs rounding of points on the chord.
    return best_gap > 1e-9 ? best + 1 : n;
}

}  // namespace cascade::rerank
