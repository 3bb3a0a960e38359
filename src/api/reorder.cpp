/// cascade::reorder_index over index::bp_order and a rebuild from the document store.
#include <cascade/reorder.hpp>

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <numeric>

#include "index/builder.hpp"
#include "index/index.hpp"
#include "index/reorder.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace cascade {

namespace {

std::uint64_t postings_bytes(const std::filesystem::path& dir) {
    std::uint64_t bytes = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".postings")
            bytes += e.file_size();
    return bytes;
}

}  // namespace

ReorderReport reorder_index(const std::filesystem::path& dir, const ReorderOptions& options) {
    if (options.threads < 1)
        throw UsageError("--threads must be at least 1");
    if (options.iterations < 1)
        throw UsageError("--iterations must be at least 1");
    for (const char* part : {"dense", "multivector", "tilde", "impact"})
        if (std::filesystem::exists(dir / part))
            throw UsageError(fmt::format(
                "{}: the index has a {} part, which is bound to the current document order; "
                "reorder the index before adding it (or remove {}/ and add it again after)",
                dir.string(), part, (dir / part).string()));
    ReorderReport report;
    std::vector<std::uint32_t> order;
    std::vector<std::string> fields;
    std::string analyzer_name;
    bool positions = false;
    {
        const index::Index old = index::Index::open(dir);
        if (!old.has_documents())
            throw UsageError(dir.string() + ": the index stores no documents to rebuild from");
        report.num_docs = old.num_docs();
        report.postings_bytes_before = postings_bytes(dir);
        index::BpOptions bp;
        bp.iterations = options.iterations;
        bp.min_doc_freq = options.min_doc_freq;
        bp.threads = options.threads;
        Progress progress("reorder", 0, "bisections", options.progress);
        std::mutex progress_mutex;  // the two halves of a bisection report from two threads
        bp.progress = [&](std::uint64_t done, std::uint64_t total) {
            const std::lock_guard<std::mutex> lock(progress_mutex);
            progress.set_total(total);
            progress.set(done);
        };
        index::BpSummary summary;
        order = index::bp_order(old, bp, &summary);
        progress.finish();
        report.bp_seconds = summary.seconds;
        std::vector<std::uint32_t> identity(old.num_docs());
        std::iota(identity.begin(), identity.end(), 0U);
        report.log_gap_bits_before = index::log_gap_cost(old, identity);
        report.log_gap_bits_after = index::log_gap_cost(old, order);
        for (std::size_t f = 0; f < old.num_fields(); ++f)
            fields.push_back(old.field(f).name());
        analyzer_name = old.analyzer_name();
        positions = old.has_positions();

        const auto start = std::chrono::steady_clock::now();
        const auto analyzer = text::make_analyzer(analyzer_name);
        index::BuildOptions build;
        if (!(fields.size() == 1 && fields[0] == "contents"))
            build.fields = fields;
        build.positions = positions;
        build.threads = options.threads;
        build.progress = options.progress;
        build.source = dir.string();
        index::ReorderedReader reader(old, order);
        // build_index writes a staging sibling and renames it over `dir` only when complete,
        // so `old` (still mapped) is read to the end and a failure leaves it in place.
        const index::BuildSummary built = index::build_index(reader, *analyzer, dir, build);
        report.num_postings = built.num_postings;
        report.rebuild_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    report.postings_bytes_after = postings_bytes(dir);
    return report;
}

}  // namespace cascade
