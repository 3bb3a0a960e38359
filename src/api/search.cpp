/// cascade::search: BM25 over a query set as the implicit one-stage pipeline
/// (pipeline/bm25_pipeline.hpp), so it is the same code as a bm25 stage in a pipeline file.
#include <cascade/search.hpp>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "collection/sparse_vectors.hpp"
#include "index/bm25_params.hpp"
#include "pipeline/bm25_pipeline.hpp"
#include "pipeline/runner.hpp"
#include "retrieve/bm25_retriever.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace cascade {

namespace {

/// Queries searched per progress-bar update (threads share each batch).
constexpr std::size_t kProgressBatch = 64;

/// The bm25 stage's keys for `options`, parsed and checked.
pipeline::Bm25StageSpec stage_spec(const SearchOptions& options) {
    if (options.k == 0) {
        throw UsageError("k must be at least 1");
    }
    // The tag is the last whitespace-separated column of every run line: a tag with spaces
    // would write a run that neither trec_eval nor `cascade eval` can read back.
    if (options.tag.empty() || options.tag.find_first_of(" \t\r\n\v\f") != std::string::npos) {
        throw UsageError(fmt::format("tag '{}' must be one word without whitespace", options.tag));
    }
    pipeline::Bm25StageSpec spec;
    spec.params = {options.bm25.k1, options.bm25.b};
    spec.algorithm = retrieve::parse_algorithm(options.algorithm);
    if (!options.fields.empty()) {
        spec.fields = retrieve::parse_field_weights(options.fields);
    }
    spec.k = options.k;
    spec.remove_query = options.remove_query;
    spec.name = options.tag;
    return spec;
}

}  // namespace

Bm25Params bm25_defaults() {
    const index::Bm25Params defaults;
    return {defaults.k1, defaults.b};
}

void check(const Bm25Params& params) {
    index::validate(index::Bm25Params{params.k1, params.b});
}

void check(const SearchOptions& options) {
    (void)stage_spec(options);
}

namespace {

std::string yaml_quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

/// `cascade search --dense`: the one-stage dense pipeline.
pipeline::Pipeline dense_pipeline(const index::Index& idx, const SearchOptions& options,
                                  unsigned threads) {
    std::string yaml = fmt::format(
        "name: {}\nfirst_stage: {{type: dense, k: {}, method: {}, ef: {}, remove_query: {}",
        yaml_quote(options.tag), options.k, yaml_quote(options.dense_method), options.ef,
        options.remove_query ? "true" : "false");
    if (!options.embedder.empty())
        yaml += ", model: " + yaml_quote(options.embedder);
    if (!options.query_vectors.empty())
        yaml += ", query_vectors: " + yaml_quote(options.query_vectors);
    yaml += "}\n";
    return pipeline::Pipeline::parse(yaml, "cascade search --dense", idx, threads);
}

/// `cascade search --impact`: the one-stage impact pipeline.
pipeline::Pipeline impact_pipeline(const index::Index& idx, const SearchOptions& options,
                                   unsigned threads) {
    if (options.impact_queries.empty()) {
        throw UsageError(
            "impact search needs the queries' vectors (--queries FILE: "
            "pre-tokenised TSV or JSONL vectors)");
    }
    const std::string yaml = fmt::format(
        "name: {}\nfirst_stage: {{type: impact, k: {}, algorithm: {}, remove_query: {}, "
        "queries: {}}}\n",
        yaml_quote(options.tag), options.k, yaml_quote(options.algorithm),
        options.remove_query ? "true" : "false", yaml_quote(options.impact_queries));
    return pipeline::Pipeline::parse(yaml, "cascade search --impact", idx, threads);
}

}  // namespace

std::vector<Query> read_impact_queries(const std::string& path) {
    std::vector<Query> queries;
    for (SparseRecord& r : read_sparse_queries(path)) {
        queries.push_back({std::move(r.id), std::move(r.contents)});
    }
    return queries;
}

SearchResult search(const Index& index, std::span<const Query> queries,
                    const SearchOptions& options) {
    const pipeline::Bm25StageSpec spec = stage_spec(options);
    const index::Index& idx = index.impl().index;
    const unsigned threads = std::max(1U, options.threads);
    if (options.dense && options.impact) {
        throw UsageError("--dense and --impact exclude each other");
    }
    const pipeline::Pipeline bm25 = options.impact  ? impact_pipeline(idx, options, threads)
                                    : options.dense ? dense_pipeline(idx, options, threads)
                                                    : pipeline::bm25_pipeline(idx, spec, threads);
    pipeline::RunnerOptions runner;
    runner.threads = threads;

    Progress progress("search", queries.size(), "queries",
                      options.progress && stderr_is_terminal());
    const auto start = std::chrono::steady_clock::now();
    SearchResult result;
    result.run.tag = bm25.name();
    for (std::size_t i = 0; i < queries.size(); i += kProgressBatch) {
        const std::span<const Query> batch =
            queries.subspan(i, std::min(kProgressBatch, queries.size() - i));
        for (auto& [qid, entries] : pipeline::run_pipeline(bm25, idx, batch, runner).run.by_query) {
            result.run.by_query[qid] = std::move(entries);
        }
        progress.set(i + batch.size());
    }
    progress.finish();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& [qid, entries] : result.run.by_query) {
        result.queries_without_hits += entries.empty() ? 1 : 0;
    }
    result.retriever = bm25.branches().front().head().retriever().name();
    result.algorithm =
        options.dense ? "dense" : std::string(retrieve::algorithm_name(spec.algorithm));
    if (options.impact) {
        result.algorithm = "impact " + result.algorithm;
    }
    result.threads = threads;
    return result;
}

}  // namespace cascade
