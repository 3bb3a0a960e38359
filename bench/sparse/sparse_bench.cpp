/// Learned-sparse retrieval benchmark over a synthetic SPLADE-like collection
/// (retrieve/impact_synth.hpp: documents of 100-300 weighted terms with expansion terms, a
/// 30k-term Zipf-like vocabulary, queries of 20-40 weighted terms; deterministic seed).
///
///   sparse_bench build  --docs 1000000 --out DIR     # DIR/impact: the impact part, built
///                                                    # in-process (the builder behind
///                                                    # `cascade index --impact-vectors`)
///   sparse_bench search --docs 1000000 --out DIR --queries 500 --algorithm maxscore --k 10
///   sparse_bench jsonl  --docs 1000 --out DIR        # docs.jsonl + queries.tsv/.jsonl for the CLI
///
/// `search` times each query single-threaded after untimed warm-up queries (the retriever call
/// `cascade search --impact` makes, external ids of the hits looked up as a run needs) and
/// prints one `key=value` line (bench/timing.hpp) with a checksum of every hit, so that the
/// script can confirm all algorithms return the same results.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "index/builder.hpp"
#include "index/impact_index.hpp"
#include "retrieve/impact_retriever.hpp"
#include "retrieve/impact_synth.hpp"
#include "timing.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"

