#include "collection/trec_io.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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

/// Splits on runs of spaces and tabs.
void split_ws(std::string_view line, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') {
            ++j;
        }
        if (j > i) {
            out.push_back(line.substr(i, j - i));
        }
        i = j;
    }
}

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
        split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        if (reader.line_number() == 1 && f.size() == 3 && f[0] == "query-id") {
            continue;  // BEIR header
        }
        if (f.size() == 4) {
            qrels.by_query[std::string(f[0])][std::string(f[2])] =
                parse_int(reader, f[3], "rel");
        } else if (f.size() == 3) {
            qrels.by_query[std::string(f[0])][std::string(f[1])] =
                parse_int(reader, f[2], "score");
        } else {
            reader.fail(fmt::format(
                "expected 4 fields 'qid iter docid rel' (TREC) or 3 fields "
                "'query-id corpus-id score' (BEIR), got {}",
                f.size()));
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
    bool tag_set = false;
    while (reader.next(line)) {
        split_ws(line, f);
        if (f.empty()) {
            continue;
        }
        if (f.size() != 6 && f.size() != 5) {
            reader.fail(fmt::format(
                "expected 6 fields 'qid Q0 docid rank score tag', got {}", f.size()));
        }
        RunEntry e;
        e.docid = std::string(f[2]);
        e.rank = parse_int(reader, f[3], "rank");
        e.score = parse_double(reader, f[4], "score");
        if (f.size() == 6 && !tag_set) {
            run.tag = std::string(f[5]);
            tag_set = true;
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
            fmt::format_to(std::back_inserter(buf), "{} Q0 {} {} {:.6f} {}\n", qid, e.docid,
                           rank++, e.score, run.tag);
            out.stream() << buf;
        }
    }
    out.commit();
}

}  // namespace cascade
