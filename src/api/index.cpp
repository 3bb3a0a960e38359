/// cascade::Index: building and opening indexes through the index layer.
#include <cstdint>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "collection/reader.hpp"
#include "collection/sparse_vectors.hpp"
#include "index/builder.hpp"
#include "index/impact_builder.hpp"
#include "index/impact_index.hpp"
#include "index/impact_quantizer.hpp"
#include "text/analyzer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace cascade {

namespace {

IndexBuildReport to_report(const index::BuildSummary& s) {
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

/// The budget is kept in bytes: a megabyte count past 2^44 would wrap around to a tiny one.
std::uint64_t memory_budget(std::uint64_t memory_mb) {
    if (memory_mb < 1 || memory_mb > (UINT64_MAX >> 20)) {
        throw UsageError(fmt::format("--memory-mb must be between 1 and {}", UINT64_MAX >> 20));
    }
    return memory_mb << 20;
}

/// Index::build's work on an open reader, into `dir`.
IndexBuildReport build_from(DocumentReader& docs, const std::string& source,
                            const std::filesystem::path& dir, const IndexBuildOptions& options) {
    text::AnalyzerOptions analyzer_options;
    analyzer_options.kind = options.analyzer;
    analyzer_options.stemmer = options.stemmer;
    analyzer_options.stopwords = options.stopwords;
    const auto analyzer = text::make_analyzer(analyzer_options);
    index::BuildOptions build;
    build.fields = options.fields;
    build.positions = options.positions;
    build.threads = options.threads;
    build.memory_budget = memory_budget(options.memory_mb);
    build.progress = options.progress;
    build.source = source;
    return to_report(index::build_index(docs, *analyzer, dir, build));
}

ImpactIndexReport add_impact_to(const index::Index& main, const std::filesystem::path& dir,
                                const ImpactIndexOptions& options) {
    index::ImpactBuildOptions build;
    build.vectors = options.vectors;
    build.quantize = options.quantize;
    build.memory_budget = memory_budget(options.memory_mb);
    build.progress = options.progress;
    const index::ImpactBuildSummary s = index::add_impact_part(main, dir, build);
    ImpactIndexReport report;
    report.num_docs = s.build.num_docs;
    report.num_terms = s.build.num_terms;
    report.num_postings = s.build.num_postings;
    report.max_impact = s.meta.max_impact;
    report.docs_without_postings = s.meta.docs_without_postings;
    report.dropped_postings = s.meta.dropped_postings;
    report.quantizer = s.meta.quantizer;
    report.in_order = s.in_order;
    report.bytes = s.build.index_bytes;
    report.seconds = s.scan_seconds + s.build.seconds;
    return report;
}

}  // namespace

IndexBuildReport Index::build(const std::string& collection, const std::filesystem::path& dir,
                              const IndexBuildOptions& options) {
    // Options are checked before the collection is opened, so a bad one is reported first.
    text::AnalyzerOptions analyzer_options;
    analyzer_options.kind = options.analyzer;
    analyzer_options.stemmer = options.stemmer;
    analyzer_options.stopwords = options.stopwords;
    (void)text::make_analyzer(analyzer_options);
    (void)memory_budget(options.memory_mb);
    auto docs = open_documents(collection, options.format);
    return build_from(*docs, collection, dir, options);
}

ImpactIndexReport Index::add_impact(const std::filesystem::path& dir,
                                    const ImpactIndexOptions& options) {
    (void)index::ImpactQuantizer::parse(options.quantize);
    (void)memory_budget(options.memory_mb);
    const index::Index main = index::Index::open(dir);
    return add_impact_to(main, dir, options);
}

IndexWithImpactReport Index::build_with_impact(const std::string& collection,
                                               const std::filesystem::path& dir,
                                               const IndexBuildOptions& options,
                                               const ImpactIndexOptions& impact) {
    (void)index::ImpactQuantizer::parse(impact.quantize);
    (void)memory_budget(impact.memory_mb);
    if (impact.vectors.empty()) {
        throw UsageError("an impact part needs a vectors file (--impact-vectors FILE)");
    }
    IndexWithImpactReport report;
    // Both parts are built inside one staging folder that replaces `dir` only when complete.
    AtomicDirectory staging(dir);
    if (collection.empty()) {
        SparseCollectionReader docs(impact.vectors);
        report.index = build_from(docs, impact.vectors, staging.staging(), options);
    } else {
        auto docs = open_documents(collection, options.format);
        report.index = build_from(*docs, collection, staging.staging(), options);
    }
    {
        const index::Index main = index::Index::open(staging.staging());
        report.impact = add_impact_to(main, staging.staging(), impact);
    }
    staging.commit();
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

bool Index::has_impact() const {
    return std::filesystem::exists(index::impact_dir(m_impl->index.dir()) /
                                   std::string(index::kImpactMetaFile));
}

std::vector<std::string> Index::fields() const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m_impl->index.num_fields(); ++i) {
        names.push_back(m_impl->index.field(i).name());
    }
    return names;
}

}  // namespace cascade
