#pragma once
/// A synthetic learned-sparse (SPLADE-like) collection for tests and benchmarks, identical on
/// every machine for a given seed (integer arithmetic and correctly rounded IEEE operations).
///
/// The shape follows what makes learned-sparse retrieval slow (Mackenzie et al., "Wacky Weights
/// in Learned Sparse Representations and the Revenge of Score-at-a-Time Query Evaluation",
/// 2021): documents of 100-300 weighted terms, a share of them *expansion* terms that the text
/// does not contain (here: drawn from a topic's cluster of related terms), over a vocabulary
/// whose term popularity is Zipf-like; and long queries (20-40 weighted terms) that mix the
/// terms of a relevant document, its topic's expansions and frequent terms with small weights,
/// so that many long posting lists take part in every query. Weights are those of a SPLADE
/// model (log-saturated, mostly in 0..3); document impacts are round(w x 100), the naver/splade
/// export's quantisation, at least 1.

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace cascade::retrieve::synth {

/// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
/// seeded per document and per query, so any one can be made alone and in any order.
class SplitMix {
public:
    explicit SplitMix(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n), n > 0.
    std::uint64_t below(std::uint64_t n) {
        __extension__ using U128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
    }

private:
    std::uint64_t m_state;
};

struct SyntheticOptions {
    std::uint32_t docs = 1000;
    std::uint32_t vocabulary = 30000;
    std::uint32_t min_terms = 100;  ///< distinct terms per document
    std::uint32_t max_terms = 300;
    std::uint32_t topics = 500;       ///< expansion clusters
    std::uint32_t topic_terms = 400;  ///< terms per cluster
    double expansion_share = 0.35;    ///< share of a document's terms from its cluster
    std::uint32_t min_query_terms = 20;
    std::uint32_t max_query_terms = 40;
    /// Term popularity ~ 1 / (rank + zipf_offset)^1 (a Zipf law with its head flattened, as
    /// SPLADE's sparsity regularisation flattens it).
    double zipf_offset = 20.0;
    double impact_scale = 100.0;
    std::uint64_t seed = 20261205;
};

/// The generator. Terms are ids 0 .. vocabulary-1, named by term_name().
class SyntheticCollection {
public:
    explicit SyntheticCollection(const SyntheticOptions& options) : m_o(options) {
        m_cdf.resize(m_o.vocabulary);
        double total = 0.0;
        for (std::uint32_t r = 0; r < m_o.vocabulary; ++r) {
            total += 1.0 / (static_cast<double>(r) + m_o.zipf_offset);
            m_cdf[r] = total;
        }
        for (double& c : m_cdf) {
            c /= total;
        }
        // Clusters draw from the popularity law too, so expansions are often common terms.
        SplitMix rng(m_o.seed ^ 0x7091C5ULL);
        m_topics.resize(m_o.topics);
        for (auto& topic : m_topics) {
            std::unordered_set<std::uint32_t> seen;
            while (topic.size() < std::min(m_o.topic_terms, m_o.vocabulary)) {
                const std::uint32_t t = zipf(rng);
                if (seen.insert(t).second) {
                    topic.push_back(t);
                }
            }
        }
    }

    [[nodiscard]] const SyntheticOptions& options() const { return m_o; }

    /// Name of term `id`: "t" + base-36 digits, 2 to 4 characters like most wordpieces.
    [[nodiscard]] static std::string term_name(std::uint32_t id) {
        std::string s;
        do {
            s += "0123456789abcdefghijklmnopqrstuvwxyz"[id % 36];
            id /= 36;
        } while (id > 0);
        s += 't';
        std::reverse(s.begin(), s.end());
        return s;
    }

    /// Document `d`'s distinct terms (ascending ids) and their impacts (>= 1).
    void document(std::uint32_t d, std::vector<std::uint32_t>& terms,
                  std::vector<std::uint32_t>& impacts) const {
        SplitMix rng(mix(m_o.seed, 2 * static_cast<std::uint64_t>(d)));
        const auto length = static_cast<std::uint32_t>(
            m_o.min_terms + rng.below(m_o.max_terms - m_o.min_terms + 1));
        const std::vector<std::uint32_t>& topic = m_topics[rng.below(m_o.topics)];
        const auto expansions = static_cast<std::uint32_t>(length * m_o.expansion_share);
        std::vector<std::pair<std::uint32_t, double>> chosen;
        std::unordered_set<std::uint32_t> seen;
        while (chosen.size() < length - expansions) {
            const std::uint32_t t = zipf(rng);
            if (seen.insert(t).second) {
                // Lexical terms: rarer terms weigh more (an idf-like effect), 0.3 .. ~2.9.
                const double rarity = static_cast<double>(t) / m_o.vocabulary;
                chosen.emplace_back(t, 0.3 + 1.6 * rng.uniform() + 1.0 * rarity);
            }
        }
        for (std::uint32_t tries = 0; chosen.size() < length && tries < 20 * length; ++tries) {
            const std::uint32_t t = topic[rng.below(topic.size())];
            if (seen.insert(t).second) {
                const double u = rng.uniform();
                chosen.emplace_back(t, 0.02 + 0.9 * u * u);  // expansions weigh little
            }
        }
        std::sort(chosen.begin(), chosen.end());
        terms.clear();
        impacts.clear();
        for (const auto& [t, w] : chosen) {
            terms.push_back(t);
            impacts.push_back(
                std::max<std::uint32_t>(1, static_cast<std::uint32_t>(w * m_o.impact_scale + 0.5)));
        }
    }

    /// Query `q`'s distinct terms (in a fixed order) and float weights: terms of one document,
    /// expansions from its topic and frequent terms, with SPLADE-like query weights.
    void query(std::uint32_t q, std::vector<std::uint32_t>& terms,
               std::vector<float>& weights) const {
        SplitMix rng(mix(m_o.seed, 2 * static_cast<std::uint64_t>(q) + 1));
        const auto length = static_cast<std::uint32_t>(
            m_o.min_query_terms + rng.below(m_o.max_query_terms - m_o.min_query_terms + 1));
        std::vector<std::uint32_t> doc_terms;
        std::vector<std::uint32_t> doc_impacts;
        document(static_cast<std::uint32_t>(rng.below(m_o.docs)), doc_terms, doc_impacts);
        const std::vector<std::uint32_t>& topic = m_topics[rng.below(m_o.topics)];
        std::unordered_set<std::uint32_t> seen;
        terms.clear();
        weights.clear();
        auto add = [&](std::uint32_t t, double w) {
            if (terms.size() < length && seen.insert(t).second) {
                terms.push_back(t);
                weights.push_back(static_cast<float>(w));
            }
        };
        for (std::uint32_t i = 0; i < length / 3; ++i) {
            add(doc_terms[rng.below(doc_terms.size())], 0.4 + 2.0 * rng.uniform());
        }
        for (std::uint32_t i = 0; i < length / 3; ++i) {
            add(topic[rng.below(topic.size())], 0.1 + 0.9 * rng.uniform());
        }
        while (terms.size() < length) {
            add(zipf(rng), 0.05 + 0.6 * rng.uniform());
        }
    }

private:
    static std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
        SplitMix m(seed ^ (i * 0xD1B54A32D192ED03ULL));
        return m.next();
    }

    /// A term id by the popularity law (inverse CDF).
    std::uint32_t zipf(SplitMix& rng) const {
        const double u = rng.uniform();
        return static_cast<std::uint32_t>(std::upper_bound(m_cdf.begin(), m_cdf.end(), u) -
                                          m_cdf.begin()) %
               m_o.vocabulary;
    }

    SyntheticOptions m_o;
    std::vector<double> m_cdf;
    std::vector<std::vector<std::uint32_t>> m_topics;
};

}  // namespace cascade::retrieve::synth
