/// Sharded indexes: building one shard, opening a checked set, searching it and merging.
#include <cascade/shard.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "api/impl.hpp"
#include "collection/reader.hpp"
#include "index/builder.hpp"
#include "text/analyzer.hpp"
#include "util/error.hpp"

namespace cascade {

namespace fs = std::filesystem;

namespace {

/// The collection as a builder of one shard among `count` that combine their statistics sees
/// it: every record in its place, but only the shard's own (record j with j mod count ==
/// shard) parsed. Such a builder drops the other records unread (index::BuildOptions::
/// combine_stats), so they come back empty, passed over with DocumentReader::skip.
class OwnRecordsReader final : public DocumentReader {
public:
    OwnRecordsReader(std::unique_ptr<DocumentReader> records, std::uint32_t shard,
                     std::uint32_t count)
        : m_records(std::move(records)), m_shard(shard), m_count(count) {}

    bool next(Document& doc) override {
        if (m_ordinal++ % m_count == m_shard) {
            return m_records->next(doc);
        }
        doc.id.clear();
        doc.title.clear();
        doc.text.clear();
        return m_records->skip();
    }
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_records->bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_records->total_bytes(); }
    [[nodiscard]] std::string location() const override { return m_records->location(); }

private:
    std::unique_ptr<DocumentReader> m_records;
    std::uint32_t m_shard;
    std::uint32_t m_count;
    std::uint64_t m_ordinal = 0;
};

IndexBuildReport build_one_shard(const std::string& collection, const fs::path& dir,
                                 std::uint32_t shard, std::uint32_t count,
                                 const IndexBuildOptions& options, const StatsExchange* exchange) {
    if (count == 0) {
        throw UsageError("--of must be at least 1");
    }
    index::validate(index::ShardSpec{shard, count});
    text::AnalyzerOptions analyzer_options;
    analyzer_options.kind = options.analyzer;
    analyzer_options.stemmer = options.stemmer;
    analyzer_options.stopwords = options.stopwords;
    const auto analyzer = text::make_analyzer(analyzer_options);
    if (options.memory_mb < 1 || options.memory_mb > (UINT64_MAX >> 20)) {
        throw UsageError(fmt::format("--memory-mb must be between 1 and {}", UINT64_MAX >> 20));
    }
    std::unique_ptr<DocumentReader> docs = open_documents(collection, options.format);
    if (exchange != nullptr) {
        docs = std::make_unique<OwnRecordsReader>(std::move(docs), shard, count);
    }
    index::BuildOptions build;
    build.fields = options.fields;
    build.positions = options.positions;
    build.threads = options.threads;
    build.memory_budget = options.memory_mb << 20;
    build.progress = options.progress;
    build.source = collection;
    build.shard = {shard, count};
    if (exchange != nullptr) {
        build.combine_stats = [exchange, shard](index::GlobalStatsCounter& global) {
            const std::vector<std::string> parts = (*exchange)(global.serialize());
            for (std::size_t r = 0; r < parts.size(); ++r) {
                if (r != shard) {
                    global.merge(parts[r]);
                }
            }
        };
    }
    const index::BuildSummary s = index::build_index(*docs, *analyzer, dir, build);
    IndexBuildReport report;
    report.num_docs = s.num_docs;
    report.num_terms = s.num_terms;
    report.num_postings = s.num_postings;
    report.index_bytes = s.index_bytes;
    report.postings_bytes = s.postings_bytes;
    report.spilled_runs = s.spilled_runs;
    report.seconds = s.seconds;
    return report;
}

}  // namespace

IndexBuildReport build_shard(const std::string& collection, const fs::path& dir,
                             std::uint32_t shard, std::uint32_t count,
                             const IndexBuildOptions& options) {
    return build_one_shard(collection, dir, shard, count, options, nullptr);
}

IndexBuildReport build_shard(const std::string& collection, const fs::path& dir,
                             std::uint32_t shard, std::uint32_t count,
                             const IndexBuildOptions& options, const StatsExchange& exchange) {
    return build_one_shard(collection, dir, shard, count, options, &exchange);
}

std::optional<ShardInfo> shard_info(const Index& index) {
    const auto& info = index.impl().index.shard();
    if (!info) {
        return std::nullopt;
    }
    return ShardInfo{info->shard, info->count, info->fingerprint, info->collection_docs};
}

