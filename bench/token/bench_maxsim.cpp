// MaxSim re-ranking over the multivector part: candidates/s of exhaustive top-k and of top-k
// pruned by each bound (the document-norm bound, the token-cluster bound of tokens.bounds) for
// each storage codec, the work each does (share pruned, query tokens scored and document-token
// inner products per candidate), the bound section's size, and what each codec does to the
// ranking (top-k overlap with fp32 MaxSim computed from the original vectors).
//
// Synthetic ColBERT-shaped data: documents of 60-180 unit-norm 128-d token vectors drawn around
// topic centres, queries of 32 tokens, and per query a candidate list in the order a
// first stage would give (a cheap centroid score, correlated with MaxSim, not equal to it).
// --data mixed: each text draws 80% of its tokens from its own three topics and 20% from
// anywhere, with wide noise (0.7 per dimension around centres of norm ~11); --data clustered:
// every token from the text's own four topics with tight noise (0.25), so a document's tokens
// form a few tight groups as real ColBERT token vectors do (repeated and related words).
//
//   bench_maxsim --docs 20000 --queries 100 --candidates 1000 --k 10 [--data clustered]

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../timing.hpp"
#include "index/token_store.hpp"

namespace {

namespace fs = std::filesystem;
using cascade::index::MaxSimBound;
using cascade::index::MaxSimCandidate;
using cascade::index::MaxSimStats;
using cascade::index::MultiVectorStore;
using cascade::index::MultiVectorWriter;
using cascade::index::TokenCodec;

struct Data {
    std::uint32_t dim = 128;
    std::vector<std::vector<float>> docs;
    std::vector<std::vector<float>> queries;
    std::vector<std::vector<MaxSimCandidate>> candidates;
};

void unit(float* v, std::uint32_t dim) {
    double n = 0.0;
    for (std::uint32_t j = 0; j < dim; ++j)
        n += static_cast<double>(v[j]) * v[j];
    for (std::uint32_t j = 0; j < dim; ++j)
        v[j] = static_cast<float>(v[j] / std::sqrt(n));
}

/// How texts draw their tokens (see the top of the file).
struct Shape {
    std::size_t own_topics = 3;
    float own_share = 0.8F;  ///< the rest from any topic
    float noise = 0.7F;      ///< per-dimension standard deviation around a topic centre
};

/// A text of `tokens` vectors: each document (and query) draws most tokens from its own
/// topics, the rest from anywhere, as real texts mix a few subjects with stop-word-like noise.
std::vector<float> text(std::mt19937& rng, std::size_t tokens, const std::vector<float>& centres,
                        std::size_t topics, std::uint32_t dim, const Shape& shape) {
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::uniform_int_distribution<std::size_t> any(0, topics - 1);
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    std::vector<std::size_t> own(shape.own_topics);
    for (std::size_t& o : own)
        o = any(rng);
    std::vector<float> v(tokens * dim);
    for (std::size_t t = 0; t < tokens; ++t) {
        const std::size_t c = u(rng) < shape.own_share ? own[t % own.size()] : any(rng);
        for (std::uint32_t j = 0; j < dim; ++j)
            v[t * dim + j] = centres[c * dim + j] + shape.noise * normal(rng);
        unit(v.data() + t * dim, dim);
    }
    return v;
}

std::vector<float> centroid(const std::vector<float>& v, std::uint32_t dim) {
    std::vector<float> c(dim, 0.0F);
    for (std::size_t i = 0; i < v.size(); ++i)
        c[i % dim] += v[i];
    return c;
}

Data make_data(std::size_t docs, std::size_t queries, std::size_t candidates, std::uint32_t dim,
               const Shape& shape, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const std::size_t topics = 256;
    std::vector<float> centres(topics * dim);
    for (float& x : centres)
        x = normal(rng);
    Data d;
    d.dim = dim;
    std::uniform_int_distribution<std::size_t> len(60, 180);
    std::vector<std::vector<float>> centroids;
    for (std::size_t i = 0; i < docs; ++i) {
        d.docs.push_back(text(rng, len(rng), centres, topics, dim, shape));
        centroids.push_back(centroid(d.docs.back(), dim));
    }
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(docs - 1));
    for (std::size_t q = 0; q < queries; ++q) {
        d.queries.push_back(text(rng, 32, centres, topics, dim, shape));
        const std::vector<float> qc = centroid(d.queries.back(), dim);
        // Candidates: the docs whose centroid best matches the query's (a stand-in first
        // stage), best first.
        std::vector<std::pair<float, std::uint32_t>> scored;
        for (std::uint32_t i = 0; i < docs; ++i) {
            float s = 0.0F;
            for (std::uint32_t j = 0; j < dim; ++j)
                s += qc[j] * centroids[i][j];
            scored.emplace_back(s / static_cast<float>(d.docs[i].size() / dim), i);
        }
        const std::size_t n = std::min(candidates, docs);
        std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n),
                          scored.end(), [](const auto& a, const auto& b) { return a > b; });
        std::vector<MaxSimCandidate> list;
        for (std::size_t i = 0; i < n; ++i)
            list.push_back({scored[i].second, scored[i].second});
        d.candidates.push_back(std::move(list));
    }
    (void)pick;
    return d;
}

