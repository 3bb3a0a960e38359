/// cascade::Index::add_dense: embeds a collection (or reads vectors made elsewhere) into the
/// dense part of an index (index/dense_index.hpp).
#include <fmt/format.h>

#include <chrono>
#include <unordered_map>

#include <cascade/model.hpp>
#include <cascade/progress.hpp>

#include "api/impl.hpp"
#include "collection/vectors.hpp"
#include "index/dense_index.hpp"
#include "runtime/embedder_id.hpp"
#include "util/error.hpp"

namespace cascade {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Vectors of a file, put in docid order.
std::vector<float> vectors_in_docid_order(const index::Index& idx, const std::string& file,
                                          std::uint32_t& dim) {
    VectorSet set = read_vectors(file);
    dim = set.dim;
    if (set.ids.empty()) {
        if (set.size() != idx.num_docs())
            throw InputError(file, fmt::format("{} vectors for an index of {} documents (a file "
                                               "without ids holds one vector per document, in "
                                               "collection order)",
                                               set.size(), idx.num_docs()));
        return std::move(set.values);
    }
    std::vector<float> out(static_cast<std::size_t>(idx.num_docs()) * dim);
    std::vector<char> seen(idx.num_docs(), 0);
    for (std::size_t i = 0; i < set.size(); ++i) {
        const auto docid = idx.internal_id(set.ids[i]);
        if (!docid)
            throw InputError(file, fmt::format("vector {} (0-based): id '{}' is not a document of "
                                               "the index",
                                               i, set.ids[i]));
        seen[*docid] = 1;
        std::copy_n(set.values.begin() + static_cast<std::ptrdiff_t>(i * dim), dim,
                    out.begin() + static_cast<std::ptrdiff_t>(*docid) * dim);
    }
    for (std::uint32_t d = 0; d < idx.num_docs(); ++d)
        if (seen[d] == 0)
            throw InputError(file, fmt::format("no vector for document '{}' (and maybe others): "
                                               "every document needs one",
                                               idx.external_id(d)));
    return out;
}

std::vector<float> embed_collection(const index::Index& idx, const DenseIndexOptions& options,
                                    std::uint32_t& dim) {
    ModelPool pool(ModelPoolOptions::for_command(options.threads));
    ModelOptions model;
    model.dir = options.embedder;
    model.max_length = options.max_length;
    const BiEncoder encoder = pool.bi_encoder(model);
    dim = static_cast<std::uint32_t>(encoder.dimension());
    std::vector<float> out;
    out.reserve(static_cast<std::size_t>(idx.num_docs()) * dim);
    Progress progress("embed", idx.num_docs(), "docs", options.progress);
    constexpr std::uint32_t kChunk = 512;
    for (std::uint32_t start = 0; start < idx.num_docs(); start += kChunk) {
        const std::uint32_t end = std::min(idx.num_docs(), start + kChunk);
        std::vector<std::string> texts;
        texts.reserve(end - start);
        for (std::uint32_t d = start; d < end; ++d) {
            Document doc = idx.document(d);
            texts.push_back(doc.title.empty() ? doc.text : doc.title + " " + doc.text);
        }
        const std::vector<float> v = encoder.embed(texts);
        out.insert(out.end(), v.begin(), v.end());
        progress.set(end);
    }
    progress.finish();
    return out;
}

}  // namespace

DenseIndexReport Index::add_dense(const std::filesystem::path& dir,
                                  const DenseIndexOptions& options) {
    if (options.embedder.empty() == options.vectors.empty())
        throw UsageError("a dense part needs exactly one of --embedder MODEL and --vectors FILE");
    if (options.m < 2 || options.m > 64)
        throw UsageError("--hnsw-m must be between 2 and 64");
    if (options.ef_construction < 1)
        throw UsageError("--ef-construction must be at least 1");
    const index::VectorMetric metric = index::parse_vector_metric(options.metric);
    const index::Index idx = index::Index::open(dir);

    DenseIndexReport report;
    auto start = Clock::now();
    std::uint32_t dim = 0;
    std::vector<float> vectors;
    index::DenseBuildOptions build;
    if (!options.vectors.empty()) {
        vectors = vectors_in_docid_order(idx, options.vectors, dim);
        build.embedder = runtime::embedder_id_for_vectors(options.vectors);
        build.source = options.vectors;
    } else {
        build.embedder = runtime::embedder_id_for_model(options.embedder);
        vectors = embed_collection(idx, options, dim);
        build.source = "embeddings of " + options.embedder;
    }
    report.embed_seconds = seconds_since(start);

    start = Clock::now();
    build.metric = metric;
    build.int8 = options.int8;
    build.hnsw = options.hnsw;
    build.hnsw_params.m = options.m;
    build.hnsw_params.ef_construction = options.ef_construction;
    build.threads = std::max(1U, options.threads);
    build.ids_fingerprint = index::docid_fingerprint(idx);
    Progress progress("hnsw", idx.num_docs(), "vectors", options.progress && options.hnsw);
    build.progress = [&](std::uint64_t done, std::uint64_t) { progress.set(done); };
    index::write_dense(index::dense_dir(dir), vectors, dim, build);
    progress.finish();
    report.build_seconds = seconds_since(start);

    const index::DenseIndex dense = index::DenseIndex::open(index::dense_dir(dir));
    report.count = dense.size();
    report.dim = dense.dim();
    report.embedder = dense.embedder();
    report.bytes = dense.total_bytes();
    return report;
}

}  // namespace cascade
