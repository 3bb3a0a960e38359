#pragma once
/// Paired significance tests for comparing two systems over the same queries.

#include <cstdint>
#include <span>

namespace cascade::eval {

/// Regularized incomplete beta function I_x(a, b) for 0 <= x <= 1, a, b > 0, evaluated with
/// the continued fraction of Numerical Recipes (Press et al., 3rd ed., section 6.4) by
/// the modified Lentz method; absolute error below 1e-12 for the arguments the t-test uses.
[[nodiscard]] double regularized_incomplete_beta(double x, double a, double b);

/// Two-sided p-value of Student's t statistic `t` with `df` degrees of freedom:
/// P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
[[nodiscard]] double student_t_two_sided_p(double t, double df);

/// Result of a paired t-test on differences d_i = b_i - a_i.
struct PairedTTest {
    std::size_t n = 0;
    double mean_difference = 0.0;
    double t = 0.0;   ///< mean / (sd / sqrt(n)), sd with n - 1 in the denominator
    double df = 0.0;  ///< n - 1
    /// Two-sided p-value; 1 when every difference is 0, 0 when all differences are equal and
    /// non-zero, NaN when n < 2.
    double p_value = 0.0;
};

/// Paired two-sided Student t-test of `b` against `a` (same length, same query order).
[[nodiscard]] PairedTTest paired_t_test(std::span<const double> a, std::span<const double> b);

/// Paired randomization (permutation) test, two-sided: the fraction of `trials` random
/// sign assignments of the differences whose |mean| is at least the observed |mean|
/// (Smucker, Allan and Carterette, "A comparison of statistical significance tests for
/// information retrieval evaluation", CIKM 2007). Deterministic for a given `seed`
/// (std::mt19937_64). Cost O(trials * n).
[[nodiscard]] double paired_randomization_test(std::span<const double> a, std::span<const double> b,
                                               std::uint64_t trials, std::uint64_t seed);

}  // namespace cascade::eval