/// fp32 MaxSim from the original vectors (the reference every codec is compared with).
double reference_maxsim(const std::vector<float>& q, const std::vector<float>& d,
                        std::uint32_t dim) {
    double sum = 0.0;
    for (std::size_t i = 0; i < q.size(); i += dim) {
        double best = -1e30;
        for (std::size_t t = 0; t < d.size(); t += dim) {
            double s = 0.0;
            for (std::uint32_t j = 0; j < dim; ++j)
                s += static_cast<double>(q[i + j]) * d[t + j];
            best = std::max(best, s);
        }
        sum += best;
    }
    return sum;
}

struct Row {
    MaxSimStats total;
    double seconds = 0.0;
    double overlap = 0.0;
};

/// Runs every query once (after one warm-up) with `bound`.
Row run_queries(const MultiVectorStore& store, const Data& data, std::size_t k, MaxSimBound bound,
                const std::vector<std::set<std::uint32_t>>& truth) {
    Row row;
    (void)cascade::index::maxsim_top_k(store, data.queries[0], data.candidates[0], k, bound);
    const double start = cascade::bench::cpu_seconds();
    for (std::size_t q = 0; q < data.queries.size(); ++q) {
        MaxSimStats stats;
        const auto hits = cascade::index::maxsim_top_k(store, data.queries[q], data.candidates[q],
                                                       k, bound, &stats);
        row.total.candidates += stats.candidates;
        row.total.pruned += stats.pruned;
        row.total.query_tokens_scored += stats.query_tokens_scored;
        row.total.token_dots += stats.token_dots;
        row.total.bound_dots += stats.bound_dots;
        std::size_t hit = 0;
        for (const auto& h : hits)
            hit += truth[q].count(data.candidates[q][h.candidate].docid);
        row.overlap += static_cast<double>(hit) / static_cast<double>(truth[q].size());
    }
    row.seconds = cascade::bench::cpu_seconds() - start;
    row.overlap /= static_cast<double>(data.queries.size());
    return row;
}

