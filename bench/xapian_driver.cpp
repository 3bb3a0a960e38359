/// The Xapian 1.4 peer for the first-stage benchmark: builds a database from the same JSONL
/// corpus cascade indexes and runs the same queries with BM25 and Xapian's own dynamic pruning.
///
///   xapian_driver index  --collection corpus.jsonl --db DIR [--positions] [--flush N]
///   xapian_driver search --db DIR --queries queries.tsv --k 10 --threads 2 [--run OUT]
///
/// Both print one `key=value` line on stdout for bench/run_first_stage.sh to parse.
///
/// Fairness notes. Terms come from Xapian::TermGenerator without a stemmer or stopper; the
/// synthetic corpus is lowercase ASCII pseudo-words that Porter leaves unchanged and that are
/// not stop words, so both engines index the same terms. Like cascade's document store, the
/// document text is stored (as document data) and the external id in value slot 0; every hit
/// is mapped back to its external id, as a TREC run needs. Queries are OP_OR over the query's
/// words weighted by BM25Weight(k1 = 0.9, k2 = 0, k3 = 1, b = 0.4, min_normlen = 0.5), i.e.
/// Anserini's k1 and b (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25
/// and Beyond", 2009); Xapian's matcher prunes with per-term upper bounds (MaxScore-like).
/// Each search thread has its own Database and Enquire (Xapian objects are not thread-safe).

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <xapian.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "timing.hpp"

namespace {

using cascade::bench::Clock;
using cascade::bench::cpu_seconds;
using cascade::bench::seconds_since;

std::uint64_t directory_bytes(const std::filesystem::path& dir) {
    std::uint64_t total = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file())
            total += entry.file_size();
    }
    return total;
}

struct IndexOptions {
    std::string collection;
    std::string db;
    bool positions = false;
    std::uint64_t flush = 0;
    std::string compact_to;
};

int run_index(const IndexOptions& opt) {
    if (opt.flush != 0)
        setenv("XAPIAN_FLUSH_THRESHOLD", std::to_string(opt.flush).c_str(), 1);
    std::ifstream in(opt.collection);
    if (!in)
        throw std::runtime_error("cannot read " + opt.collection);
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    Xapian::WritableDatabase db(opt.db, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
    Xapian::TermGenerator generator;  // no stemmer, no stopper: terms are the lowercased words
    std::string line;
    std::uint64_t docs = 0;
    std::uint64_t postings = 0;
    std::uint64_t tokens = 0;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto record = nlohmann::json::parse(line);
        const auto& contents = record.at("contents").get_ref<const std::string&>();
        Xapian::Document doc;
        generator.set_document(doc);
        if (opt.positions) {
            generator.index_text(contents);
        } else {
            generator.index_text_without_positions(contents);
        }
        doc.set_data(contents);
        doc.add_value(0, record.at("id").get<std::string>());
        postings += doc.termlist_count();
        db.add_document(doc);
        ++docs;
    }
    db.commit();
    tokens = db.get_total_length();
    db.close();
    const double seconds = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    const std::uint64_t bytes = directory_bytes(opt.db);
    std::printf(
        "engine=xapian mode=index docs=%llu tokens=%llu postings=%llu seconds=%.3f "
        "cpu_seconds=%.3f docs_per_s=%.0f bytes=%llu bytes_per_posting=%.3f",
        static_cast<unsigned long long>(docs), static_cast<unsigned long long>(tokens),
        static_cast<unsigned long long>(postings), seconds, cpu,
        static_cast<double>(docs) / seconds, static_cast<unsigned long long>(bytes),
        static_cast<double>(bytes) / static_cast<double>(postings));
    if (!opt.compact_to.empty()) {
        const auto compact_start = Clock::now();
        Xapian::Database(opt.db).compact(opt.compact_to);
        const std::uint64_t compact_bytes = directory_bytes(opt.compact_to);
        std::printf(" compact_seconds=%.3f compact_bytes=%llu compact_bytes_per_posting=%.3f",
                    seconds_since(compact_start), static_cast<unsigned long long>(compact_bytes),
                    static_cast<double>(compact_bytes) / static_cast<double>(postings));
    }
    std::printf("\n");
    return 0;
}

struct SearchOptions {
    std::string db;
    std::string queries;
    std::size_t k = 10;
    unsigned threads = 1;
    std::size_t warmup = 1000;
    std::size_t limit = 0;
    bool no_ids = false;
    std::string run;
};

struct ParsedQuery {
    std::string qid;
    std::vector<std::string> terms;
};

std::vector<ParsedQuery> read_queries(const std::string& path, std::size_t limit) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::vector<ParsedQuery> queries;
    std::string line;
    while (std::getline(in, line) && (limit == 0 || queries.size() < limit)) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos)
            continue;
        ParsedQuery q{line.substr(0, tab), {}};
        std::istringstream words(line.substr(tab + 1));
        for (std::string w; words >> w;) {
            std::transform(w.begin(), w.end(), w.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            q.terms.push_back(std::move(w));
        }
        queries.push_back(std::move(q));
    }
    return queries;
}

