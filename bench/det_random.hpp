#pragma once
/// Random numbers that are identical on every machine and standard library.
///
/// std::mt19937 is specified bit for bit, but std::*_distribution and libm's exp/log are not,
/// so a corpus drawn through them could differ between toolchains. Everything here uses only
/// integer operations and correctly rounded IEEE-754 arithmetic (+ - * / and ldexp/frexp);
/// the bench targets compile with -ffp-contract=off so no FMA changes a rounding.

#include <cmath>
#include <cstdint>
#include <vector>

namespace cascade::bench {

/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021),
/// seeded through splitmix64 as its authors recommend.
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : m_state) {
            seed += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            word = z ^ (z >> 31);
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
        const std::uint64_t t = m_state[1] << 17;
        m_state[2] ^= m_state[0];
        m_state[3] ^= m_state[1];
        m_state[1] ^= m_state[2];
        m_state[0] ^= m_state[3];
        m_state[2] ^= t;
        m_state[3] = rotl(m_state[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is < n / 2^64).
    std::uint64_t below(std::uint64_t n) {
        __extension__ using U128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t m_state[4]{};
};

/// Natural logarithm of x > 0 from frexp and the atanh series; within a few ulps, and the
/// same everywhere.
inline double det_log(double x) {
    int exponent = 0;
    double m = std::frexp(x, &exponent);  // x = m * 2^exponent, m in [0.5, 1)
    if (m < 0.70710678118654752) {
        m *= 2.0;
        exponent -= 1;
    }
    const double u = (m - 1.0) / (m + 1.0);  // |u| < 0.172
    const double u2 = u * u;
    double term = u;
    double sum = 0.0;
    for (int k = 1; k < 40; k += 2) {
        sum += term / k;
        term *= u2;
    }
    constexpr double kLn2 = 0.69314718055994530942;
    return 2.0 * sum + exponent * kLn2;
}

/// e^x from range reduction by ln 2 and a Taylor series; the same everywhere.
inline double det_exp(double x) {
    constexpr double kLn2 = 0.69314718055994530942;
    const double k = std::floor(x / kLn2 + 0.5);
    const double r = x - k * kLn2;  // |r| <= ln2 / 2
    double term = 1.0;
    double sum = 1.0;
    for (int n = 1; n < 24; ++n) {
        term *= r / n;
        sum += term;
    }
    return std::ldexp(sum, static_cast<int>(k));
}

/// Samples an index from fixed non-negative weights by inverse CDF (binary search).
class DiscreteSampler {
public:
    explicit DiscreteSampler(const std::vector<double>& weights) : m_cdf(weights.size()) {
        double total = 0.0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            total += weights[i];
            m_cdf[i] = total;
        }
        for (auto& c : m_cdf)
            c /= total;
    }

    std::size_t operator()(Rng& rng) const {
        const double u = rng.uniform();
        std::size_t lo = 0;
        std::size_t hi = m_cdf.size() - 1;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (m_cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }

    [[nodiscard]] std::size_t size() const { return m_cdf.size(); }

private:
    std::vector<double> m_cdf;
};

}  // namespace cascade::bench
