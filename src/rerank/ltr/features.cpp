#include "rerank/ltr/features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "index/index.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade::rerank::ltr {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// Number of query-dependent features after the recorded ones and the BM25 block.
const std::vector<std::string>& statistic_names() {
    static const std::vector<std::string> names = {
        "query_length", "query_terms", "doc_length",  "matched_terms", "coverage",
        "idf_sum",      "idf_max",     "idf_min",     "idf_mean",      "tf_sum",
        "tf_max",       "tf_mean",     "lm_dirichlet"};
    return names;
}

const std::vector<std::string>& proximity_names() {
    static const std::vector<std::string> names = {"prox_ordered_w2", "prox_ordered_w8",
                                                   "prox_unordered_w8", "min_cover"};
    return names;
}

/// Occurrences p of `a` with some occurrence q of `b` in [p + lo, p + hi] (both sorted).
float count_within(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
                   std::int64_t lo, std::int64_t hi) {
    float count = 0.0F;
    for (std::uint32_t p : a) {
        const std::int64_t from = std::max<std::int64_t>(0, std::int64_t{p} + lo);
        auto it = std::lower_bound(b.begin(), b.end(), static_cast<std::uint64_t>(from),
                                   [](std::uint32_t x, std::uint64_t v) { return x < v; });
        if (it != b.end() && std::int64_t{*it} <= std::int64_t{p} + hi && *it != p) {
            count += 1.0F;
        }
    }
    return count;
}

/// Shortest window holding one occurrence of every term with positions (sliding window over
/// the merged occurrence list).
float min_cover(std::span<const std::vector<std::uint32_t>> positions) {
    std::vector<std::pair<std::uint32_t, std::size_t>> occ;
    std::size_t present = 0;
    for (std::size_t t = 0; t < positions.size(); ++t) {
        present += positions[t].empty() ? 0 : 1;
        for (std::uint32_t p : positions[t]) {
            occ.emplace_back(p, t);
        }
    }
    if (present < 2) {
        return kNaN;
    }
    std::sort(occ.begin(), occ.end());
    std::vector<std::size_t> in_window(positions.size(), 0);
    std::size_t covered = 0;
    std::uint32_t best = std::numeric_limits<std::uint32_t>::max();
    std::size_t lo = 0;
    for (std::size_t hi = 0; hi < occ.size(); ++hi) {
        if (in_window[occ[hi].second]++ == 0) {
            ++covered;
        }
        while (covered == present) {
            best = std::min(best, occ[hi].first - occ[lo].first + 1);
            if (--in_window[occ[lo].second] == 0) {
                --covered;
            }
            ++lo;
        }
    }
    return static_cast<float>(best);
}

}  // namespace

std::vector<std::string> computed_feature_names(const index::Index& index) {
    std::vector<std::string> names = {"bm25"};
    if (index.num_fields() > 1) {
        for (std::size_t f = 0; f < index.num_fields(); ++f) {
            names.push_back("bm25_" + index.field(f).name());
        }
    }
    names.insert(names.end(), statistic_names().begin(), statistic_names().end());
    if (index.has_positions()) {
        names.insert(names.end(), proximity_names().begin(), proximity_names().end());
    }
    return names;
}

const std::vector<std::string>& document_features() {
    static const std::vector<std::string> names = {"doc_length"};
    return names;
}

Proximity proximity(std::span<const std::vector<std::uint32_t>> positions,
                    std::span<const std::pair<std::size_t, std::size_t>> pairs) {
    Proximity out;
    for (const auto& [a, b] : pairs) {
        out.ordered_w2 += count_within(positions[a], positions[b], 1, 2);
        out.ordered_w8 += count_within(positions[a], positions[b], 1, 8);
        out.unordered_w8 += count_within(positions[a], positions[b], -7, 7);
    }
    out.min_cover = min_cover(positions);
    return out;
}

/// The analyzed query: distinct terms in order of first occurrence with their counts, each
/// term's dictionary entry per field, and the adjacent pairs of the token sequence.
struct FeatureExtractor::QueryTerms {
    std::size_t length = 0;  // analyzed tokens, repeats included
    std::vector<std::string> terms;
    std::vector<float> counts;
    std::vector<std::vector<std::optional<index::TermInfo>>> info;  // [field][term]
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
};

/// Term frequencies per (field, term, candidate) and body positions per (term, candidate).
struct FeatureExtractor::Matches {
    std::size_t num_terms = 0;
    std::size_t num_candidates = 0;
    std::vector<std::uint32_t> tf;  // [(field * terms + term) * candidates + candidate]
    std::vector<std::vector<std::uint32_t>> positions;  // [term * candidates + candidate]