namespace cascade::bench {
namespace {

namespace fs = std::filesystem;
using retrieve::synth::SyntheticCollection;

struct Options {
    std::uint32_t docs = 100000;
    std::string out;
    std::uint32_t queries = 500;
    std::uint32_t warmup = 50;
    std::string algorithm = "maxscore";
    std::size_t k = 10;
    std::uint64_t memory_mb = 1024;
    std::uint64_t seed = retrieve::synth::SyntheticOptions{}.seed;
};

retrieve::synth::SyntheticOptions synthetic(const Options& o) {
    retrieve::synth::SyntheticOptions s;
    s.docs = o.docs;
    s.seed = o.seed;
    return s;
}

std::string doc_id(std::uint32_t d) {
    return "d" + std::to_string(d);
}

/// The generator's documents, in docid order.
class SyntheticSource final : public index::PretokenizedSource {
public:
    explicit SyntheticSource(const SyntheticCollection& c) : m_c(c) {}
    bool next(index::PretokenizedDoc& doc) override {
        if (m_next >= m_c.options().docs) {
            return false;
        }
        m_c.document(m_next, m_terms, doc.freqs);
        doc.id = doc_id(m_next);
        doc.terms.resize(m_terms.size());
        for (std::size_t i = 0; i < m_terms.size(); ++i) {
            doc.terms[i] = SyntheticCollection::term_name(m_terms[i]);
        }
        ++m_next;
        return true;
    }
    [[nodiscard]] std::uint64_t consumed() const override { return m_next; }
    [[nodiscard]] std::uint64_t total() const override { return m_c.options().docs; }

private:
    const SyntheticCollection& m_c;
    std::vector<std::uint32_t> m_terms;
    std::uint32_t m_next = 0;
};

int build(const Options& o) {
    const auto start = Clock::now();
    const SyntheticCollection collection(synthetic(o));
    SyntheticSource source(collection);
    index::PretokenizedBuildOptions options;
    options.field = std::string(index::kImpactField);
    options.analyzer = std::string(index::kImpactAnalyzer);
    options.memory_budget = o.memory_mb << 20;
    options.source = "synthetic";
    const fs::path part = index::impact_dir(o.out);
    options.before_commit = [&](const fs::path& staging) {
        index::ImpactMeta meta;
        meta.num_docs = o.docs;
        meta.factor = collection.options().impact_scale;
        meta.quantizer = "synthetic,scale:100";
        meta.source = fmt::format("impact_synth docs={} seed={}", o.docs, o.seed);
        write_impact_meta(staging, meta);
    };
    fs::create_directories(o.out);
    const index::BuildSummary s = index::build_pretokenized_index(source, part, options);
    std::printf(
        "engine=cascade-impact mode=build docs=%u terms=%llu postings=%llu bytes=%llu "
        "postings_bytes=%llu bytes_per_posting=%.3f spills=%u seconds=%.1f\n",
        s.num_docs, static_cast<unsigned long long>(s.num_terms),
        static_cast<unsigned long long>(s.num_postings),
        static_cast<unsigned long long>(s.index_bytes),
        static_cast<unsigned long long>(s.postings_bytes),
        static_cast<double>(s.postings_bytes) / static_cast<double>(s.num_postings), s.spilled_runs,
        seconds_since(start));
    return 0;
}

std::vector<retrieve::ImpactQuery> make_queries(const SyntheticCollection& c, std::uint32_t n) {
    std::vector<retrieve::ImpactQuery> out;
    std::vector<std::uint32_t> terms;
    std::vector<float> weights;
    for (std::uint32_t q = 0; q < n; ++q) {
        c.query(q, terms, weights);
        retrieve::ImpactQuery query;
        for (std::size_t i = 0; i < terms.size(); ++i) {
            query.push_back({SyntheticCollection::term_name(terms[i]), weights[i]});
        }
        out.push_back(std::move(query));
    }
    return out;
}

/// Not used for retrieval (search_vector takes the vectors); satisfies the retriever.
class NoQueries final : public retrieve::QueryVectorSource {
public:
    [[nodiscard]] std::vector<retrieve::ImpactQuery> vectors(
        std::span<const Query> /*queries*/) const override {
        return {};
    }
    [[nodiscard]] std::string describe() const override { return "synthetic"; }
};

int search(const Options& o) {
    const SyntheticCollection collection(synthetic(o));
    auto part = std::make_shared<const index::ImpactIndex>(
        index::ImpactIndex::open(index::impact_dir(o.out)));
    if (part->index().num_docs() != o.docs) {
        throw UsageError(fmt::format("{} holds {} documents, not --docs {}", o.out,
                                     part->index().num_docs(), o.docs));
    }
    const retrieve::Algorithm algorithm = retrieve::parse_algorithm(o.algorithm);
    const retrieve::ImpactRetriever retriever(part->index(), part, std::make_shared<NoQueries>(),
                                              algorithm);
    const auto queries = make_queries(collection, o.warmup + o.queries);
    // Work a query asks for: postings of its terms in the index.
    std::uint64_t postings = 0;
    std::uint64_t terms = 0;
    for (std::size_t i = o.warmup; i < queries.size(); ++i) {
        for (const auto& t : queries[i]) {
            if (const auto info = part->field().term(t.term)) {
                postings += info->doc_freq;
            }
            ++terms;
        }
    }
    std::size_t id_bytes = 0;
    for (std::uint32_t i = 0; i < o.warmup; ++i) {
        for (const auto& h : retriever.search_vector(queries[i], o.k)) {
            id_bytes += retriever.external_id(h.docid).size();
        }
    }
    std::vector<double> latency(o.queries);
    std::uint64_t checksum = kFnv1aBasis;
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    for (std::uint32_t i = 0; i < o.queries; ++i) {
        const auto t0 = Clock::now();
        const auto hits = retriever.search_vector(queries[o.warmup + i], o.k);
        for (const auto& h : hits) {
            id_bytes += retriever.external_id(h.docid).size();
        }
        latency[i] = seconds_since(t0);
        for (const auto& h : hits) {
            checksum = fnv1a(checksum, retriever.external_id(h.docid));
            checksum = fnv1a(checksum, std::string_view(reinterpret_cast<const char*>(&h.score),
                                                        sizeof h.score));
        }
    }
    const double wall = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    const std::string prefix = fmt::format(
        "engine=cascade-impact mode=search algorithm={} k={} threads=1 docs={} "
        "terms_per_query={:.1f} postings_per_query={:.0f} checksum={:016x}",
        o.algorithm, o.k, o.docs, static_cast<double>(terms) / o.queries,
        static_cast<double>(postings) / o.queries, checksum);
    print_search_summary(prefix, latency, wall, cpu);
    return id_bytes == 0 ? 1 : 0;
}

/// The same collection as files for the CLI: docs.jsonl (impacts / 100 as float weights, the
/// shape Pyserini writes), queries.tsv (weights x 10 rounded, as repeated terms) and
/// queries.jsonl (float weights).
int jsonl(const Options& o) {
    const SyntheticCollection collection(synthetic(o));
    fs::create_directories(o.out);
    {
        AtomicFile out(fs::path(o.out) / "docs.jsonl");
        std::vector<std::uint32_t> terms;
        std::vector<std::uint32_t> impacts;
        for (std::uint32_t d = 0; d < o.docs; ++d) {
            collection.document(d, terms, impacts);
            std::string line =
                fmt::format("{{\"id\": \"{}\", \"contents\": \"\", \"vector\": {{", doc_id(d));
            for (std::size_t i = 0; i < terms.size(); ++i) {
                line += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ",
                                    SyntheticCollection::term_name(terms[i]), impacts[i] / 100.0);
            }
            out.stream() << line << "}}\n";
        }
        out.commit();
    }
    AtomicFile tsv(fs::path(o.out) / "queries.tsv");
    AtomicFile json(fs::path(o.out) / "queries.jsonl");
    const auto queries = make_queries(collection, o.queries);
    for (std::size_t q = 0; q < queries.size(); ++q) {
        std::string text;
        std::string vector;
        for (const auto& t : queries[q]) {
            const long repeats = std::max(1L, std::lround(t.weight * 10.0F));
            for (long r = 0; r < repeats; ++r) {
                text += (text.empty() ? "" : " ") + t.term;
            }
            vector += fmt::format("{}\"{}\": {}", vector.empty() ? "" : ", ", t.term, t.weight);
        }
        tsv.stream() << "q" << q << '\t' << text << '\n';
        json.stream() << fmt::format("{{\"id\": \"q{}\", \"vector\": {{{}}}}}\n", q, vector);
    }
    tsv.commit();
    json.commit();
    return 0;
}

}  // namespace
}  // namespace cascade::bench