std::vector<fs::path> shard_paths(const std::string& spec) {
    std::vector<fs::path> dirs;
    // A folder or file whose name holds a comma is that path, not a list.
    if (spec.find(',') != std::string::npos && !fs::exists(spec)) {
        std::size_t begin = 0;
        while (begin <= spec.size()) {
            std::size_t end = std::min(spec.find(',', begin), spec.size());
            if (end > begin) {
                dirs.emplace_back(spec.substr(begin, end - begin));
            }
            begin = end + 1;
        }
        return dirs;
    }
    if (fs::is_directory(spec) && !fs::exists(fs::path(spec) / "manifest") &&
        fs::is_regular_file(fs::path(spec) / kShardSetFile)) {
        return shard_paths((fs::path(spec) / kShardSetFile).string());
    }
    if (!fs::is_regular_file(spec)) {
        return {fs::path(spec)};
    }
    std::ifstream in(spec);
    if (!in) {
        throw IoError("cannot read the shard-set file " + spec);
    }
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        line = line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
        const fs::path dir(line);
        dirs.push_back(dir.is_relative() ? fs::path(spec).parent_path() / dir : dir);
    }
    if (dirs.empty()) {
        throw InputError(spec, "the shard-set file lists no index folder (one per line)");
    }
    return dirs;
}

namespace {

/// The checks of ShardSet::open: every folder a shard of one set (or one ordinary index
/// alone), every shard once, and, when `complete`, every shard of the set present. Returns
/// each shard number's position in `dirs` (one entry, 0, for an ordinary index).
std::vector<std::optional<std::size_t>> check_set(
    const std::vector<fs::path>& dirs, const std::vector<std::optional<ShardInfo>>& infos,
    bool complete) {
    if (dirs.size() == 1 && !infos[0]) {
        return {std::size_t{0}};
    }
    if (dirs.empty()) {
        return {};
    }
    std::size_t first = 0;
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        if (!infos[i]) {
            throw UsageError(
                fmt::format("{} is not a shard (built without --shard/--of); a set "
                            "of several folders must be the shards of one build",
                            dirs[i].string()));
        }
        const ShardInfo& a = *infos[first];
        const ShardInfo& b = *infos[i];
        if (b.count != a.count || b.fingerprint != a.fingerprint) {
            throw UsageError(fmt::format(
                "{} is shard {} of another set ({} shards, fingerprint {:016x}) than {} (shard {} "
                "of {}, fingerprint {:016x})",
                dirs[i].string(), b.shard, b.count, b.fingerprint, dirs[first].string(), a.shard,
                a.count, a.fingerprint));
        }
    }
    const std::uint32_t count = infos[0]->count;
    std::vector<std::optional<std::size_t>> slot(count);
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        auto& s = slot[infos[i]->shard];
        if (s) {
            throw UsageError(fmt::format("{} and {} are both shard {} of the set",
                                         dirs[*s].string(), dirs[i].string(), infos[i]->shard));
        }
        s = i;
    }
    std::string missing;
    for (std::uint32_t s = 0; s < count; ++s) {
        if (!slot[s]) {
            missing += (missing.empty() ? "" : ", ") + std::to_string(s);
        }
    }
    if (complete && !missing.empty()) {
        std::string given;
        for (const fs::path& dir : dirs) {
            given += (given.empty() ? "" : ", ") + dir.string();
        }
        throw UsageError(fmt::format("the set of {} has {} shards; missing shard(s) {} (given: {})",
                                     dirs[0].string(), count, missing, given));
    }
    return slot;
}

}  // namespace

ShardSet ShardSet::open_checked(const std::vector<fs::path>& dirs, bool complete) {
    std::vector<Index> opened;
    std::vector<std::optional<ShardInfo>> infos;
    for (const fs::path& dir : dirs) {
        opened.push_back(Index::open(dir));
        infos.push_back(shard_info(opened.back()));
    }
    ShardSet set;
    for (const auto& at : check_set(dirs, infos, complete)) {
        if (at) {
            set.m_shards.push_back(opened[*at]);
            set.m_dirs.push_back(dirs[*at]);
        }
    }
    return set;
}

ShardSet ShardSet::open(const std::vector<fs::path>& dirs) {
    if (dirs.empty()) {
        throw UsageError("no index folder given");
    }
    return open_checked(dirs, true);
}

ShardSet ShardSet::open_part(const std::vector<fs::path>& dirs) {
    return open_checked(dirs, false);
}