struct Hit {
    std::string docid;
    double score;
};

/// Runs queries[next..] (shared counter) on its own database handle; records per-query
/// latency in seconds and, when `hits` is given, the ranked external ids.
void search_worker(const SearchOptions& opt, const std::vector<ParsedQuery>& queries,
                   std::atomic<std::size_t>& next, std::vector<double>& latency,
                   std::vector<std::vector<Hit>>* hits) {
    Xapian::Database db(opt.db);
    Xapian::Enquire enquire(db);
    enquire.set_weighting_scheme(Xapian::BM25Weight(0.9, 0.0, 1.0, 0.4, 0.5));
    for (std::size_t i; (i = next.fetch_add(1)) < queries.size();) {
        const auto start = Clock::now();
        const auto& terms = queries[i].terms;
        enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
        const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(opt.k));
        std::vector<Hit> ranked;
        ranked.reserve(mset.size());
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            ranked.push_back({opt.no_ids ? std::to_string(*it) : it.get_document().get_value(0),
                              it.get_weight()});
        }
        latency[i] = seconds_since(start);
        if (hits != nullptr)
            (*hits)[i] = std::move(ranked);
    }
}

int run_search(const SearchOptions& opt) {
    const auto queries = read_queries(opt.queries, opt.limit);
    std::vector<double> latency(queries.size(), 0.0);
    if (opt.warmup > 0) {  // warm the page cache and the allocator, untimed
        std::vector<ParsedQuery> warm(queries.begin(),
                                      queries.begin() + std::min(opt.warmup, queries.size()));
        std::vector<double> ignored(warm.size());
        std::atomic<std::size_t> next{0};
        search_worker(opt, warm, next, ignored, nullptr);
    }
    std::vector<std::vector<Hit>> hits(opt.run.empty() ? 0 : queries.size());
    auto* hits_ptr = opt.run.empty() ? nullptr : &hits;
    std::atomic<std::size_t> next{0};
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < opt.threads; ++t) {
        workers.emplace_back([&] { search_worker(opt, queries, next, latency, hits_ptr); });
    }
    for (auto& w : workers)
        w.join();
    const double seconds = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    if (!opt.run.empty()) {
        std::ofstream out(opt.run);
        for (std::size_t i = 0; i < queries.size(); ++i) {
            for (std::size_t r = 0; r < hits[i].size(); ++r) {
                out << queries[i].qid << " Q0 " << hits[i][r].docid << ' ' << (r + 1) << ' '
                    << hits[i][r].score << " xapian\n";
            }
        }
        if (!out)
            throw std::runtime_error("cannot write " + opt.run);
    }
    const std::string prefix =
        "engine=xapian mode=search variant=" + std::string(opt.no_ids ? "no-ids" : "with-ids") +
        " k=" + std::to_string(opt.k) + " threads=" + std::to_string(opt.threads);
    cascade::bench::print_search_summary(prefix, latency, seconds, cpu);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Xapian 1.4 peer for cascade's first-stage benchmark", "xapian_driver"};
    app.require_subcommand(1);
    IndexOptions index_opt;
    auto* index = app.add_subcommand("index", "build a Xapian database from a JSONL corpus");
    index->add_option("--collection", index_opt.collection, "JSONL with id and contents")
        ->required();
    index->add_option("--db", index_opt.db, "database folder (overwritten)")->required();
    index->add_flag("--positions", index_opt.positions, "also index term positions");
    index->add_option("--flush", index_opt.flush, "XAPIAN_FLUSH_THRESHOLD (documents)");
    index->add_option("--compact-to", index_opt.compact_to, "also write a compacted copy here");
    SearchOptions search_opt;
    auto* search = app.add_subcommand("search", "run TSV queries, print throughput");
    search->add_option("--db", search_opt.db, "database folder")->required();
    search->add_option("--queries", search_opt.queries, "qid<TAB>text file")->required();
    search->add_option("--k", search_opt.k, "hits per query")->capture_default_str();
    search->add_option("--threads", search_opt.threads, "search threads")
        ->capture_default_str()
        ->check(CLI::Range(1u, 256u));
    search->add_option("--warmup", search_opt.warmup, "untimed queries run first")
        ->capture_default_str();
    search->add_option("--limit", search_opt.limit, "use only the first N queries (0 = all)");
    search->add_option("--run", search_opt.run, "write a TREC run here");
    search->add_flag("--no-ids", search_opt.no_ids,
                     "skip the external-id lookup (the run then holds Xapian docids)");
    CLI11_PARSE(app, argc, argv);
    try {
        if (index->parsed())
            return run_index(index_opt);
        return run_search(search_opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xapian_driver: error: %s\n", e.what());
        return 1;
    } catch (const Xapian::Error& e) {
        std::fprintf(stderr, "xapian_driver: error: %s\n", e.get_description().c_str());
        return 1;
    }
}
