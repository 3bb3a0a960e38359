#pragma once
/// Test helpers for the index layer: an in-memory document reader, a tiny whitespace
/// analyzer (independent of the text layer) and a naive in-memory inversion to compare with.

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "text/analyzer.hpp"

namespace cascade::index::testing {

class VectorReader : public DocumentReader {
public:
    explicit VectorReader(std::vector<Document> docs) : m_docs(std::move(docs)) {}
    bool next(Document& doc) override {
        if (m_next >= m_docs.size()) {
            return false;
        }
        doc = m_docs[m_next++];
        return true;
    }
    [[nodiscard]] std::uint64_t bytes_consumed() const override { return m_next; }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_docs.size(); }

private:
    std::vector<Document> m_docs;
    std::size_t m_next = 0;
};

/// Splits on spaces, lower-cases, drops the stop word "the" (leaving a position gap).
class WhitespaceAnalyzer : public text::Analyzer {
public:
    void analyze(std::string_view text, std::vector<std::string>& terms,
                 std::vector<std::uint32_t>* positions) const override {
        std::uint32_t pos = 0;
        std::size_t i = 0;
        while (i < text.size()) {
            while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
                ++i;
            }
            std::size_t j = i;
            while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) {
                ++j;
            }
            if (j > i) {
                std::string t(text.substr(i, j - i));
                for (char& c : t) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                if (t != "the") {
                    terms.push_back(std::move(t));
                    if (positions != nullptr) {
                        positions->push_back(pos);
                    }
                }
                ++pos;
            }
            i = j;
        }
    }
    [[nodiscard]] std::string name() const override { return "test-whitespace"; }
};

/// Naive inversion: term -> list of (docid, positions).
struct NaivePosting {
    std::uint32_t docid;
    std::vector<std::uint32_t> positions;
};
using NaiveIndex = std::map<std::string, std::vector<NaivePosting>>;

inline NaiveIndex naive_invert(const std::vector<std::string>& texts,
                               std::vector<std::uint32_t>& lengths) {
    WhitespaceAnalyzer analyzer;
    NaiveIndex out;
    lengths.clear();
    for (std::uint32_t d = 0; d < texts.size(); ++d) {
        std::vector<std::string> terms;
        std::vector<std::uint32_t> positions;
        analyzer.analyze(texts[d], terms, &positions);
        lengths.push_back(static_cast<std::uint32_t>(terms.size()));
        for (std::size_t i = 0; i < terms.size(); ++i) {
            auto& list = out[terms[i]];
            if (list.empty() || list.back().docid != d) {
                list.push_back({d, {}});
            }
            list.back().positions.push_back(positions[i]);
        }
    }
    return out;
}

/// Random documents over a Zipf-like vocabulary "w0".."w<vocab-1>" with some "the" and some
/// empty documents; ids "doc<i>".
inline std::vector<Document> random_docs(std::size_t n, std::size_t vocab, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<double> weights(vocab);
    for (std::size_t i = 0; i < vocab; ++i) {
        weights[i] = 1.0 / static_cast<double>(i + 1);
    }
    std::discrete_distribution<std::size_t> word(weights.begin(), weights.end());
    std::uniform_int_distribution<int> length(0, 60);
    std::vector<Document> docs;
    for (std::size_t d = 0; d < n; ++d) {
        Document doc;
        doc.id = "doc" + std::to_string(d);
        int len = d % 97 == 5 ? 0 : length(rng);
        for (int t = 0; t < len; ++t) {
            std::string& target = t < 3 ? doc.title : doc.text;
            if (!target.empty()) {
                target += ' ';
            }
            target += rng() % 17 == 0 ? std::string("The") : "w" + std::to_string(word(rng));
        }
        docs.push_back(std::move(doc));
    }
    return docs;
}

}  // namespace cascade::index::testing
