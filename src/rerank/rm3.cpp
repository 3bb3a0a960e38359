#include "rerank/rm3.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "index/index.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade::rerank {

namespace {

/// Java's String.length(): UTF-16 code units of a UTF-8 string.
std::size_t utf16_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0U) != 0x80U) {
            n += (c >= 0xF0U) ? 2 : 1;  // 4-byte sequences are surrogate pairs
        }
    }
    return n;
}

bool ascii_lower_alnum(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

}  // namespace

void prune_to_size(TermVector& v, std::size_t k) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > k) {
        v.resize(k);
    }
}

void scale_to_unit_l1(TermVector& v) {
    double norm = 0.0;
    for (const auto& [term, w] : v) {
        norm += std::fabs(w);
    }
    if (!(norm > 0.0)) {
        return;  // all-zero weights (e.g. feedback documents scored 0): no NaN boosts
    }
    for (auto& [term, w] : v) {
        w = static_cast<float>(w / norm);
    }
}

TermVector relevance_model(std::span<const TermVector> doc_vectors, std::span<const float> scores,
                           std::size_t fb_terms) {
    CASCADE_ASSERT(doc_vectors.size() == scores.size());
    std::vector<TermVector> pruned(doc_vectors.begin(), doc_vectors.end());
    std::vector<float> norms(pruned.size());
    std::map<std::string, float> weights;  // the vocabulary of the pruned vectors
    for (std::size_t i = 0; i < pruned.size(); ++i) {
        prune_to_size(pruned[i], fb_terms);
        double norm = 0.0;
        for (const auto& [term, tf] : pruned[i]) {
            norm += std::fabs(tf);
            weights.emplace(term, 0.0F);
        }
        norms[i] = static_cast<float>(norm);
    }
    for (std::size_t i = 0; i < pruned.size(); ++i) {
        // Anserini skips near-empty feedback documents (all terms filtered out).
        if (!(norms[i] > 0.001F)) {
            continue;
        }
        for (const auto& [term, tf] : pruned[i]) {
            weights[term] += (tf / norms[i]) * scores[i];
        }
    }
    TermVector model(weights.begin(), weights.end());
    prune_to_size(model, fb_terms);
    scale_to_unit_l1(model);
    return model;
}

TermVector interpolate_query(std::span<const std::string> query_tokens, const TermVector& model,
                             float original_query_weight) {
    std::map<std::string, float> query;
    for (const std::string& token : query_tokens) {
        query[token] += 1.0F;
    }
    TermVector q(query.begin(), query.end());
    if (!q.empty()) {
        scale_to_unit_l1(q);
    }
    std::map<std::string, std::pair<float, float>> both;
    for (const auto& [term, w] : q) {
        both[term].first = w;
    }
    for (const auto& [term, w] : model) {
        both[term].second = w;
    }
    TermVector out;
    out.reserve(both.size());
    const float w = original_query_weight;
    for (const auto& [term, pair] : both) {
        // FeatureVector.interpolate: (float) (w * x + (1.0 - w) * y), the first product in
        // float, the rest in double.
        const float x_part = w * pair.first;
        out.emplace_back(term, static_cast<float>(static_cast<double>(x_part) +
                                                  (1.0 - static_cast<double>(w)) *
                                                      static_cast<double>(pair.second)));
    }
    return out;
}

Rm3Expander::Rm3Expander(const index::Index& index, const text::Analyzer& analyzer,
                         std::string field, Rm3Params params)
    : m_index(&index), m_analyzer(&analyzer), m_field(std::move(field)), m_params(params) {
    if (index.find_field(m_field) == nullptr) {
        std::string names;
        for (std::size_t i = 0; i < index.num_fields(); ++i) {
            names += (i != 0 ? ", " : "") + index.field(i).name();
        }
        throw UsageError("rm3 field '" + m_field + "' is not in the index; its fields: " + names);
    }
    if (m_field != "contents" && m_field != "title" && m_field != "text") {
        throw UsageError("rm3 cannot rebuild document vectors of field '" + m_field + "'");
    }
}

bool Rm3Expander::keep(std::string_view term) const {
    const std::size_t len = utf16_length(term);
    if (len < 2 || len > 20) {
        return false;
    }
    if (m_params.filter_terms && !ascii_lower_alnum(term)) {
        return false;
    }
    const auto info = m_index->find_field(m_field)->term(term);
    const std::uint32_t df = info ? info->doc_freq : 0;
    const float ratio = static_cast<float>(df) / static_cast<float>(m_index->num_docs());
    return !(ratio > m_params.max_df_ratio);
}

TermVector Rm3Expander::document_vector(std::uint32_t docid) const {
    const Document doc = m_index->document(docid);
    std::string text;
    if (m_field == "contents") {
        text.assign(doc.title).append("\n").append(doc.text);  // as index/builder.cpp builds it
    } else {
        text = m_field == "title" ? doc.title : doc.text;
    }
    std::vector<std::string> tokens;
    m_analyzer->analyze(text, tokens);
    std::unordered_map<std::string, float> tf;
    for (std::string& token : tokens) {
        tf[std::move(token)] += 1.0F;
    }
    TermVector out;
    for (auto& [term, count] : tf) {
        if (keep(term)) {
            out.emplace_back(term, count);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

TermVector Rm3Expander::expand(std::string_view query, std::span<const Candidate> ranked) const {
    const std::size_t n = std::min(ranked.size(), m_params.fb_docs);
    std::vector<TermVector> docs;
    std::vector<float> scores;
    docs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        docs.push_back(document_vector(ranked[i].docid));
        scores.push_back(ranked[i].score);
    }
    const TermVector model = relevance_model(docs, scores, m_params.fb_terms);
    std::vector<std::string> tokens;
    m_analyzer->analyze(query, tokens);
    return interpolate_query(tokens, model, m_params.original_query_weight);
}

}  // namespace cascade::rerank
