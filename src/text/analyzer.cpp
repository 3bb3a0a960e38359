#include "text/analyzer.hpp"

#include <string>

#include "text/english_analyzer.hpp"
#include "text/neutral_analyzer.hpp"
#include "util/error.hpp"

namespace cascade::text {
namespace {

constexpr std::string_view kKinds = "english, neutral";
constexpr std::string_view kStemmers = "porter, snowball, none";

void check_options(const AnalyzerOptions& options) {
    if (options.kind != "english" && options.kind != "neutral") {
        throw UsageError("unknown analyzer kind '" + options.kind +
                         "' (accepted: " + std::string(kKinds) + ")");
    }
    if (options.stemmer != "porter" && options.stemmer != "snowball" && options.stemmer != "none") {
        throw UsageError("unknown stemmer '" + options.stemmer +
                         "' (accepted: " + std::string(kStemmers) + ")");
    }
}

}  // namespace

std::string analyzer_name(const AnalyzerOptions& options) {
    std::string name = options.kind;
    if (options.stemmer != "none")
        name += "+" + options.stemmer;
    if (options.stopwords)
        name += "+stop";
    return name;
}

AnalyzerOptions parse_analyzer_name(std::string_view name) {
    AnalyzerOptions options;
    options.stemmer = "none";
    options.stopwords = false;
    std::size_t start = 0;
    bool first = true;
    while (start <= name.size()) {
        std::size_t plus = name.find('+', start);
        if (plus == std::string_view::npos)
            plus = name.size();
        const std::string part(name.substr(start, plus - start));
        if (first) {
            options.kind = part;
            first = false;
        } else if (part == "stop") {
            options.stopwords = true;
        } else if (part == "porter" || part == "snowball") {
            options.stemmer = part;
        } else {
            throw UsageError("bad analyzer name '" + std::string(name) + "': unknown part '" +
                             part + "' (expected KIND[+porter|+snowball][+stop], KIND one of " +
                             std::string(kKinds) + ")");
        }
        start = plus + 1;
    }
    check_options(options);
    return options;
}

std::unique_ptr<Analyzer> make_analyzer(const AnalyzerOptions& options) {
    check_options(options);
    if (options.kind == "neutral")
        return std::make_unique<NeutralAnalyzer>(options);
    return std::make_unique<EnglishAnalyzer>(options);
}

std::unique_ptr<Analyzer> make_analyzer(std::string_view name) {
    return make_analyzer(parse_analyzer_name(name));
}

}  // namespace cascade::text
