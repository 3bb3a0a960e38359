#include "collection/classic.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "collection/lisa.hpp"
#include "collection/npl.hpp"
#include "collection/smart.hpp"
#include "collection/text_fields.hpp"
#include "collection/time_magazine.hpp"
#include "collection/trec_io.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace cascade {

namespace fs = std::filesystem;

namespace {

/// File names of one classic collection inside its folder (../shared/data/<name>/SOURCE.md).
struct Layout {
    std::string_view name;
    std::string_view documents;  ///< "" for LISA (several files)
    std::string_view queries;
    std::string_view qrels;
};

constexpr Layout kLayouts[] = {
    {"cisi", "CISI.ALL", "CISI.QRY", "CISI.REL"},
    {"cranfield", "cran.all.1400", "cran.qry", "cranqrel"},
    {"medline", "MED.ALL", "MED.QRY", "MED.REL"},  // not MED.REL.OLD (SOURCE.md)
    {"adi", "ADI.ALL", "ADI.QRY", "ADI.REL"},
    {"npl", "doc-text", "query-text", "rlv-ass"},
    {"lisa", "", "LISA.QUE", "LISARJ.NUM"},  // not the damaged LISA.REL (SOURCE.md)
    {"time", "TIME.ALL", "TIME.QUE", "TIME.REL"},
};

const Layout* find_layout(std::string_view name) {
    for (const auto& layout : kLayouts) {
        if (layout.name == name) {
            return &layout;
        }
    }
    return nullptr;
}

/// `path` itself when it is a file, else `path/name` (which must exist).
std::string member(const std::string& path, std::string_view name, std::string_view format) {
    if (!fs::is_directory(path)) {
        return path;
    }
    if (name.empty()) {
        throw UsageError(fmt::format("format '{}' needs explicit files, not a folder", format));
    }
    fs::path file = fs::path(path) / std::string(name);
    if (!fs::exists(file)) {
        throw InputError(path, fmt::format("{} collection folder has no '{}'", format, name));
    }
    return file.string();
}

/// cranqrel: `qid docid code` with Cleverdon's codes 1 (complete answer) .. 4 (minimum
/// interest). Stored as gain 5 - code (1 -> 4 ... 4 -> 1), so trec_eval's rel >= 1 counts all
/// four codes relevant and nDCG rewards complete answers most. Code -1 rows (one per query;
/// not a relevance grade) are dropped.
Qrels read_cranfield_qrels(const std::string& path, std::vector<std::string>& warnings) {
    LineReader reader(path);
    Qrels qrels;
    std::string line;
    std::vector<std::string_view> f;
    std::size_t dropped = 0;
    while (reader.next(line)) {
        collection_detail::split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        if (f.size() != 3) {
            reader.fail(fmt::format("expected 3 fields 'qid docid code', got {}", f.size()));
        }
        for (int i = 0; i < 2; ++i) {
            if (!collection_detail::is_digits(f[i])) {
                reader.fail(fmt::format("field '{}' must be an integer, got '{}'",
                                        i == 0 ? "qid" : "docid", f[i]));
            }
        }
        if (f[2] == "-1") {
            ++dropped;
            continue;
        }
        if (f[2].size() != 1 || f[2][0] < '1' || f[2][0] > '4') {
            reader.fail(fmt::format("field 'code' must be -1 or 1..4, got '{}'", f[2]));
        }
        qrels.by_query[collection_detail::strip_leading_zeros(f[0])]
                      [collection_detail::strip_leading_zeros(f[1])] = 5 - (f[2][0] - '0');
    }
    if (dropped > 0) {
        warnings.push_back(fmt::format("{}: {} rows with code -1 dropped", path, dropped));
    }
    return qrels;
}

}  // namespace

bool is_classic_format(std::string_view name) {
    return name == "smart" || find_layout(name) != nullptr;
}

std::string detect_classic(const std::string& dir) {
    for (const auto& layout : kLayouts) {
        std::string_view probe = layout.documents.empty() ? layout.qrels : layout.documents;
        if (fs::exists(fs::path(dir) / std::string(probe))) {
            return std::string(layout.name);
        }
    }
    return {};
}

std::unique_ptr<DocumentReader> open_classic_documents(const std::string& path,
                                                       std::string_view format) {
    const Layout* layout = find_layout(format);
    std::string_view docs = layout != nullptr ? layout->documents : "";
    if (format == "lisa") {
        return std::make_unique<LisaDocumentReader>(path);
    }
    std::string file = member(path, docs, format);
    if (format == "npl") {
        return std::make_unique<NplDocumentReader>(file);
    }
    if (format == "time") {
        return std::make_unique<TimeDocumentReader>(file);
    }
    return std::make_unique<SmartDocumentReader>(file);
}

std::vector<Query> read_classic_queries(const std::string& path, std::string_view format) {
    const Layout* layout = find_layout(format);
    std::string file = member(path, layout != nullptr ? layout->queries : "", format);
    if (format == "npl") {
        return read_npl_queries(file);
    }
    if (format == "lisa") {
        return read_lisa_queries(file);
    }
    if (format == "time") {
        return read_time_queries(file);
    }
    return read_smart_queries(file, format == "cranfield");
}

Qrels read_classic_qrels(const std::string& dir, std::string_view format,
                         std::vector<std::string>& warnings) {
    const Layout* layout = find_layout(format);
    if (layout == nullptr) {
        throw UsageError(
            fmt::format("format '{}' has no qrels of its own; pass a qrels file", format));
    }
    std::string file = member(dir, layout->qrels, format);
    if (format == "cranfield") {
        return read_cranfield_qrels(file, warnings);
    }
    if (format == "medline") {
        return read_qrels(file);
    }
    if (format == "npl") {
        return read_npl_qrels(file);
    }
    if (format == "lisa") {
        return read_lisa_qrels(file);
    }
    if (format == "time") {
        std::vector<std::string> ids;
        auto docs = open_classic_documents(dir, format);
        Document d;
        while (docs->next(d)) {
            ids.push_back(d.id);
        }
        return read_time_qrels(file, ids, warnings);
    }
    return read_pair_qrels(file);  // cisi, adi
}

}  // namespace cascade
