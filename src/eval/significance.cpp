#include "eval/significance.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "util/error.hpp"

namespace cascade::eval {

namespace {

/// Continued fraction for I_x(a, b), valid (fast converging) for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double x, double a, double b) {
    constexpr double kTiny = 1e-300;
    constexpr double kEps = 1e-15;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    d = std::abs(d) < kTiny ? kTiny : d;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double dm = m;
        // Even step: m (b - m) x / ((a + 2m - 1)(a + 2m)).
        double num = dm * (b - dm) * x / ((a + 2 * dm - 1.0) * (a + 2 * dm));
        d = 1.0 + num * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1.0 + num / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1.0 / d;
        h *= d * c;
        // Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
        num = -(a + dm) * (a + b + dm) * x / ((a + 2 * dm) * (a + 2 * dm + 1.0));
        d = 1.0 + num * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1.0 + num / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < kEps) {
            break;
        }
    }
    return h;
}

}  // namespace

double regularized_incomplete_beta(double x, double a, double b) {
    CASCADE_ASSERT(a > 0.0 && b > 0.0);
    if (x <= 0.0) {
        return 0.0;
    }
    if (x >= 1.0) {
        return 1.0;
    }
    const double log_front =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        return std::exp(log_front) * beta_continued_fraction(x, a, b) / a;
    }
    // Symmetry I_x(a, b) = 1 - I_{1-x}(b, a) keeps the fraction in its fast region.
    return 1.0 - std::exp(log_front) * beta_continued_fraction(1.0 - x, b, a) / b;
}

double student_t_two_sided_p(double t, double df) {
    CASCADE_ASSERT(df > 0.0);
    if (std::isinf(t)) {
        return 0.0;
    }
    return regularized_incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
}

PairedTTest paired_t_test(std::span<const double> a, std::span<const double> b) {
    CASCADE_ASSERT(a.size() == b.size());
    PairedTTest r;
    r.n = a.size();
    if (r.n < 2) {
        r.mean_difference = r.n == 1 ? b[0] - a[0] : 0.0;
        r.p_value = std::numeric_limits<double>::quiet_NaN();
        return r;
    }
    double sum = 0.0;
    for (size_t i = 0; i < r.n; ++i) {
        sum += b[i] - a[i];
    }
    const double n = static_cast<double>(r.n);
    r.mean_difference = sum / n;
    double ss = 0.0;
    for (size_t i = 0; i < r.n; ++i) {
        const double dev = (b[i] - a[i]) - r.mean_difference;
        ss += dev * dev;
    }
    r.df = n - 1.0;
    const double sd = std::sqrt(ss / r.df);
    if (sd == 0.0) {
        r.t = r.mean_difference == 0.0 ? 0.0 : std::copysign(INFINITY, r.mean_difference);
        r.p_value = r.mean_difference == 0.0 ? 1.0 : 0.0;
        return r;
    }
    r.t = r.mean_difference / (sd / std::sqrt(n));
    r.p_value = student_t_two_sided_p(r.t, r.df);
    return r;
}

double paired_randomization_test(std::span<const double> a, std::span<const double> b,
                                 std::uint64_t trials, std::uint64_t seed) {
    CASCADE_ASSERT(a.size() == b.size());
    if (a.empty() || trials == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::vector<double> diff(a.size());
    double observed = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff[i] = b[i] - a[i];
        observed += diff[i];
    }
    observed = std::abs(observed);
    // Sums rather than means: the same comparison, without a division per trial. A small
    // tolerance keeps sign patterns that reproduce the observed sum from losing to rounding.
    const double threshold = observed - 1e-9 * std::max(1.0, observed);
    std::mt19937_64 rng(seed);
    std::uint64_t at_least = 0;
    for (std::uint64_t t = 0; t < trials; ++t) {
        double sum = 0.0;
        std::uint64_t bits = 0;
        for (size_t i = 0; i < diff.size(); ++i) {
            if (i % 64 == 0) {
                bits = rng();
            }
            sum += (bits & 1U) != 0 ? diff[i] : -diff[i];
            bits >>= 1U;
        }
        if (std::abs(sum) >= threshold) {
            ++at_least;
        }
    }
    return static_cast<double>(at_least) / static_cast<double>(trials);
}

}  // namespace cascade::eval
