#include "cli_common.hpp"

#include <cstdio>
#include <set>

#include <fmt/format.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>

namespace cascade::cli {

std::vector<Query> load_query_set(const std::string& path, const std::string& format,
                                  const std::string& qids_from) {
    std::vector<Query> queries = read_queries(path, format);
    std::set<std::string> seen;
    for (const Query& q : queries) {
        if (!seen.insert(q.id).second) {
            throw InputError(path, fmt::format("query id '{}' appears twice", q.id));
        }
    }
    if (!qids_from.empty()) {
        Qrels qrels = read_qrels(qids_from);
        std::erase_if(queries, [&](const Query& q) { return !qrels.by_query.contains(q.id); });
    }
    return queries;
}

void print_hits(std::span<const Index> indexes, const Run& run, std::size_t show) {
    std::string out;
    std::size_t rank = 0;
    for (const auto& [qid, entries] : run.by_query) {
        for (const RunEntry& e : entries) {
            if (rank++ == show) {
                break;
            }
            std::string title;
            for (const Index& index : indexes) {
                if (const auto docid = index.internal_id(e.docid)) {
                    const Document doc = index.document(*docid);
                    title = doc.title.empty() ? doc.text.substr(0, 80) : doc.title;
                    break;
                }
            }
            out += fmt::format("{:>3}  {:<12} {:>10.4f}  {}\n", rank, e.docid, e.score, title);
        }
    }
    if (rank == 0) {
        out = "no hits\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace cascade::cli
