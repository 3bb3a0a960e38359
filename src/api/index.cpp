/// cascade::Index: building and opening indexes through the index layer.
#include <cstdint>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "collection/reader.hpp"
#include "index/builder.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade {

IndexBuildReport Index::build(const std::string& collection, const std::filesystem::path& dir,
                              const IndexBuildOptions& options) {
    text::AnalyzerOptions analyzer_options;
    analyzer_options.kind = options.analyzer;
    analyzer_options.stemmer = options.stemmer;
    analyzer_options.stopwords = options.stopwords;
    const auto analyzer = text::make_analyzer(analyzer_options);
    // The budget is kept in bytes: a megabyte count past 2^44 would wrap around to a tiny one.
    if (options.memory_mb < 1 || options.memory_mb > (UINT64_MAX >> 20)) {
        throw UsageError(fmt::format("--memory-mb must be between 1 and {}", UINT64_MAX >> 20));
    }
    auto docs = open_documents(collection, options.format);

    index::BuildOptions build;
    build.fields = options.fields;
    build.positions = options.positions;
    build.threads = options.threads;
    build.memory_budget = options.memory_mb << 20;
    build.progress = options.progress;
    build.source = collection;
    const index::BuildSummary s = index::build_index(*docs, *analyzer, dir, build);
    IndexBuildReport report;
    report.num_docs = s.num_docs;
    report.num_terms = s.num_terms;
    report.num_postings = s.num_postings;
    report.index_bytes = s.index_bytes;
    report.postings_bytes = s.postings_bytes;
    report.spilled_runs = s.spilled_runs;
    report.seconds = s.seconds;
    return report;
}

Index Index::open(const std::filesystem::path& dir) {
    return Index(std::make_shared<const Impl>(Impl{index::Index::open(dir)}));
}

std::uint32_t Index::num_docs() const {
    return m_impl->index.num_docs();
}

std::string_view Index::external_id(std::uint32_t docid) const {
    return m_impl->index.external_id(docid);
}

std::optional<std::uint32_t> Index::internal_id(std::string_view external) const {
    return m_impl->index.internal_id(external);
}

Document Index::document(std::uint32_t docid) const {
    return m_impl->index.document(docid);
}

std::vector<std::string> Index::fields() const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m_impl->index.num_fields(); ++i) {
        names.push_back(m_impl->index.field(i).name());
    }
    return names;
}

}  // namespace cascade
