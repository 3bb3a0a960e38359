#include "index/impact_builder.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "collection/sparse_vectors.hpp"
#include "index/dense_index.hpp"
#include "index/impact_quantizer.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace cascade::index {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

/// What the first pass learns about the file.
struct Scan {
    std::vector<std::uint32_t> line_of;  ///< per docid: line of its record, 0 = none yet
    bool in_order = true;                ///< records in increasing docid order
    bool all_integral = true;
    double max_weight = 0.0;
    std::string max_term;
    std::size_t max_line = 0;
};

/// The first whole-number violation of `v`, for `--quantize none`.
std::string first_fraction(const SparseVector& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v.weights[i] != std::floor(v.weights[i])) {
            return fmt::format(
                "vector term '{}': weight {} is not a whole number (--quantize none "
                "keeps integer impacts as they are; quantise float weights with "
                "scale:F, trunc or linear:B)",
                v.terms[i], v.weights[i]);
        }
    }
    return {};
}

Scan scan_vectors(const Index& main, const ImpactBuildOptions& options,
                  const ImpactQuantizer& quantizer) {
    SparseVectorReader reader(options.vectors);
    Progress progress("scan", reader.total_bytes(), "bytes", options.progress);
    Scan scan;
    scan.line_of.assign(main.num_docs(), 0);
    SparseRecord record;
    std::int64_t previous = -1;
    std::size_t count = 0;
    while (reader.next(record)) {
        const auto line = static_cast<std::uint32_t>(reader.line_number());
        const std::optional<std::uint32_t> docid = main.internal_id(record.id);
        if (!docid) {
            reader.fail(
                fmt::format("id '{}' is not a document of the index (the vectors must "
                            "belong to the index's documents)",
                            record.id));
        }
        if (scan.line_of[*docid] != 0) {
            reader.fail(fmt::format("id '{}' appears twice (first on line {})", record.id,
                                    scan.line_of[*docid]));
        }
        scan.line_of[*docid] = line;
        scan.in_order = scan.in_order && static_cast<std::int64_t>(*docid) > previous;
        previous = *docid;
        if (quantizer.kind() == ImpactQuantizer::Kind::kNone && !record.vector.integral) {
            reader.fail(first_fraction(record.vector));
        }
        scan.all_integral = scan.all_integral && record.vector.integral;
        for (std::size_t i = 0; i < record.vector.size(); ++i) {
            if (record.vector.weights[i] > scan.max_weight) {
                scan.max_weight = record.vector.weights[i];
                scan.max_term = record.vector.terms[i];
                scan.max_line = line;
            }
        }
        if (++count % 1024 == 0) {
            progress.set(reader.bytes_consumed());
        }
    }
    progress.finish();
    std::vector<std::string> missing;
    std::size_t num_missing = 0;
    for (std::uint32_t d = 0; d < main.num_docs(); ++d) {
        if (scan.line_of[d] == 0 && num_missing++ < 5) {
            missing.push_back(fmt::format("'{}'", main.external_id(d)));
        }
    }
    if (num_missing > 0) {
        throw InputError(options.vectors,
                         fmt::format("{} document(s) of the index have no vector: {}{} (every "
                                     "document needs one)",
                                     num_missing, fmt::join(missing, ", "),
                                     num_missing > missing.size() ? ", ..." : ""));
    }
    return scan;
}

/// Quantises one vector into `out`'s terms and freqs, dropping zero impacts.
class VectorQuantizer {
public:
    explicit VectorQuantizer(const ImpactQuantizer& q) : m_q(q) {}

    void apply(SparseVector& v, PretokenizedDoc& out) {
        out.terms.clear();
        out.freqs.clear();
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::uint64_t impact = m_q.quantize(v.weights[i]);
            CASCADE_ASSERT(impact <= kMaxImpact);  // the largest weight was checked
            if (impact == 0) {
                ++m_meta.dropped_postings;
                continue;
            }
            out.terms.push_back(std::move(v.terms[i]));
            out.freqs.push_back(static_cast<std::uint32_t>(impact));
            m_meta.max_impact = std::max(m_meta.max_impact, static_cast<std::uint32_t>(impact));
        }
        m_meta.docs_without_postings += out.terms.empty() ? 1 : 0;
    }
    [[nodiscard]] const ImpactMeta& stats() const { return m_meta; }

private:
    const ImpactQuantizer& m_q;
    ImpactMeta m_meta;
};

