// ANN benchmark: cascade's dense index (exact fp32, int8 + rescore, HNSW on fp32 vectors or on
// int8 codes) against hnswlib and faiss (HNSW, HNSW over 8-bit codes with --engines faiss-sq, and
// flat) on the same unit vectors, inner product (= cosine), queries one at a time on 1 thread.
// Ground truth: exact top-k by cascade's flat scan, checked against faiss's flat
// index. Prints one `key=value` line per (engine, setting) and a summary; no assertions.
//
//   bench_ann --base base.fvecs --queries queries.fvecs [--limit-queries N]
//   bench_ann --synthetic 200000 --dim 384 [--queries-count 1000]

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <hnswlib/hnswlib.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../timing.hpp"
#include "index/dense_index.hpp"
#include "index/vector_ops.hpp"

namespace {

using cascade::bench::Clock;
using cascade::bench::seconds_since;
namespace ci = cascade::index;

struct Set {
    std::uint32_t dim = 0;
    std::vector<float> base;
    std::vector<float> queries;
    [[nodiscard]] std::size_t n() const { return base.size() / dim; }
    [[nodiscard]] std::size_t nq() const { return queries.size() / dim; }
};

std::vector<float> read_fvecs(const std::string& path, std::uint32_t& dim) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    std::vector<float> out;
    std::int32_t d = 0;
    while (in.read(reinterpret_cast<char*>(&d), 4)) {
        if (dim == 0)
            dim = static_cast<std::uint32_t>(d);
        if (static_cast<std::uint32_t>(d) != dim)
            throw std::runtime_error(path + ": mixed dimensions");
        const std::size_t at = out.size();
        out.resize(at + dim);
        in.read(reinterpret_cast<char*>(out.data() + at), static_cast<std::streamsize>(dim * 4));
    }
    return out;
}

/// Clustered Gaussian vectors (centres + noise), as real embeddings cluster.
std::vector<float> synthetic(std::size_t n, std::uint32_t dim, std::uint32_t seed) {
    std::mt19937 rng(42);  // the same centres for base and queries
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const std::size_t clusters = 1000;
    std::vector<float> centres(clusters * dim);
    for (float& x : centres)
        x = normal(rng);
    rng.seed(seed);
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    std::vector<float> v(n * dim);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = pick(rng);
        for (std::uint32_t j = 0; j < dim; ++j)
            v[i * dim + j] = centres[c * dim + j] + 0.8F * normal(rng);
    }
    return v;
}

void normalize_all(std::vector<float>& v, std::uint32_t dim) {
    for (std::size_t i = 0; i < v.size() / dim; ++i)
        ci::normalize({v.data() + i * dim, dim});
}

using Truth = std::vector<std::vector<std::uint32_t>>;

double recall_at(const Truth& truth, const std::vector<std::vector<std::int64_t>>& found,
                 std::size_t k) {
    double sum = 0;
    for (std::size_t q = 0; q < truth.size(); ++q) {
        std::set<std::int64_t> t(truth[q].begin(), truth[q].begin() + static_cast<long>(k));
        std::size_t hit = 0;
        for (std::size_t i = 0; i < k && i < found[q].size(); ++i)
            hit += t.count(found[q][i]);
        sum += static_cast<double>(hit) / static_cast<double>(k);
    }
    return sum / static_cast<double>(truth.size());
}

struct Measured {
    double qps = 0;      ///< queries per wall-clock second
    double cpu_qps = 0;  ///< queries per CPU second of this thread
    double recall = 0;   ///< recall@10
};

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Runs `search(q, out)` for every query on this thread, after a warm-up over the first 200
/// (page cache, branch predictors).
template <class Search>
Measured run_queries(const Set& set, const Truth& truth, const Search& search) {
    std::vector<std::vector<std::int64_t>> found(set.nq());
    for (std::size_t q = 0; q < std::min<std::size_t>(200, set.nq()); ++q)
        search(set.queries.data() + q * set.dim, found[q]);
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_seconds();
    for (std::size_t q = 0; q < set.nq(); ++q)
        search(set.queries.data() + q * set.dim, found[q]);
    const double cpu = thread_cpu_seconds() - cpu_start;
    const double wall = seconds_since(start);
    const auto nq = static_cast<double>(set.nq());
    return {nq / wall, nq / cpu, recall_at(truth, found, 10)};
}

