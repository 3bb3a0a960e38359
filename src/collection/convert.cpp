#include "collection/convert.hpp"

#include <filesystem>
#include <unordered_set>

#include <fmt/format.h>

#include "collection/classic.hpp"
#include "collection/reader.hpp"
#include "collection/trec_io.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace cascade {

namespace fs = std::filesystem;

namespace {

/// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped,
/// other UTF-8 written as is (the readers have already repaired invalid sequences).
void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

/// One line of BEIR JSONL with Python json.dumps' separators, the way BEIR's files are written:
/// `{"_id": "...", "title": "...", "text": "..."}`.
void append_record(std::string& out, std::string_view id, const std::string* title,
                   std::string_view text) {
    out += "{\"_id\": ";
    append_json_string(out, id);
    if (title != nullptr) {
        out += ", \"title\": ";
        append_json_string(out, *title);
    }
    out += ", \"text\": ";
    append_json_string(out, text);
    out += "}\n";
}

/// Streams the documents into `path`; returns the set of ids written.
std::unordered_set<std::string> write_corpus(const ConvertOptions& options,
                                             const std::string& format, const fs::path& path,
                                             ConvertReport& report,
                                             const std::function<void(std::uint64_t)>& progress) {
    auto reader = open_documents(options.input, format);
    AtomicFile out(path);
    std::unordered_set<std::string> ids;
    Document doc;
    std::string line;
    while (reader->next(doc)) {
        if (!ids.insert(doc.id).second) {
            ++report.duplicate_documents;
            report.warnings.push_back(
                fmt::format("duplicate document id '{}' skipped (first kept)", doc.id));
            continue;
        }
        line.clear();
        append_record(line, doc.id, &doc.title, doc.text);
        out.stream() << line;
        ++report.documents;
        if (progress) {
            progress(report.documents);
        }
    }
    for (const auto& w : reader->warnings()) {
        report.warnings.push_back(w);
    }
    out.commit();
    return ids;
}

std::vector<Query> load_queries(const ConvertOptions& options, const std::string& format) {
    if (!options.queries.empty()) {
        return read_queries(options.queries);
    }
    if (is_classic_format(format) && format != "smart") {
        return read_classic_queries(options.input, format);
    }
    if (format == "beir" && fs::is_directory(options.input)) {
        return read_queries(options.input, "beir");
    }
    return {};
}

Qrels load_qrels(const ConvertOptions& options, const std::string& format,
                 std::vector<std::string>& warnings) {
    if (!options.qrels.empty()) {
        return read_qrels(options.qrels);
    }
    bool own_qrels = (is_classic_format(format) && format != "smart") ||
                     (format == "beir" && fs::is_directory(options.input));
    if (!own_qrels) {
        return {};
    }
    if (format == "beir" &&
        !fs::exists(fs::path(options.input) / "qrels" / (options.split + ".tsv"))) {
        warnings.push_back(
            fmt::format("{}: no qrels split '{}'; none written", options.input, options.split));
        return {};
    }
    return read_collection_qrels(options.input, format, options.split, &warnings);
}

void write_queries(const fs::path& path, const std::vector<Query>& queries, ConvertReport& report) {
    AtomicFile out(path);
    std::unordered_set<std::string> seen;
    for (const auto& q : queries) {
        if (!seen.insert(q.id).second) {
            report.warnings.push_back(
                fmt::format("duplicate query id '{}' skipped (first kept)", q.id));
            continue;
        }
        std::string line;
        append_record(line, q.id, nullptr, q.text);
        out.stream() << line;
        ++report.queries;
    }
    out.commit();
}

/// Counts qrels pairs and checks them against the corpus and the queries.
void check_qrels(const Qrels& qrels, const std::unordered_set<std::string>& doc_ids,
                 const std::vector<Query>& queries, ConvertReport& report) {
    std::unordered_set<std::string> query_ids;
    for (const auto& q : queries) {
        query_ids.insert(q.id);
    }
    for (const auto& [qid, docs] : qrels.by_query) {
        if (docs.empty()) {
            continue;
        }
        ++report.judged_queries;
        report.qrels_pairs += docs.size();
        if (!queries.empty() && !query_ids.contains(qid)) {
            ++report.qrels_unknown_queries;
        }
        for (const auto& [docid, rel] : docs) {
            if (!doc_ids.contains(docid)) {
                ++report.qrels_unknown_documents;
            }
        }
    }
    if (report.qrels_unknown_queries > 0) {
        report.warnings.push_back(
            fmt::format("{} judged queries are not in the queries", report.qrels_unknown_queries));
    }
    if (report.qrels_unknown_documents > 0) {
        report.warnings.push_back(fmt::format("{} judgments name documents not in the corpus",
                                              report.qrels_unknown_documents));
    }
}

}  // namespace

ConvertReport convert_to_beir(const ConvertOptions& options, const std::string& output,
                              const std::function<void(std::uint64_t)>& on_document) {
    ConvertReport report;
    report.format = resolve_format(options.input, options.format, false);
    if (options.split.empty() || options.split.find('/') != std::string::npos) {
        throw UsageError(fmt::format("invalid split name '{}'", options.split));
    }
    // Read the small parts first so that a bad query or qrels file fails before the corpus.
    std::vector<Query> queries = load_queries(options, report.format);
    Qrels qrels = load_qrels(options, report.format, report.warnings);

    AtomicDirectory dir(output);
    auto doc_ids =
        write_corpus(options, report.format, dir.staging() / "corpus.jsonl", report, on_document);
    write_queries(dir.staging() / "queries.jsonl", queries, report);
    check_qrels(qrels, doc_ids, queries, report);
    fs::create_directories(dir.staging() / "qrels");
    write_qrels_beir((dir.staging() / "qrels" / (options.split + ".tsv")).string(), qrels);
    dir.commit();
    return report;
}

}  // namespace cascade
