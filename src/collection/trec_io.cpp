#include "collection/trec_io.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/atomic_file.hpp"
#include "util/line_reader.hpp"

namespace cascade {

std::size_t Qrels::num_judgments() const {
    std::size_t n = 0;
    for (const auto& [qid, docs] : by_query) {
        n += docs.size();
    }
    return n;
}

std::size_t Run::num_entries() const {
    std::size_t n = 0;
    for (const auto& [qid, entries] : by_query) {
        n += entries.size();
    }
    return n;
}

namespace {

using collection_detail::split_ws;

int parse_int(const LineReader& reader, std::string_view field, std::string_view name) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || ptr != field.data() + field.size()) {
        // BEIR and some tools write grades as "1.0"; accept integral decimals.
        char* end = nullptr;
        std::string copy(field);
        double d = std::strtod(copy.c_str(), &end);
        if (end == copy.c_str() + copy.size() && !copy.empty() && d == static_cast<int>(d)) {
            return static_cast<int>(d);
        }
        reader.fail(fmt::format("field '{}' must be an integer, got '{}'", name, field));
    }
    return value;
}

double parse_double(const LineReader& reader, std::string_view field, std::string_view name) {
    std::string copy(field);
    char* end = nullptr;
    double d = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size()) {
        reader.fail(fmt::format("field '{}' must be a number, got '{}'", name, field));
    }
    return d;
}

}  // namespace

Qrels read_qrels(const std::string& path) {
    LineReader reader(path);
    Qrels qrels;
    std::string line;
    std::vector<std::string_view> f;
    while (reader.next(line)) {
        if (!line.empty() && line[0] == '#') {
            continue;  // trec_eval (get_qrels.c) skips lines that start with '#'
        }
        split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        if (reader.line_number() == 1 && f.size() == 3 && f[0] == "query-id") {
            continue;  // BEIR header
        }
        std::string_view qid;
        std::string_view docid;
        int grade = 0;
        if (f.size() == 4) {
            qid = f[0];
            docid = f[2];
            grade = parse_int(reader, f[3], "rel");
        } else if (f.size() == 3) {
            qid = f[0];
            docid = f[1];
            grade = parse_int(reader, f[2], "score");
        } else {
            reader.fail(
                fmt::format("expected 4 fields 'qid iter docid rel' (TREC) or 3 fields "
                            "'query-id corpus-id score' (BEIR), got {}",
                            f.size()));
        }
        auto& judged = qrels.by_query[std::string(qid)];
        if (!judged.try_emplace(std::string(docid), grade).second) {
            // trec_eval stops with "duplicate docs" (form_res_rels.c) rather than pick a grade.
            reader.fail(fmt::format("duplicate judgment for query '{}' document '{}'", qid, docid));
        }
    }
    return qrels;
}

namespace {
template <typename Writer>
void write_sorted_qrels(const std::string& path, const Qrels& qrels, Writer&& write_line,
                        const char* header) {
    AtomicFile out(path);
    if (header != nullptr) {
        out.stream() << header;
    }
    for (const auto& [qid, docs] : qrels.by_query) {
        std::vector<std::pair<std::string, int>> sorted(docs.begin(), docs.end());
        std::sort(sorted.begin(), sorted.end());
        for (const auto& [docid, rel] : sorted) {
            write_line(out.stream(), qid, docid, rel);
        }
    }
    out.commit();
}
}  // namespace

void write_qrels_trec(const std::string& path, const Qrels& qrels) {
    write_sorted_qrels(
        path, qrels,
        [](std::ostream& os, const std::string& q, const std::string& d, int r) {
            os << q << " 0 " << d << ' ' << r << '\n';
        },
        nullptr);
}

void write_qrels_beir(const std::string& path, const Qrels& qrels) {
    write_sorted_qrels(
        path, qrels,
        [](std::ostream& os, const std::string& q, const std::string& d, int r) {
            os << q << '\t' << d << '\t' << r << '\n';
        },
        "query-id\tcorpus-id\tscore\n");
}

Run read_run(const std::string& path) {
    LineReader reader(path);
    Run run;
    std::string line;
    std::vector<std::string_view> f;
    while (reader.next(line)) {
        split_ws(line, f);
        if (f.empty() || f[0].front() == '#') {
            continue;  // trec_eval (get_trec_results.c) skips blank and '#' comment lines
        }
        if (f.size() != 6 && f.size() != 5) {
            reader.fail(
                fmt::format("expected 6 fields 'qid Q0 docid rank score tag', got {}", f.size()));
        }
        RunEntry e;
        e.docid = std::string(f[2]);
        e.rank = parse_int(reader, f[3], "rank");
        e.score = parse_double(reader, f[4], "score");
        if (f.size() == 6) {
            run.tag = f[5];  // trec_eval reports the last line's tag as the run id
        }
        run.by_query[std::string(f[0])].push_back(std::move(e));
    }
    return run;
}

void write_run(const std::string& path, const Run& run) {
    AtomicFile out(path);
    std::string buf;
    for (const auto& [qid, entries] : run.by_query) {
        int rank = 1;
        for (const auto& e : entries) {
            buf.clear();
            fmt::format_to(std::back_inserter(buf), "{} Q0 {} {} {:.6f} {}\n", qid, e.docid, rank++,
                           e.score, run.tag);
            out.stream() << buf;
        }
    }
    out.commit();
}

}  // namespace cascade
