/// Fairness check for the first-stage benchmark: confirms that cascade's default analyzer
/// leaves every word of a synthetic corpus unchanged (no stemming, no stop word, no split),
/// so cascade and an unstemmed Xapian TermGenerator index exactly the same terms.
///
///   check_analyzer bench/out/synth-1000000/corpus.jsonl
///
/// Prints the analyzer, the number of distinct words and the first words that change;
/// exits 1 when any word changes.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "text/analyzer.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_analyzer CORPUS.jsonl\n");
        return 2;
    }
    const auto analyzer = cascade::text::make_analyzer(cascade::text::AnalyzerOptions{});
    std::ifstream in(argv[1]);
    if (!in) {
        std::fprintf(stderr, "check_analyzer: cannot read %s\n", argv[1]);
        return 1;
    }
    constexpr std::string_view kKey = "\"contents\": \"";
    std::unordered_set<std::string> seen;
    std::vector<std::string> terms;
    std::size_t changed = 0;
    std::string line;
    while (std::getline(in, line)) {
        const auto start = line.find(kKey);
        const auto end = line.rfind('"');
        if (start == std::string::npos || end <= start + kKey.size())
            continue;
        std::istringstream words(line.substr(start + kKey.size(), end - start - kKey.size()));
        for (std::string word; words >> word;) {
            if (!seen.insert(word).second)
                continue;
            terms.clear();
            analyzer->analyze(word, terms);
            if (terms.size() == 1 && terms[0] == word)
                continue;
            if (++changed <= 10) {
                std::printf("changed: %s -> %s\n", word.c_str(),
                            terms.empty() ? "(nothing)" : terms[0].c_str());
            }
        }
    }
    std::printf("check_analyzer: %s: %zu distinct words, %zu changed\n", analyzer->name().c_str(),
                seen.size(), changed);
    return changed == 0 ? 0 : 1;
}