    [[nodiscard]] std::uint32_t freq(std::size_t field, std::size_t term, std::size_t c) const {
        return tf[(field * num_terms + term) * num_candidates + c];
    }
};

FeatureExtractor::FeatureExtractor(const index::Index& index, FeatureConfig config)
    : m_index(&index),
      m_config(std::move(config)),
      m_analyzer(text::make_analyzer(index.analyzer_name())),
      m_positions(index.has_positions()) {
    retrieve::validate(m_config.bm25);
    CASCADE_ASSERT(index.num_fields() > 0);
    std::uint64_t body_tokens = 0;
    for (std::size_t f = 0; f < index.num_fields(); ++f) {
        const index::FieldStats& stats = index.field(f).stats();
        m_scorers.emplace_back(m_config.bm25,
                               retrieve::lucene_avgdl(stats.sum_total_term_freq, stats.doc_count));
        if (stats.sum_total_term_freq > body_tokens) {
            body_tokens = stats.sum_total_term_freq;
            m_body = f;
        }
    }
    if (const index::FieldIndex* contents = index.find_field("contents"); contents != nullptr) {
        for (std::size_t f = 0; f < index.num_fields(); ++f) {
            m_body = &index.field(f) == contents ? f : m_body;
        }
    }
    const std::vector<std::string> computed = computed_feature_names(index);
    for (const std::string& name : m_config.excluded) {
        if (std::find(computed.begin(), computed.end(), name) == computed.end()) {
            std::string message = "cannot exclude feature '";
            message += name;
            message += "': this index computes only ";
            for (std::size_t i = 0; i < computed.size(); ++i) {
                message += (i == 0 ? "" : ", ");
                message += computed[i];
            }
            throw UsageError(message);
        }
    }
    m_computed = computed.size();
    m_names = m_config.recorded;
    for (std::size_t i = 0; i < computed.size(); ++i) {
        if (std::find(m_config.excluded.begin(), m_config.excluded.end(), computed[i]) ==
            m_config.excluded.end()) {
            m_keep.push_back(i);
            m_names.push_back(computed[i]);
        }
    }
}

FeatureExtractor::~FeatureExtractor() = default;
FeatureExtractor::FeatureExtractor(FeatureExtractor&&) noexcept = default;

const std::string& FeatureExtractor::body_field() const {
    return m_index->field(m_body).name();
}

void FeatureExtractor::find_matches(const QueryTerms& terms, std::span<const Candidate> candidates,
                                    Matches& matches) const {
    const std::size_t n = candidates.size();
    matches.num_terms = terms.terms.size();
    matches.num_candidates = n;
    matches.tf.assign(m_index->num_fields() * matches.num_terms * n, 0);
    if (m_positions) {
        matches.positions.assign(matches.num_terms * n, {});
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return candidates[a].docid < candidates[b].docid;
    });
    for (std::size_t f = 0; f < m_index->num_fields(); ++f) {
        for (std::size_t t = 0; t < matches.num_terms; ++t) {
            if (!terms.info[f][t]) {
                continue;
            }
            index::PostingCursor cursor = m_index->field(f).postings(*terms.info[f][t]);
            for (std::size_t c : order) {
                cursor.next_geq(candidates[c].docid);
                if (cursor.docid() != candidates[c].docid) {
                    continue;
                }
                matches.tf[(f * matches.num_terms + t) * n + c] = cursor.freq();
                if (m_positions && f == m_body) {
                    std::span<const std::uint32_t> pos = cursor.positions();
                    matches.positions[t * n + c].assign(pos.begin(), pos.end());
                }
            }
        }
    }
}

