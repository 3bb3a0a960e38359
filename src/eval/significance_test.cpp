// Significance tests against textbook values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/significance.hpp"

namespace cascade::eval {
namespace {

TEST(IncompleteBeta, KnownIdentities) {
    for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
        EXPECT_NEAR(regularized_incomplete_beta(x, 1.0, 1.0), x, 1e-13);  // uniform CDF
        // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b.
        EXPECT_NEAR(regularized_incomplete_beta(x, 3.5, 1.0), std::pow(x, 3.5), 1e-13);
        EXPECT_NEAR(regularized_incomplete_beta(x, 1.0, 2.5), 1 - std::pow(1 - x, 2.5), 1e-13);
        // Symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
        EXPECT_NEAR(regularized_incomplete_beta(x, 2.3, 7.1),
                    1 - regularized_incomplete_beta(1 - x, 7.1, 2.3), 1e-13);
    }
    EXPECT_NEAR(regularized_incomplete_beta(0.5, 4.0, 4.0), 0.5, 1e-13);
}

TEST(StudentT, TwoSidedPAtTableCriticalValues) {
    // Critical values of Student's t (standard tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    EXPECT_NEAR(student_t_two_sided_p(12.706, 1), 0.05, 1e-4);
    EXPECT_NEAR(student_t_two_sided_p(2.228, 10), 0.05, 1e-4);
    EXPECT_NEAR(student_t_two_sided_p(4.032, 5), 0.01, 1e-4);
    EXPECT_NEAR(student_t_two_sided_p(1.697, 30), 0.10, 1e-4);
    EXPECT_NEAR(student_t_two_sided_p(3.291, 1e6), 0.001, 1e-5);  // ~ normal
    EXPECT_NEAR(student_t_two_sided_p(0.0, 7), 1.0, 1e-14);
    // df = 1 is Cauchy: p = 1 - 2 atan(t) / pi.
    for (double t : {0.3, 1.0, 4.0}) {
        EXPECT_NEAR(student_t_two_sided_p(t, 1), 1 - 2 * std::atan(t) / M_PI, 1e-12);
    }
    // df = 2 has a closed form: p = 1 - t / sqrt(t^2 + 2).
    for (double t : {0.5, 2.0, 9.0}) {
        EXPECT_NEAR(student_t_two_sided_p(t, 2), 1 - t / std::sqrt(t * t + 2), 1e-12);
    }
}

TEST(PairedTTest, HandComputedExample) {
    // Differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / (sd / 2) = 3.8730, df 3.
    const std::vector<double> a = {0, 0, 0, 0};
    const std::vector<double> b = {1, 2, 3, 4};
    const auto r = paired_t_test(a, b);
    EXPECT_NEAR(r.mean_difference, 2.5, 1e-15);
    EXPECT_NEAR(r.t, 2.5 / (std::sqrt(5.0 / 3.0) / 2.0), 1e-12);
    EXPECT_EQ(r.df, 3.0);
    EXPECT_NEAR(r.p_value, 0.030466, 1e-5);  // two-sided, t(3) = 3.873
    EXPECT_EQ(paired_t_test(a, a).p_value, 1.0);
    EXPECT_TRUE(std::isnan(paired_t_test(std::vector<double>{1}, std::vector<double>{2}).p_value));
}

TEST(Randomization, DeterministicAndConsistentWithExactEnumeration) {
    // Differences 1, 2, 3, 4: of the 16 sign patterns, |sum| >= 10 for 2 -> exact p = 0.125.
    const std::vector<double> a = {0, 0, 0, 0};
    const std::vector<double> b = {1, 2, 3, 4};
    const double p = paired_randomization_test(a, b, 200000, 3);
    EXPECT_NEAR(p, 0.125, 0.004);
    EXPECT_EQ(p, paired_randomization_test(a, b, 200000, 3));
    EXPECT_EQ(paired_randomization_test(a, a, 1000, 1), 1.0);
}

}  // namespace
}  // namespace cascade::eval