void check_shard_set(const std::vector<fs::path>& dirs,
                     const std::vector<std::optional<ShardInfo>>& infos) {
    if (dirs.size() != infos.size()) {
        throw Error(fmt::format("check_shard_set: {} folders but {} shard identities", dirs.size(),
                                infos.size()));
    }
    if (dirs.empty()) {
        throw UsageError("no index folder given");
    }
    (void)check_set(dirs, infos, true);
}

std::uint64_t ShardSet::num_docs() const {
    std::uint64_t n = 0;
    for (const Index& index : m_shards) {
        n += index.num_docs();
    }
    return n;
}

namespace {

/// Merges the shards' lists of one query: best first by (score desc, document id asc), the
/// single index's order; keeps `k`, then drops the query's own id when asked (as the single
/// index drops it from its top k), and numbers the ranks.
std::vector<RunEntry> merge_lists(std::vector<RunEntry> entries, std::size_t k,
                                  const std::string& qid, bool remove_query) {
    std::sort(entries.begin(), entries.end(), [](const RunEntry& a, const RunEntry& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        return a.docid < b.docid;
    });
    if (entries.size() > k) {
        entries.resize(k);
    }
    if (remove_query) {
        std::erase_if(entries, [&qid](const RunEntry& e) { return e.docid == qid; });
    }
    int rank = 0;
    for (RunEntry& e : entries) {
        e.rank = ++rank;
    }
    return entries;
}

}  // namespace

Run merge_runs(std::vector<Run> parts, std::size_t k, bool remove_query) {
    std::map<std::string, std::vector<RunEntry>> gathered;
    Run run;
    for (Run& part : parts) {
        if (run.tag.empty()) {
            run.tag = std::move(part.tag);
        }
        for (auto& [qid, entries] : part.by_query) {
            auto& all = gathered[qid];
            all.insert(all.end(), std::make_move_iterator(entries.begin()),
                       std::make_move_iterator(entries.end()));
        }
    }
    for (auto& [qid, entries] : gathered) {
        run.by_query[qid] = merge_lists(std::move(entries), k, qid, remove_query);
    }
    return run;
}

SearchResult search(const ShardSet& shards, std::span<const Query> queries,
                    const SearchOptions& options, std::vector<double>* shard_seconds) {
    if (shards.size() == 0) {
        throw UsageError("no shard to search");
    }
    if (shards.size() == 1) {
        SearchResult result = search(shards.shard(0), queries, options);
        if (shard_seconds != nullptr) {
            shard_seconds->assign(1, result.seconds);
        }
        return result;
    }
    if (options.dense || options.impact) {
        throw UsageError("--dense and --impact search one index; shards are searched with BM25");
    }
    check(options);
    SearchOptions per_shard = options;
    per_shard.remove_query = false;  // after the merge, as the single index does after its top k
    SearchResult result;
    if (shard_seconds != nullptr) {
        shard_seconds->clear();
    }
    const auto start = std::chrono::steady_clock::now();
    // With at least as many threads as shards, the shards are searched at once, the threads
    // shared among them; otherwise one after another, each with every thread. The merge does
    // not depend on the order.
    const std::size_t n = shards.size();
    const bool parallel = options.threads >= n;
    per_shard.threads = parallel ? static_cast<unsigned>(options.threads / n) : options.threads;
    per_shard.progress = options.progress && !parallel;  // one bar at a time on stderr
    std::vector<std::future<SearchResult>> parts;
    for (std::size_t s = 0; s < n; ++s) {
        parts.push_back(std::async(parallel ? std::launch::async : std::launch::deferred,
                                   [&shards, &queries, &per_shard, s] {
                                       return search(shards.shard(s), queries, per_shard);
                                   }));
    }
    std::vector<Run> runs;
    for (std::size_t s = 0; s < n; ++s) {
        SearchResult part = parts[s].get();
        if (shard_seconds != nullptr) {
            shard_seconds->push_back(part.seconds);
        }
        if (s == 0) {
            result.retriever = part.retriever;
            result.algorithm = part.algorithm;
            result.threads = options.threads;
        }
        runs.push_back(std::move(part.run));
    }
    result.run = merge_runs(std::move(runs), options.k, options.remove_query);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& [qid, entries] : result.run.by_query) {
        result.queries_without_hits += entries.empty() ? 1 : 0;
    }
    return result;
}

}  // namespace cascade
