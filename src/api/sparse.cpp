/// cascade::encode_sparse: documents or queries through the SPLADE encoder into Anserini's
/// vector formats.
#include <cascade/sparse.hpp>

#include <cascade/collection.hpp>
#include <cascade/progress.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>

#include "collection/reader.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace cascade {

namespace {

/// The weight as written: the float, or round(w x scale).
double written(float w, std::uint32_t scale) {
    return scale == 0 ? static_cast<double>(w) : std::round(static_cast<double>(w) * scale);
}

nlohmann::json vector_json(const std::vector<WeightedTerm>& terms, std::uint32_t scale,
                           std::uint64_t& count) {
    nlohmann::json v = nlohmann::json::object();
    for (const WeightedTerm& t : terms) {
        const double w = written(t.weight, scale);
        if (w <= 0.0)
            continue;
        if (scale == 0)
            v[t.term] = w;
        else
            v[t.term] = static_cast<std::int64_t>(w);
        ++count;
    }
    return v;
}

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

SparseEncodeReport encode_sparse(const std::string& input, const std::string& output,
                                 const SparseEncodeOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    const bool tsv = ends_with(output, ".tsv");
    if (tsv && !options.queries)
        throw UsageError(
            "a .tsv output is Anserini's pre-tokenised query format: add --queries, "
            "or write documents to .jsonl");
    if (tsv && options.scale == 0)
        throw UsageError(
            "a pre-tokenised TSV repeats each term round(weight x scale) times: give "
            "--scale N (Pyserini uses 100)");
    if (options.batch < 1)
        throw UsageError("--batch must be at least 1");
    ModelPool pool(ModelPoolOptions::for_command(std::max<std::size_t>(1, options.threads)));
    const SparseEncoder encoder = pool.sparse_encoder(options.model);
    SparseEncodeReport report;
    AtomicFile out(output);
    std::ofstream& os = out.stream();

    if (options.queries) {
        const std::vector<Query> queries = read_queries(input);
        Progress progress("encode", queries.size(), "queries", options.progress);
        for (std::size_t at = 0; at < queries.size(); at += options.batch) {
            const std::size_t end = std::min(queries.size(), at + options.batch);
            std::vector<std::string> texts;
            for (std::size_t i = at; i < end; ++i)
                texts.push_back(queries[i].text);
            const auto encoded = encoder.encode(texts, options.top_k);
            for (std::size_t i = at; i < end; ++i) {
                const auto& terms = encoded[i - at];
                if (tsv) {
                    std::string line = queries[i].id + "\t";
                    bool first = true;
                    for (const WeightedTerm& t : terms) {
                        const auto n = static_cast<std::int64_t>(written(t.weight, options.scale));
                        for (std::int64_t r = 0; r < n; ++r) {
                            line += first ? "" : " ";
                            line += t.term;
                            first = false;
                        }
                        report.terms += n > 0 ? 1 : 0;
                    }
                    os << line << '\n';
                } else {
                    nlohmann::json row;
                    row["id"] = queries[i].id;
                    row["vector"] = vector_json(terms, options.scale, report.terms);
                    os << row.dump() << '\n';
                }
                ++report.texts;
            }
            progress.set(end);
        }
        progress.finish();
    } else {
        auto docs = open_documents(input, options.format);
        Progress progress("encode", docs->total_bytes(), "bytes", options.progress);
        std::vector<Document> batch;
        auto flush = [&] {
            std::vector<std::string> texts;
            texts.reserve(batch.size());
            for (const Document& d : batch)
                texts.push_back(d.title.empty() ? d.text : d.title + " " + d.text);
            const auto encoded = encoder.encode(texts, options.top_k);
            for (std::size_t i = 0; i < batch.size(); ++i) {
                nlohmann::json row;
                row["id"] = batch[i].id;
                row["contents"] = texts[i];
                row["vector"] = vector_json(encoded[i], options.scale, report.terms);
                os << row.dump() << '\n';
                ++report.texts;
            }
            batch.clear();
            progress.set(docs->bytes_consumed());
        };
        Document doc;
        while (docs->next(doc)) {
            batch.push_back(std::move(doc));
            if (batch.size() == options.batch)
                flush();
        }
        flush();
        progress.finish();
    }
    out.commit();
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace cascade
