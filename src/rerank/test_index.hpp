#pragma once
/// Test helper: a tiny on-disk index built from inline documents with the English analyzer
/// without stemming (so expected terms can be written by hand).

#include <filesystem>
#include <string>
#include <vector>

#include "index/builder.hpp"
#include "index/index.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"
#include "text/analyzer.hpp"

namespace cascade::rerank::testing {

/// Builds documents `texts` (ids d1, d2, ...) into `dir` and opens the index.
inline index::Index tiny_index(const std::filesystem::path& dir,
                               const std::vector<std::string>& texts) {
    std::vector<Document> docs;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        docs.push_back({"d" + std::to_string(i + 1), "", texts[i]});
    }
    index::testing::VectorReader reader(docs);
    text::AnalyzerOptions options;
    options.stemmer = "none";
    auto analyzer = text::make_analyzer(options);
    index::BuildOptions build;
    build.progress = false;
    index::build_index(reader, *analyzer, dir, build);
    return index::Index::open(dir);
}

}  // namespace cascade::rerank::testing