const char* bound_name(MaxSimBound bound) {
    switch (bound) {
        case MaxSimBound::None:
            return "exhaustive";
        case MaxSimBound::DocNorm:
            return "pruned, norm bound";
        case MaxSimBound::Clusters:
            return "pruned, cluster bound";
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"MaxSim re-ranking benchmark over cascade's multivector part"};
    std::size_t docs = 20000;
    std::size_t queries = 100;
    std::size_t candidates = 1000;
    std::size_t k = 10;
    std::uint32_t dim = 128;
    std::uint32_t max_clusters = 8;
    std::string kind = "mixed";
    std::string only = "all";
    std::string dir = "/tmp/cascade-bench-maxsim";
    app.add_option("--docs", docs);
    app.add_option("--queries", queries);
    app.add_option("--candidates", candidates);
    app.add_option("--k", k);
    app.add_option("--dim", dim);
    app.add_option("--clusters", max_clusters, "most token clusters per document (bound section)");
    app.add_option("--data", kind, "synthetic vectors: mixed or clustered")
        ->check(CLI::IsMember({"mixed", "clustered"}));
    app.add_option("--bound", only, "the mode to run: all, none, norm or clusters")
        ->check(CLI::IsMember({"all", "none", "norm", "clusters"}));
    app.add_option("--dir", dir, "scratch folder for the parts");
    CLI11_PARSE(app, argc, argv);

    using cascade::bench::cpu_seconds;
    Shape shape;
    if (kind == "clustered")
        shape = Shape{4, 1.0F, 0.25F};
    std::fprintf(stderr, "generating %zu %s documents, %zu queries...\n", docs, kind.c_str(),
                 queries);
    const Data data = make_data(docs, queries, candidates, dim, shape, 7);

    // Reference top-k per query (fp32 from the original vectors).
    std::vector<std::set<std::uint32_t>> truth(queries);
    for (std::size_t q = 0; q < queries; ++q) {
        std::vector<std::pair<double, std::uint32_t>> s;
        for (const auto& c : data.candidates[q])
            s.emplace_back(-reference_maxsim(data.queries[q], data.docs[c.docid], dim), c.docid);
        std::sort(s.begin(), s.end());
        for (std::size_t i = 0; i < std::min(k, s.size()); ++i)
            truth[q].insert(s[i].second);
    }

    std::printf(
        "data %s, %zu docs, %zu queries, %zu candidates, k=%zu, at most %u clusters/doc\n\n"
        "| codec | bytes/token | bound B/doc | mode | candidates/s | pruned | query tokens scored "
        "/ cand. | token dots / cand. | top-%zu overlap with fp32 |\n"
        "|---|---:|---:|---|---:|---:|---:|---:|---:|\n",
        kind.c_str(), docs, queries, candidates, k, max_clusters, k);
    for (TokenCodec codec : {TokenCodec::Fp16, TokenCodec::Int8}) {
        const fs::path part = fs::path(dir) / std::string(cascade::index::to_string(codec));
        double build_seconds[2] = {0.0, 0.0};
        for (std::uint32_t most : {0U, max_clusters}) {
            const double start = cpu_seconds();
            cascade::index::TokenPartOptions options{"bench", 0, "synthetic"};
            options.max_clusters = most;
            MultiVectorWriter w(part, dim, codec, options);
            for (const auto& d : data.docs)
                w.add(d);
            w.finish();
            build_seconds[most == 0 ? 0 : 1] = cpu_seconds() - start;
        }
        const auto store = MultiVectorStore::open(part);
        std::fprintf(stderr, "%s part written in %.2f CPU s without the bound section, %.2f with\n",
                     std::string(cascade::index::to_string(codec)).c_str(), build_seconds[0],
                     build_seconds[1]);
        const double bound_per_doc =
            static_cast<double>(store.cluster_bytes()) / static_cast<double>(docs);
        for (MaxSimBound bound : {MaxSimBound::None, MaxSimBound::DocNorm, MaxSimBound::Clusters}) {
            const char* names[] = {"none", "norm", "clusters"};
            if (only != "all" && only != names[static_cast<int>(bound)])
                continue;
            const Row row = run_queries(store, data, k, bound, truth);
            const auto n = static_cast<double>(row.total.candidates);
            std::printf("| %s | %zu | %.0f | %s | %.0f | %.1f%% | %.1f | %.0f | %.3f |\n",
                        std::string(cascade::index::to_string(codec)).c_str(),
                        store.bytes_per_token(), bound_per_doc, bound_name(bound), n / row.seconds,
                        100.0 * static_cast<double>(row.total.pruned) / n,
                        static_cast<double>(row.total.query_tokens_scored) / n,
                        static_cast<double>(row.total.token_dots) / n, row.overlap);
        }
    }
    fs::remove_all(dir);
    return 0;
}