/// Pass two when the file is in index order: one record at a time.
class StreamSource final : public PretokenizedSource {
public:
    StreamSource(const std::string& path, VectorQuantizer& quantizer)
        : m_reader(path), m_quantizer(quantizer) {}
    bool next(PretokenizedDoc& doc) override {
        if (!m_reader.next(m_record)) {
            return false;
        }
        doc.id = std::move(m_record.id);
        m_quantizer.apply(m_record.vector, doc);
        return true;
    }
    [[nodiscard]] std::string location() const override { return m_reader.location(); }
    [[nodiscard]] std::uint64_t consumed() const override { return m_reader.bytes_consumed(); }
    [[nodiscard]] std::uint64_t total() const override { return m_reader.total_bytes(); }

private:
    SparseVectorReader m_reader;
    SparseRecord m_record;
    VectorQuantizer& m_quantizer;
};

/// Pass two when the file is in another order: every document's postings held in memory
/// (interned term ids and impacts), then handed out in docid order.
class BufferedSource final : public PretokenizedSource {
public:
    BufferedSource(const Index& main, const std::string& path, VectorQuantizer& quantizer)
        : m_main(main), m_docs(main.num_docs()) {
        SparseVectorReader reader(path);
        SparseRecord record;
        PretokenizedDoc doc;
        std::unordered_map<std::string, std::uint32_t> ids;
        while (reader.next(record)) {
            const std::uint32_t docid = *main.internal_id(record.id);  // checked by the scan
            quantizer.apply(record.vector, doc);
            auto& postings = m_docs[docid];
            postings.reserve(doc.terms.size());
            for (std::size_t i = 0; i < doc.terms.size(); ++i) {
                auto [it, fresh] =
                    ids.emplace(doc.terms[i], static_cast<std::uint32_t>(m_vocabulary.size()));
                if (fresh) {
                    m_vocabulary.push_back(doc.terms[i]);
                }
                postings.emplace_back(it->second, doc.freqs[i]);
            }
        }
    }
    bool next(PretokenizedDoc& doc) override {
        if (m_next >= m_docs.size()) {
            return false;
        }
        doc.id = std::string(m_main.external_id(m_next));
        doc.terms.clear();
        doc.freqs.clear();
        for (const auto& [term, impact] : m_docs[m_next]) {
            doc.terms.push_back(m_vocabulary[term]);
            doc.freqs.push_back(impact);
        }
        m_docs[m_next] = {};
        ++m_next;
        return true;
    }
    [[nodiscard]] std::uint64_t consumed() const override { return m_next; }
    [[nodiscard]] std::uint64_t total() const override { return m_docs.size(); }

private:
    const Index& m_main;
    std::vector<std::string> m_vocabulary;
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> m_docs;
    std::uint32_t m_next = 0;
};

}  // namespace

ImpactBuildSummary add_impact_part(const Index& main, const fs::path& index_dir,
                                   const ImpactBuildOptions& options) {
    const ImpactQuantizer spec = ImpactQuantizer::parse(options.quantize);
    if (options.vectors.empty()) {
        throw UsageError("an impact part needs a vectors file (--impact-vectors FILE)");
    }
    ImpactBuildSummary summary;
    auto start = Clock::now();
    const Scan scan = scan_vectors(main, options, spec);
    summary.scan_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    summary.in_order = scan.in_order;

    const ImpactQuantizer quantizer = spec.resolve(scan.max_weight, scan.all_integral);
    // Quantisation is monotone in the weight: the largest weight gives the largest impact.
    const std::uint64_t top = quantizer.quantize(scan.max_weight);
    if (top > kMaxImpact) {
        throw InputError(
            options.vectors, scan.max_line,
            fmt::format("vector term '{}': weight {} gives impact {} under "
                        "--quantize {}, above the largest impact {} (2^24, exact "
                        "in a float score); quantise with a smaller scale",
                        scan.max_term, scan.max_weight, top, quantizer.describe(), kMaxImpact));
    }

    VectorQuantizer vq(quantizer);
    PretokenizedBuildOptions build;
    build.field = std::string(kImpactField);
    build.analyzer = std::string(kImpactAnalyzer);
    build.memory_budget = options.memory_budget;
    build.progress = options.progress;
    build.source = options.vectors;
    build.temp_dir = options.temp_dir;
    ImpactMeta meta;
    build.before_commit = [&](const fs::path& staging) {
        meta = vq.stats();
        meta.num_docs = main.num_docs();
        meta.ids_fingerprint = docid_fingerprint(main);
        meta.factor = quantizer.factor();
        meta.quantizer = quantizer.describe();
        meta.source = options.vectors;
        write_impact_meta(staging, meta);
    };
    if (scan.in_order) {
        StreamSource source(options.vectors, vq);
        summary.build = build_pretokenized_index(source, impact_dir(index_dir), build);
    } else {
        BufferedSource source(main, options.vectors, vq);
        summary.build = build_pretokenized_index(source, impact_dir(index_dir), build);
    }
    CASCADE_ASSERT(summary.build.num_docs == main.num_docs());
    summary.meta = meta;
    return summary;
}

}  // namespace cascade::index
