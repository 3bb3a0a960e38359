// MaxSim re-ranking over the multivector part: candidates/s of exhaustive and pruned top-k for
// each storage codec, bytes per token, and what each codec does to the ranking (top-k overlap
// with fp32 MaxSim computed from the original vectors).
//
// Synthetic ColBERT-shaped data: documents of 60-180 unit-norm 128-d token vectors drawn around
// topic centres, queries of 32 tokens, and per query a candidate list in the order a
// first stage would give (a cheap centroid score, correlated with MaxSim, not equal to it).
//
//   bench_maxsim --docs 20000 --queries 100 --candidates 1000 --k 10

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

/// A text of `tokens` vectors: each document (and query) draws most tokens from its own three
/// topics, the rest from anywhere, as real texts mix a few subjects with stop-word-like noise.
std::vector<float> text(std::mt19937& rng, std::size_t tokens, const std::vector<float>& centres,
                        std::size_t topics, std::uint32_t dim) {
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::uniform_int_distribution<std::size_t> any(0, topics - 1);
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    const std::size_t own[3] = {any(rng), any(rng), any(rng)};
    std::vector<float> v(tokens * dim);
    for (std::size_t t = 0; t < tokens; ++t) {
        const std::size_t c = u(rng) < 0.8F ? own[t % 3] : any(rng);
        for (std::uint32_t j = 0; j < dim; ++j)
            v[t * dim + j] = centres[c * dim + j] + 0.7F * normal(rng);
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
               std::uint32_t seed) {
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
        d.docs.push_back(text(rng, len(rng), centres, topics, dim));
        centroids.push_back(centroid(d.docs.back(), dim));
    }
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(docs - 1));
    for (std::size_t q = 0; q < queries; ++q) {
        d.queries.push_back(text(rng, 32, centres, topics, dim));
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"MaxSim re-ranking benchmark over cascade's multivector part"};
    std::size_t docs = 20000;
    std::size_t queries = 100;
    std::size_t candidates = 1000;
    std::size_t k = 10;
    std::uint32_t dim = 128;
    std::string dir = "/tmp/cascade-bench-maxsim";
    app.add_option("--docs", docs);
    app.add_option("--queries", queries);
    app.add_option("--candidates", candidates);
    app.add_option("--k", k);
    app.add_option("--dim", dim);
    app.add_option("--dir", dir, "scratch folder for the parts");
    CLI11_PARSE(app, argc, argv);

    using cascade::bench::cpu_seconds;
    std::fprintf(stderr, "generating %zu documents, %zu queries...\n", docs, queries);
    const Data data = make_data(docs, queries, candidates, dim, 7);

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
        "| codec | bytes/token | part MB | mode | candidates/s | pruned | query tokens scored per "
        "candidate | top-%zu overlap "
        "with fp32 |\n|---|---:|---:|---|---:|---:|---:|---:|\n",
        k);
    for (TokenCodec codec : {TokenCodec::Fp16, TokenCodec::Int8}) {
        const fs::path part = fs::path(dir) / std::string(cascade::index::to_string(codec));
        {
            MultiVectorWriter w(part, dim, codec, {"bench", 0, "synthetic"});
            for (const auto& d : data.docs)
                w.add(d);
            w.finish();
        }
        const auto store = MultiVectorStore::open(part);
        for (bool prune : {false, true}) {
            MaxSimStats total;
            double overlap = 0.0;
            // Warm the page cache and the kernels once.
            (void)cascade::index::maxsim_top_k(store, data.queries[0], data.candidates[0], k,
                                               prune);
            const double start = cpu_seconds();
            for (std::size_t q = 0; q < queries; ++q) {
                MaxSimStats stats;
                const auto hits = cascade::index::maxsim_top_k(
                    store, data.queries[q], data.candidates[q], k, prune, &stats);
                total.candidates += stats.candidates;
                total.pruned += stats.pruned;
                total.query_tokens_scored += stats.query_tokens_scored;
                std::size_t hit = 0;
                for (const auto& h : hits)
                    hit += truth[q].count(data.candidates[q][h.candidate].docid);
                overlap += static_cast<double>(hit) / static_cast<double>(truth[q].size());
            }
            const double seconds = cpu_seconds() - start;
            std::printf(
                "| %s | %zu | %.1f | %s k=%zu | %.0f | %.1f%% | %.1f | %.3f |\n",
                std::string(cascade::index::to_string(codec)).c_str(), store.bytes_per_token(),
                static_cast<double>(store.total_bytes()) / 1e6, prune ? "pruned" : "exhaustive", k,
                static_cast<double>(total.candidates) / seconds,
                100.0 * static_cast<double>(total.pruned) / static_cast<double>(total.candidates),
                static_cast<double>(total.query_tokens_scored) /
                    static_cast<double>(total.candidates),
                overlap / static_cast<double>(queries));
        }
    }
    fs::remove_all(dir);
    return 0;
}
