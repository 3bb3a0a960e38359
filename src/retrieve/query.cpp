#include "retrieve/query.hpp"

#include <charconv>
#include <cmath>
#include <unordered_map>

#include "util/error.hpp"

namespace cascade::retrieve {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

FieldWeight parse_one_field(std::string_view item, std::string_view spec) {
    FieldWeight fw;
    std::size_t eq = item.find('=');
    fw.name = std::string(trim(item.substr(0, eq)));
    if (fw.name.empty()) {
        throw UsageError("empty field name in field list '" + std::string(spec) + "'");
    }
    if (eq != std::string_view::npos) {
        std::string_view w = trim(item.substr(eq + 1));
        float value = 0.0F;
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
        if (ec != std::errc() || end != w.data() + w.size() || !std::isfinite(value) ||
            value < 0.0F) {
            throw UsageError("bad weight '" + std::string(w) + "' for field '" + fw.name +
                             "': expected a non-negative number, as in title=1.0");
        }
        fw.weight = value;
    }
    return fw;
}
}  // namespace

std::vector<FieldWeight> parse_field_weights(std::string_view spec) {
    std::vector<FieldWeight> fields;
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t comma = spec.find(',', start);
        std::string_view item = spec.substr(
            start, comma == std::string_view::npos ? spec.size() - start : comma - start);
        FieldWeight fw = parse_one_field(item, spec);
        for (const FieldWeight& other : fields) {
            if (other.name == fw.name) {
                throw UsageError("field '" + fw.name + "' is listed twice in '" +
                                 std::string(spec) + "'");
            }
        }
        fields.push_back(std::move(fw));
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return fields;
}

std::vector<WeightedTerm> bag_of_words(const text::Analyzer& analyzer, std::string_view text,
                                       std::span<const FieldWeight> fields) {
    std::vector<std::string> tokens;
    analyzer.analyze(text, tokens);
    // Distinct tokens in order of first occurrence, with their counts. Lucene sums the
    // duplicate clauses' boosts (1 each) in double and rounds the total to float.
    std::vector<std::pair<std::string, double>> counts;
    std::unordered_map<std::string, std::size_t> slot;
    for (std::string& t : tokens) {
        auto [it, inserted] = slot.try_emplace(t, counts.size());
        if (inserted) {
            counts.emplace_back(std::move(t), 1.0);
        } else {
            counts[it->second].second += 1.0;
        }
    }
    std::vector<WeightedTerm> terms;
    terms.reserve(counts.size() * fields.size());
    for (const FieldWeight& field : fields) {
        for (const auto& [term, count] : counts) {
            // BoostQuery.createWeight: the inner boost times the boost passed down (field).
            float boost = static_cast<float>(count) * field.weight;
            terms.push_back({field.name, term, boost});
        }
    }
    return terms;
}

}  // namespace cascade::retrieve