/// One timed pass; prints QPS and recall@10.
template <class Search>
void measure(const std::string& label, const Set& set, const Truth& truth, const Search& search) {
    const Measured r = run_queries(set, truth, search);
    std::printf("%s qps=%.0f cpu_qps=%.0f recall10=%.4f\n", label.c_str(), r.qps, r.cpu_qps,
                r.recall);
    std::fflush(stdout);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using SearchFn = std::function<void(const float*, std::vector<std::int64_t>&)>;

/// A graph search at one ef: `set_ef` prepares the engine (hnswlib and faiss keep ef in the
/// index object), `search` answers one query.
struct GraphRun {
    std::size_t ef = 0;
    std::string label;
    std::function<void()> set_ef;
    SearchFn search;
    std::vector<Measured> passes;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ANN benchmark: cascade vs hnswlib vs faiss"};
    std::string base_path;
    std::string query_path;
    std::size_t synthetic_n = 0;
    std::uint32_t synthetic_dim = 384;
    std::size_t synthetic_queries = 1000;
    std::size_t limit_queries = 0;
    std::uint32_t m = 16;
    std::uint32_t ef_construction = 200;
    std::size_t build_threads = 2;
    std::vector<std::size_t> efs{10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384};
    std::string engines = "cascade,hnswlib,faiss";
    std::string work = "/tmp/cascade_bench_ann";
    std::string cascade_methods = "hnsw,hnsw-int8";
    std::size_t rescore = 4;
    std::size_t passes = 1;
    app.add_option("--base", base_path);
    app.add_option("--queries", query_path);
    app.add_option("--synthetic", synthetic_n, "synthetic base size");
    app.add_option("--dim", synthetic_dim);
    app.add_option("--queries-count", synthetic_queries);
    app.add_option("--limit-queries", limit_queries);
    app.add_option("--m", m);
    app.add_option("--ef-construction", ef_construction);
    app.add_option("--build-threads", build_threads);
    app.add_option("--ef", efs);
    app.add_option("--engines", engines);
    app.add_option("--work", work, "folder for cascade's index files");
    app.add_option("--cascade-methods", cascade_methods,
                   "cascade's graph searches to measure: hnsw, hnsw-int8 (comma-separated)");
    app.add_option("--rescore", rescore, "hnsw-int8: the best k * N re-scored in fp32");
    app.add_option("--passes", passes,
                   "timed passes of every graph search, taken in turn (engine after engine at "
                   "each ef, then again), so a slow spell of a shared machine falls on all "
                   "engines alike; the medians are printed");
    bool reuse = false;
    bool skip_flat = false;
    app.add_flag("--reuse", reuse,
                 "open the index (and the ground truth) an earlier run left in --work instead "
                 "of building them: A/B runs of two search builds on one graph");
    app.add_flag("--skip-flat", skip_flat, "skip the exact, int8 and faiss flat measurements");
    CLI11_PARSE(app, argc, argv);

    Set set;
    if (synthetic_n > 0) {
        set.dim = synthetic_dim;
        set.base = synthetic(synthetic_n, set.dim, 1);
        set.queries = synthetic(synthetic_queries, set.dim, 2);
    } else {
        set.base = read_fvecs(base_path, set.dim);
        std::uint32_t qdim = set.dim;
        set.queries = read_fvecs(query_path, qdim);
    }
    if (limit_queries > 0 && set.nq() > limit_queries)
        set.queries.resize(limit_queries * set.dim);
    normalize_all(set.base, set.dim);
    normalize_all(set.queries, set.dim);
    const std::size_t n = set.n();
    std::printf("set n=%zu nq=%zu dim=%u isa=%s\n", n, set.nq(), set.dim,
                std::string(ci::vector_kernels().isa).c_str());

    // cascade: the dense part as `cascade index` writes it (metric ip on unit vectors).
    // Engines are comma-separated names: "faiss" does not select "faiss-sq".
    const auto has = [&](const std::string& e) {
        return ("," + engines + ",").find("," + e + ",") != std::string::npos;
    };
    const std::filesystem::path dir = std::filesystem::path(work) / "dense";
    ci::DenseBuildOptions options;
    options.metric = ci::VectorMetric::InnerProduct;
    options.hnsw_params = {m, ef_construction, 100};
    options.threads = build_threads;
    auto t0 = Clock::now();
    if (!reuse || !std::filesystem::exists(dir))
        ci::write_dense(dir, set.base, set.dim, options);
    const double cascade_build = seconds_since(t0);
    const ci::DenseIndex index = ci::DenseIndex::open(dir);
    std::printf("engine=cascade build_s=%.1f bytes=%llu threads=%zu\n", cascade_build,
                static_cast<unsigned long long>(index.total_bytes()), build_threads);

    // Ground truth by cascade's exact scan, cross-checked with faiss's flat index; kept in
    // --work (10 ids per query) for --reuse.
    Truth truth(set.nq());
    const std::filesystem::path truth_path =
        std::filesystem::path(work) / ("truth-" + std::to_string(set.nq()) + ".u32");
    if (reuse && std::filesystem::exists(truth_path)) {
        std::ifstream in(truth_path, std::ios::binary);
        for (auto& t : truth) {
            t.resize(10);
            in.read(reinterpret_cast<char*>(t.data()), 40);
        }
        if (!in)
            throw std::runtime_error("short ground truth file " + truth_path.string());
    } else {
        for (std::size_t q = 0; q < set.nq(); ++q)
            for (const auto& [s, d] : index.search({set.queries.data() + q * set.dim, set.dim},
                                                   {.k = 10, .method = ci::DenseMethod::Exact}))
                truth[q].push_back(d);
        std::ofstream out(truth_path, std::ios::binary);
        for (auto& t : truth) {
            t.resize(10);
            out.write(reinterpret_cast<const char*>(t.data()), 40);
        }
    }

    omp_set_num_threads(1);
    faiss::IndexFlatIP flat(static_cast<int>(set.dim));
    if (!skip_flat) {
        flat.add(static_cast<faiss::Index::idx_t>(n), set.base.data());
        {
            std::size_t agree = 0;
            for (std::size_t q = 0; q < set.nq(); ++q) {
                std::vector<float> dist(10);
                std::vector<faiss::Index::idx_t> ids(10);
                flat.search(1, set.queries.data() + q * set.dim, 10, dist.data(), ids.data());
                std::set<std::uint32_t> t(truth[q].begin(), truth[q].end());
                for (auto id : ids)
                    agree += t.count(static_cast<std::uint32_t>(id));
            }
            std::printf("truth check: faiss flat agrees on %.5f of the exact top-10\n",
                        static_cast<double>(agree) / (10.0 * static_cast<double>(set.nq())));
        }

        measure("engine=cascade method=exact", set, truth, [&](const float* q, auto& out) {
            out.clear();
            for (const auto& [s, d] :
                 index.search({q, set.dim}, {.k = 10, .method = ci::DenseMethod::Exact}))
                out.push_back(d);
        });
        measure("engine=cascade method=int8 rescore=4", set, truth, [&](const float* q, auto& out) {
            out.clear();
            for (const auto& [s, d] : index.search(
                     {q, set.dim}, {.k = 10, .method = ci::DenseMethod::Int8, .rescore = 4}))
                out.push_back(d);
        });
        measure("engine=faiss method=flat", set, truth, [&](const float* q, auto& out) {
            std::vector<float> dist(10);
            std::vector<faiss::Index::idx_t> ids(10);
            flat.search(1, q, 10, dist.data(), ids.data());
            out.assign(ids.begin(), ids.end());
        });
    }
    // Graph searches: every engine is built first, then the searches are timed in turn.
    std::vector<GraphRun> runs;
    if (has("cascade"))
        for (std::size_t at = 0; at < cascade_methods.size();) {
            const std::size_t comma =
                std::min(cascade_methods.find(',', at), cascade_methods.size());
            const std::string method_name = cascade_methods.substr(at, comma - at);
            at = comma + 1;
            const ci::DenseMethod method = ci::parse_dense_method(method_name);
            const std::string extra =
                method == ci::DenseMethod::HnswInt8 ? " rescore=" + std::to_string(rescore) : "";
            for (std::size_t ef : efs)
                runs.push_back(
                    {ef,
                     "engine=cascade method=" + method_name + extra + " ef=" + std::to_string(ef),
                     [] {},
                     [&index, &set, method, ef, rescore](const float* q, auto& out) {
                         out.clear();
                         for (const auto& [s, d] : index.search(
                                  {q, set.dim},
                                  {.k = 10, .method = method, .ef = ef, .rescore = rescore}))
                             out.push_back(d);
                     },
                     {}});
        }

    std::unique_ptr<hnswlib::InnerProductSpace> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> h;
    if (has("hnswlib")) {
        space = std::make_unique<hnswlib::InnerProductSpace>(set.dim);
        h = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), n, m, ef_construction,
                                                              100);
        t0 = Clock::now();
        h->addPoint(set.base.data(), 0);
        std::atomic<std::size_t> next{1};
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < build_threads; ++t)
            pool.emplace_back([&] {
                for (std::size_t i = next++; i < n; i = next++)
                    h->addPoint(set.base.data() + i * set.dim, i);
            });
        for (auto& t : pool)
            t.join();
        std::printf("engine=hnswlib build_s=%.1f bytes=%zu threads=%zu\n", seconds_since(t0),
                    n * h->size_data_per_element_ + n * sizeof(void*), build_threads);
        std::fflush(stdout);
        for (std::size_t ef : efs)
            runs.push_back({ef,
                            "engine=hnswlib method=hnsw ef=" + std::to_string(ef),
                            [&h, ef] { h->setEf(ef); },
                            [&h](const float* q, auto& out) {
                                auto r = h->searchKnn(q, 10);
                                out.assign(r.size(), 0);
                                for (std::size_t i = r.size(); i-- > 0;) {
                                    out[i] = static_cast<std::int64_t>(r.top().second);
                                    r.pop();
                                }
                            },
                            {}});
    }

    const auto faiss_search = [](const faiss::Index& f) {
        return [&f](const float* q, std::vector<std::int64_t>& out) {
            std::vector<float> dist(10);
            std::vector<faiss::Index::idx_t> ids(10);
            f.search(1, q, 10, dist.data(), ids.data());
            out.assign(ids.begin(), ids.end());
        };
    };
    // faiss's HNSW over 8-bit scalar-quantised codes (no fp32 re-scoring): the peer closest to
    // cascade's hnsw-int8.
    std::unique_ptr<faiss::IndexHNSWSQ> fsq;
    if (has("faiss-sq")) {
        omp_set_num_threads(static_cast<int>(build_threads));
        fsq = std::make_unique<faiss::IndexHNSWSQ>(
            static_cast<int>(set.dim), faiss::ScalarQuantizer::QT_8bit, static_cast<int>(m),
            faiss::METRIC_INNER_PRODUCT);
        fsq->hnsw.efConstruction = static_cast<int>(ef_construction);
        t0 = Clock::now();
        fsq->train(static_cast<faiss::Index::idx_t>(n), set.base.data());
        fsq->add(static_cast<faiss::Index::idx_t>(n), set.base.data());
        std::printf("engine=faiss-sq build_s=%.1f bytes=%zu threads=%zu\n", seconds_since(t0),
                    n * set.dim + fsq->hnsw.neighbors.size() * sizeof(faiss::Index::idx_t) / 2,
                    build_threads);
        std::fflush(stdout);
        for (std::size_t ef : efs)
            runs.push_back({ef,
                            "engine=faiss-sq method=hnsw-sq8 ef=" + std::to_string(ef),
                            [&fsq, ef] { fsq->hnsw.efSearch = static_cast<int>(ef); },
                            faiss_search(*fsq),
                            {}});
    }

    std::unique_ptr<faiss::IndexHNSWFlat> fhnsw;
    if (has("faiss")) {
        omp_set_num_threads(static_cast<int>(build_threads));
        fhnsw = std::make_unique<faiss::IndexHNSWFlat>(
            static_cast<int>(set.dim), static_cast<int>(m), faiss::METRIC_INNER_PRODUCT);
        fhnsw->hnsw.efConstruction = static_cast<int>(ef_construction);
        t0 = Clock::now();
        fhnsw->add(static_cast<faiss::Index::idx_t>(n), set.base.data());
        std::printf("engine=faiss build_s=%.1f bytes=%zu threads=%zu\n", seconds_since(t0),
                    n * set.dim * sizeof(float) +
                        fhnsw->hnsw.neighbors.size() * sizeof(faiss::Index::idx_t) / 2,
                    build_threads);
        std::fflush(stdout);
        for (std::size_t ef : efs)
            runs.push_back({ef,
                            "engine=faiss method=hnsw ef=" + std::to_string(ef),
                            [&fhnsw, ef] { fhnsw->hnsw.efSearch = static_cast<int>(ef); },
                            faiss_search(*fhnsw),
                            {}});
    }
    omp_set_num_threads(1);

    // Timed in turn: pass after pass, and within a pass every engine at one ef before the next.
    std::vector<std::size_t> order(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return runs[a].ef < runs[b].ef; });
    for (std::size_t pass = 0; pass < passes; ++pass)
        for (const std::size_t i : order) {
            GraphRun& r = runs[i];
            r.set_ef();
            r.passes.push_back(run_queries(set, truth, r.search));
            if (passes > 1)
                std::printf("pass=%zu %s qps=%.0f cpu_qps=%.0f\n", pass + 1, r.label.c_str(),
                            r.passes.back().qps, r.passes.back().cpu_qps);
            std::fflush(stdout);
        }
    for (const std::size_t i : order) {
        const GraphRun& r = runs[i];
        std::vector<double> qps;
        std::vector<double> cpu_qps;
        for (const Measured& m : r.passes) {
            qps.push_back(m.qps);
            cpu_qps.push_back(m.cpu_qps);
        }
        std::printf("%s qps=%.0f cpu_qps=%.0f recall10=%.4f passes=%zu\n", r.label.c_str(),
                    median(qps), median(cpu_qps), r.passes.back().recall, r.passes.size());
    }
    return 0;
}
