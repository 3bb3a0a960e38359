#include "collection/reader.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "collection/classic.hpp"
#include "collection/jsonl.hpp"
#include "collection/text_fields.hpp"
#include "collection/trec_documents.hpp"
#include "collection/trec_io.hpp"
#include "collection/trec_topics.hpp"
#include "collection/tsv.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade {

namespace fs = std::filesystem;
using collection_detail::has_extension;

namespace {

constexpr const char* kDocumentFormats =
    "auto, beir, jsonl, tsv, trec, smart, cisi, cranfield, medline, adi, npl, lisa, time";
constexpr const char* kQueryFormats =
    "auto, beir, jsonl, tsv, trec, smart, cisi, cranfield, medline, adi, npl, lisa, time";

/// `dir/stem` or `dir/stem.gz`, whichever exists; empty when neither does.
std::string find_maybe_gz(const fs::path& dir, const std::string& stem) {
    if (fs::exists(dir / stem)) {
        return (dir / stem).string();
    }
    if (fs::exists(dir / (stem + ".gz"))) {
        return (dir / (stem + ".gz")).string();
    }
    return {};
}

std::string beir_file(const std::string& path, const std::string& stem) {
    if (!fs::is_directory(path)) {
        return path;
    }
    std::string file = find_maybe_gz(path, stem);
    if (file.empty()) {
        throw InputError(path, fmt::format("BEIR folder has no {0} or {0}.gz", stem));
    }
    return file;
}

/// The first non-blank line's first character, or 0 for an empty file.
char sniff(const std::string& path) {
    LineReader reader(path);
    std::string line;
    while (reader.next(line)) {
        auto t = collection_detail::trim(line);
        if (!t.empty()) {
            return t.front();
        }
    }
    return 0;
}

/// Resolves "auto" for a document or query path.
std::string detect_format(const std::string& path, bool queries) {
    if (fs::is_directory(path)) {
        if (!find_maybe_gz(path, "corpus.jsonl").empty() ||
            (queries && !find_maybe_gz(path, "queries.jsonl").empty())) {
            return "beir";
        }
        std::string classic = detect_classic(path);
        if (!classic.empty()) {
            return classic;
        }
        throw UsageError(fmt::format(
            "cannot tell the format of folder '{}' (no corpus.jsonl, not a known classic "
            "collection); pass --format",
            path));
    }
    if (has_extension(path, ".jsonl") || has_extension(path, ".json")) {
        return "jsonl";
    }
    if (has_extension(path, ".tsv")) {
        return "tsv";
    }
    char c = sniff(path);
    if (c == '{') {
        return "jsonl";
    }
    if (c == '<') {
        return "trec";
    }
    if (c == '.') {
        return "smart";
    }
    return "tsv";
}

}  // namespace

std::string resolve_format(const std::string& path, std::string_view format, bool queries) {
    return format == "auto" ? detect_format(path, queries) : std::string(format);
}

std::unique_ptr<DocumentReader> open_documents(const std::string& path, std::string_view format) {
    std::string fmt_name = resolve_format(path, format, false);
    if (fmt_name == "beir") {
        return std::make_unique<JsonlDocumentReader>(beir_file(path, "corpus.jsonl"));
    }
    if (fmt_name == "jsonl") {
        return std::make_unique<JsonlDocumentReader>(path);
    }
    if (fmt_name == "tsv") {
        return std::make_unique<TsvDocumentReader>(path);
    }
    if (fmt_name == "trec") {
        return std::make_unique<TrecDocumentReader>(path);
    }
    if (is_classic_format(fmt_name)) {
        return open_classic_documents(path, fmt_name);
    }
    throw UsageError(
        fmt::format("unknown collection format '{}'; accepted: {}", format, kDocumentFormats));
}

std::vector<Query> read_queries(const std::string& path, std::string_view format) {
    std::string fmt_name = resolve_format(path, format, true);
    if (fmt_name == "beir") {
        return read_jsonl_queries(beir_file(path, "queries.jsonl"));
    }
    if (fmt_name == "jsonl") {
        return read_jsonl_queries(path);
    }
    if (fmt_name == "tsv") {
        return read_tsv_queries(path);
    }
    if (fmt_name == "trec") {
        return read_trec_topics(path);
    }
    if (is_classic_format(fmt_name)) {
        return read_classic_queries(path, fmt_name);
    }
    throw UsageError(fmt::format("unknown query format '{}'; accepted: {}", format, kQueryFormats));
}

Qrels read_collection_qrels(const std::string& path, std::string_view format,
                            const std::string& split, std::vector<std::string>* warnings) {
    if (!fs::is_directory(path)) {
        return read_qrels(path);
    }
    std::string fmt_name = resolve_format(path, format, true);
    if (is_classic_format(fmt_name)) {
        std::vector<std::string> dropped;
        Qrels qrels = read_classic_qrels(path, fmt_name, dropped);
        if (warnings != nullptr) {
            warnings->insert(warnings->end(), dropped.begin(), dropped.end());
        }
        return qrels;
    }
    if (split.empty() || split.find('/') != std::string::npos) {
        throw UsageError(fmt::format("invalid qrels split name '{}'", split));
    }
    fs::path file = fs::path(path) / "qrels" / (split + ".tsv");
    if (!fs::exists(file)) {
        throw InputError(path,
                         fmt::format("no qrels split '{}' (expected {})", split, file.string()));
    }
    return read_qrels(file.string());
}

}  // namespace cascade