int main(int argc, char** argv) {
    cascade::bench::Options o;
    CLI::App app{
        "learned-sparse (impact) retrieval benchmark on a synthetic SPLADE-like "
        "collection",
        "sparse_bench"};
    app.require_subcommand(1);
    auto common = [&](CLI::App* cmd) {
        cmd->add_option("--docs", o.docs, "documents")->capture_default_str();
        cmd->add_option("--out", o.out, "folder of the impact part / files")->required();
        cmd->add_option("--seed", o.seed, "generator seed")->capture_default_str();
        cmd->add_option("--queries", o.queries, "timed (or written) queries")
            ->capture_default_str();
    };
    auto* build = app.add_subcommand("build", "build DIR/impact from the generator");
    common(build);
    build->add_option("--memory-mb", o.memory_mb, "postings budget before a spill")
        ->capture_default_str();
    auto* search = app.add_subcommand("search", "time one algorithm at one k");
    common(search);
    search->add_option("--algorithm", o.algorithm, "exhaustive, maxscore, wand, bmw, bmm")
        ->capture_default_str();
    search->add_option("--k", o.k, "hits per query")->capture_default_str();
    search->add_option("--warmup", o.warmup, "untimed queries first")->capture_default_str();
    auto* jsonl = app.add_subcommand("jsonl", "write the collection as JSONL/TSV for the CLI");
    common(jsonl);
    CLI11_PARSE(app, argc, argv);
    try {
        if (build->parsed()) {
            return cascade::bench::build(o);
        }
        if (search->parsed()) {
            return cascade::bench::search(o);
        }
        return cascade::bench::jsonl(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sparse_bench: error: %s\n", e.what());
        return 1;
    }
}