void FeatureExtractor::candidate_row(const QueryTerms& terms, const Matches& matches, std::size_t c,
                                     std::uint32_t docid, float* row) const {
    const std::size_t num_fields = m_index->num_fields();
    double bm25_total = 0.0;
    for (std::size_t f = 0; f < num_fields; ++f) {
        const index::FieldIndex& field = m_index->field(f);
        double field_score = 0.0;
        for (std::size_t t = 0; t < terms.terms.size(); ++t) {
            const std::uint32_t tf = matches.freq(f, t, c);
            if (tf == 0) {
                continue;
            }
            const float idf =
                retrieve::lucene_idf(terms.info[f][t]->doc_freq, field.stats().doc_count);
            field_score += m_scorers[f].score(retrieve::term_weight(terms.counts[t], idf), tf,
                                              field.norm(docid));
        }
        bm25_total += field_score;
        if (num_fields > 1) {
            row[1 + f] = static_cast<float>(field_score);
        }
    }
    row[0] = static_cast<float>(bm25_total);
    row += num_fields > 1 ? 1 + num_fields : 1;

    const index::FieldIndex& body = m_index->field(m_body);
    const double doc_length = body.length(docid);
    const double collection_tokens = static_cast<double>(body.stats().sum_total_term_freq);
    double matched = 0;
    double idf_sum = 0;
    double tf_sum = 0;
    double lm = 0;
    double idf_max = 0;
    double idf_min = 0;
    double tf_max = 0;
    for (std::size_t t = 0; t < terms.terms.size(); ++t) {
        const auto& info = terms.info[m_body][t];
        if (!info) {
            continue;
        }
        const double tf = matches.freq(m_body, t, c);
        const double background =
            m_config.dirichlet_mu * static_cast<double>(info->total_term_freq) / collection_tokens;
        lm += terms.counts[t] * std::log((tf + background) / (doc_length + m_config.dirichlet_mu));
        if (tf == 0) {
            continue;
        }
        const double idf = retrieve::lucene_idf(info->doc_freq, body.stats().doc_count);
        idf_max = matched == 0 ? idf : std::max(idf_max, idf);
        idf_min = matched == 0 ? idf : std::min(idf_min, idf);
        tf_max = std::max(tf_max, tf);
        matched += 1;
        idf_sum += idf;
        tf_sum += tf;
    }
    const double distinct = static_cast<double>(terms.terms.size());
    const double values[] = {static_cast<double>(terms.length),
                             distinct,
                             doc_length,
                             matched,
                             distinct > 0 ? matched / distinct : 0.0,
                             idf_sum,
                             idf_max,
                             idf_min,
                             matched > 0 ? idf_sum / matched : 0.0,
                             tf_sum,
                             tf_max,
                             distinct > 0 ? tf_sum / distinct : 0.0,
                             lm};
    for (double v : values) {
        *row++ = static_cast<float>(v);
    }
    if (m_positions) {
        const std::size_t n = matches.num_candidates;
        std::vector<std::vector<std::uint32_t>> positions(terms.terms.size());
        for (std::size_t t = 0; t < terms.terms.size(); ++t) {
            positions[t] = matches.positions[t * n + c];
        }
        const Proximity p = proximity(positions, terms.pairs);
        *row++ = p.ordered_w2;
        *row++ = p.ordered_w8;
        *row++ = p.unordered_w8;
        *row++ = p.min_cover;
    }
}

void FeatureExtractor::extract(std::string_view query, std::span<const Candidate> candidates,
                               std::span<const FeatureId> recorded_ids,
                               std::vector<float>& out) const {
    CASCADE_ASSERT(recorded_ids.size() == m_config.recorded.size());
    QueryTerms terms;
    std::vector<std::string> tokens;
    m_analyzer->analyze(query, tokens);
    terms.length = tokens.size();
    std::vector<std::size_t> sequence;
    for (const std::string& token : tokens) {
        auto it = std::find(terms.terms.begin(), terms.terms.end(), token);
        if (it == terms.terms.end()) {
            terms.terms.push_back(token);
            terms.counts.push_back(0.0F);
            it = terms.terms.end() - 1;
        }
        const auto t = static_cast<std::size_t>(it - terms.terms.begin());
        terms.counts[t] += 1.0F;
        if (!sequence.empty() && sequence.back() != t) {
            std::pair<std::size_t, std::size_t> pair{sequence.back(), t};
            if (std::find(terms.pairs.begin(), terms.pairs.end(), pair) == terms.pairs.end()) {
                terms.pairs.push_back(pair);
            }
        }
        sequence.push_back(t);
    }
    terms.info.resize(m_index->num_fields());
    for (std::size_t f = 0; f < m_index->num_fields(); ++f) {
        for (const std::string& term : terms.terms) {
            terms.info[f].push_back(m_index->field(f).term(term));
        }
    }
    Matches matches;
    find_matches(terms, candidates, matches);

    const std::size_t width = m_names.size();
    const std::size_t base = out.size();
    out.resize(base + candidates.size() * width, 0.0F);
    std::vector<float> computed(m_computed);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        float* row = out.data() + base + c * width;
        for (std::size_t j = 0; j < recorded_ids.size(); ++j) {
            row[j] = candidates[c].feature(recorded_ids[j]);
        }
        candidate_row(terms, matches, c, candidates[c].docid, computed.data());
        for (std::size_t j = 0; j < m_keep.size(); ++j) {
            row[recorded_ids.size() + j] = computed[m_keep[j]];
        }
    }
}

}  // namespace cascade::rerank::ltr
