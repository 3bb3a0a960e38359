#include "index/builder.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>

#include <unistd.h>

#include "index/doc_store.hpp"
#include "index/field_writer.hpp"
#include "index/format.hpp"
#include "index/index.hpp"
#include "index/inverter.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace cascade::index {

namespace fs = std::filesystem;

namespace {

enum class FieldSource { kFlat, kTitle, kText };

/// One field of an analyzed batch: per document, its distinct terms with frequencies.
struct AnalyzedField {
    struct Occurrence {
        std::uint32_t offset;  // term bytes in `arena`
        std::uint32_t length;
        std::uint32_t freq;
        std::uint32_t positions;  // first position in `positions`
        std::uint64_t hash;
    };
    std::string arena;
    std::vector<Occurrence> occurrences;
    std::vector<std::uint32_t> doc_end;  // per document: end index into occurrences
    std::vector<std::uint32_t> lengths;  // per document: tokens
    std::vector<std::uint32_t> positions;
};

struct Batch {
    std::vector<Document> docs;
    std::vector<AnalyzedField> fields;
    std::vector<std::uint8_t> own;  ///< per document: inverted into this index (shards)
};

/// Scratch space of analyze_field, kept across documents.
struct GroupScratch {
    std::vector<std::uint32_t> table;  // open addressing: group + 1, 0 when empty
    std::vector<std::uint32_t> first;  // per group: its first token
    std::vector<std::uint32_t> last;   // per group: its last token so far
    std::vector<std::uint32_t> count;  // per group: tokens
    std::vector<std::uint64_t> hash;   // per group: term_hash of its term
    std::vector<std::uint32_t> next;   // per token: the group's next token (UINT32_MAX: none)
};

void analyze_field(std::string_view text, const text::Analyzer& analyzer, bool positions,
                   AnalyzedField& out, std::vector<std::string>& terms,
                   std::vector<std::uint32_t>& term_positions, GroupScratch& g) {
    terms.clear();
    term_positions.clear();
    analyzer.analyze(text, terms, positions ? &term_positions : nullptr);
    CASCADE_ASSERT(!positions || term_positions.size() == terms.size());
    // Group equal terms with a small hash table (the term_hash the inverter needs anyway),
    // chaining each group's tokens in token order, so positions come out ascending. Groups
    // are emitted in order of first occurrence; the inverter does not care about the order.
    const auto n = static_cast<std::uint32_t>(terms.size());
    std::size_t capacity = 16;
    while (capacity < 2 * std::size_t{n}) {
        capacity *= 2;
    }
    const std::size_t mask = capacity - 1;
    g.table.assign(capacity, 0);
    g.first.clear();
    g.last.clear();
    g.count.clear();
    g.hash.clear();
    g.next.assign(n, UINT32_MAX);
    for (std::uint32_t t = 0; t < n; ++t) {
        const std::uint64_t h = term_hash(terms[t]);
        std::size_t slot = static_cast<std::size_t>(h) & mask;
        while (true) {
            const std::uint32_t entry = g.table[slot];
            if (entry == 0) {
                g.table[slot] = static_cast<std::uint32_t>(g.first.size()) + 1;
                g.first.push_back(t);
                g.last.push_back(t);
                g.count.push_back(1);
                g.hash.push_back(h);
                break;
            }
            const std::uint32_t group = entry - 1;
            if (g.hash[group] == h && terms[g.first[group]] == terms[t]) {
                g.next[g.last[group]] = t;
                g.last[group] = t;
                ++g.count[group];
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
    for (std::size_t group = 0; group < g.first.size(); ++group) {
        const std::string& term = terms[g.first[group]];
        AnalyzedField::Occurrence occ{};
        occ.offset = static_cast<std::uint32_t>(out.arena.size());
        occ.length = static_cast<std::uint32_t>(term.size());
        occ.freq = g.count[group];
        occ.positions = static_cast<std::uint32_t>(out.positions.size());
        occ.hash = g.hash[group];
        out.arena.append(term);
        if (positions) {
            for (std::uint32_t t = g.first[group]; t != UINT32_MAX; t = g.next[t]) {
                out.positions.push_back(term_positions[t]);
            }
        }
        out.occurrences.push_back(occ);
    }
    out.doc_end.push_back(static_cast<std::uint32_t>(out.occurrences.size()));
    out.lengths.push_back(n);
}

void analyze_batch(Batch& batch, const text::Analyzer& analyzer,
                   const std::vector<FieldSource>& sources, bool positions) {
    batch.fields.assign(sources.size(), AnalyzedField{});
    std::vector<std::string> terms;
    std::vector<std::uint32_t> term_positions;
    GroupScratch groups;
    std::string flat;
    for (const Document& doc : batch.docs) {
        for (std::size_t f = 0; f < sources.size(); ++f) {
            std::string_view text;
            switch (sources[f]) {
                case FieldSource::kFlat:
                    // Anserini's BeirFlatCollection: contents = title + "\n" + text.
                    flat.assign(doc.title).append("\n").append(doc.text);
                    text = flat;
                    break;
                case FieldSource::kTitle:
                    text = doc.title;
                    break;
                case FieldSource::kText:
                    text = doc.text;
                    break;
            }
            analyze_field(text, analyzer, positions, batch.fields[f], terms, term_positions,
                          groups);
            CASCADE_ASSERT(batch.fields[f].arena.size() < UINT32_MAX);
        }
    }
}

std::vector<FieldSource> field_sources(const BuildOptions& options,
                                       std::vector<std::string>& names) {
    std::vector<FieldSource> sources;
    if (options.fields.empty()) {
        names = {"contents"};
        return {FieldSource::kFlat};
    }
    for (const std::string& name : options.fields) {
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            throw UsageError("field '" + name + "' is listed twice in --fields");
        }
        if (name == "title") {
            sources.push_back(FieldSource::kTitle);
        } else if (name == "text") {
            sources.push_back(FieldSource::kText);
        } else {
            throw UsageError("unknown field '" + name + "' in --fields (accepted: title, text)");
        }
        names.push_back(name);
    }
    return sources;
}

/// Per-field state of a build.
struct FieldState {
    std::string name;
    std::unique_ptr<Inverter> inverter;
    std::vector<std::uint32_t> lengths;
    FieldStats stats;
};

/// Postings ahead of the current one whose hash-table slot is prefetched.
constexpr std::size_t kPrefetchAhead = 16;

/// Counts a batch's documents into the collection-wide statistics of a shard build.
void count_batch(const Batch& batch, GlobalStatsCounter& global) {
    for (std::size_t f = 0; f < batch.fields.size(); ++f) {
        const AnalyzedField& af = batch.fields[f];
        std::uint32_t begin = 0;
        for (std::size_t d = 0; d < af.doc_end.size(); ++d) {
            global.add_length(f, af.lengths[d]);
            for (std::uint32_t i = begin; i < af.doc_end[d]; ++i) {
                const auto& occ = af.occurrences[i];
                global.add_term(f, std::string_view(af.arena.data() + occ.offset, occ.length));
            }
            begin = af.doc_end[d];
        }
    }
}

void invert_batch(const Batch& batch, std::uint32_t first_docid, std::vector<FieldState>& fields,
                  bool positions) {
    for (std::size_t f = 0; f < fields.size(); ++f) {
        const AnalyzedField& af = batch.fields[f];
        FieldState& state = fields[f];
        std::uint32_t begin = 0;
        std::uint32_t docid = first_docid;
        for (std::size_t d = 0; d < af.doc_end.size(); ++d) {
            if (!batch.own.empty() && batch.own[d] == 0) {
                begin = af.doc_end[d];
                continue;
            }
            for (std::uint32_t i = begin; i < af.doc_end[d]; ++i) {
                if (i + kPrefetchAhead < af.occurrences.size()) {
                    state.inverter->prefetch(af.occurrences[i + kPrefetchAhead].hash);
                }
                const auto& occ = af.occurrences[i];
                std::string_view term(af.arena.data() + occ.offset, occ.length);
                state.inverter->add(docid, term, occ.hash, occ.freq,
                                    positions ? af.positions.data() + occ.positions : nullptr);
            }
            begin = af.doc_end[d];
            state.lengths.push_back(af.lengths[d]);
            ++docid;
        }
    }
}

void write_manifest(const fs::path& dir, std::uint32_t num_docs, const std::string& analyzer,
                    bool positions, const std::vector<FieldState>& fields,
                    const std::vector<FileDigest>& files, const ShardSpec& shard = {}) {
    FileWriter out(dir / "manifest", kManifestMagic);
    out.put<std::uint32_t>(num_docs);
    out.put<std::uint32_t>(static_cast<std::uint32_t>(fields.size()));
    out.put<double>(kDefaultK1);
    out.put<double>(kDefaultB);
    out.put<std::uint8_t>(positions ? 1 : 0);
    out.put_string(analyzer);
    for (const FieldState& f : fields) {
        out.put_string(f.name);
        out.put<std::uint32_t>(f.stats.doc_count);
        out.put<std::uint64_t>(f.stats.sum_total_term_freq);
        out.put<std::uint64_t>(f.stats.num_terms);
        out.put<std::uint64_t>(f.stats.num_postings);
    }
    out.put<std::uint32_t>(static_cast<std::uint32_t>(files.size()));
    for (const FileDigest& d : files) {
        out.put_string(d.name);
        out.put<std::uint64_t>(d.size);
        out.put<std::uint32_t>(d.crc32);
    }
    if (shard.sharded()) {
        out.put<std::uint32_t>(shard.shard);
        out.put<std::uint32_t>(shard.count);
    }
    out.put_checksum();
    out.finish();
}

}  // namespace

namespace {

/// Writes every field's files from its inverter; fills the field stats. For a shard
/// (`global` set), block-max pairs are chosen with the collection's avgdl and `global_out`
/// gets each field's collection statistics and the global doc_freq of every written term.
void write_fields(const fs::path& dir, std::uint32_t num_docs, bool positions,
                  std::vector<FieldState>& fields, std::vector<FileDigest>& files,
                  const GlobalStatsCounter* global = nullptr,
                  std::vector<GlobalFieldStats>* global_out = nullptr) {
    for (std::size_t f = 0; f < fields.size(); ++f) {
        FieldState& state = fields[f];
        CASCADE_ASSERT(state.lengths.size() == num_docs);
        state.stats.name = state.name;
        for (std::uint32_t len : state.lengths) {
            state.stats.doc_count += len > 0 ? 1 : 0;
            state.stats.sum_total_term_freq += len;
        }
        std::vector<std::uint8_t> norms(num_docs);
        for (std::uint32_t d = 0; d < num_docs; ++d) {
            norms[d] = int_to_byte4(state.lengths[d]);
        }
        double avgdl =
            state.stats.doc_count > 0
                ? static_cast<double>(state.stats.sum_total_term_freq) / state.stats.doc_count
                : 1.0;
        if (global != nullptr) {
            avgdl = global->avgdl(f);
        }
        FieldWriter writer(dir, f, positions, norms, kDefaultK1, kDefaultB, avgdl);
        if (global != nullptr) {
            GlobalFieldStats& out = global_out->emplace_back();
            out.doc_count = global->doc_count(f);
            out.sum_total_term_freq = global->sum_total_term_freq(f);
            writer.on_term([global, f, &out](std::string_view term) {
                out.doc_freq.push_back(global->doc_freq(f, term));
            });
        }
        state.inverter->write(writer);
        state.inverter.reset();
        state.stats.num_terms = writer.num_terms();
        state.stats.num_postings = writer.num_postings();
        for (auto& d : writer.finish()) {
            files.push_back(std::move(d));
        }
        files.push_back(write_norms(dir, f, state.lengths));
        state.lengths = {};
    }
}

/// Reads, analyzes (in parallel batches) and inverts (in order) every document; returns the
/// number of spills.
std::uint32_t ingest(DocumentReader& docs, const text::Analyzer& analyzer,
                     const std::vector<FieldSource>& sources, const BuildOptions& options,
                     std::vector<FieldState>& fields, IdMapWriter& ids, DocStoreWriter& store,
                     GlobalStatsCounter* global) {
    const bool positions = options.positions;
    const std::size_t batch_docs = std::max<std::size_t>(1, options.batch_docs);
    Progress progress("index", docs.total_bytes(), "bytes", options.progress);

    std::uint32_t spills = 0;
    std::uint64_t ordinal = 0;  // the document's place in the collection
    std::deque<std::pair<std::uint32_t, std::future<Batch>>> pending;
    auto consume = [&] {
        auto [first, future] = std::move(pending.front());
        pending.pop_front();
        Batch batch = future.get();
        if (global != nullptr) {
            count_batch(batch, *global);
        }
        invert_batch(batch, first, fields, positions);
        std::uint64_t memory = 0;
        for (const FieldState& f : fields) {
            memory += f.inverter->memory_bytes();
        }
        if (memory > options.memory_budget) {
            for (FieldState& f : fields) {
                f.inverter->spill();
            }
            ++spills;
        }
    };
    while (true) {
        Batch batch;
        batch.docs.reserve(batch_docs);
        Document doc;
        std::uint32_t first = ids.size();
        while (batch.docs.size() < batch_docs && docs.next(doc)) {
            const bool own = options.shard.owns(ordinal++);
            if (!own && options.combine_stats) {
                continue;  // another rank analyzes and counts it
            }
            if (own) {
                ids.add(doc.id, [&docs] { return docs.location(); });
                store.add(doc);
            }
            if (global != nullptr) {
                global->add_document(doc.id);
                batch.own.push_back(own ? 1 : 0);
            }
            batch.docs.push_back(std::move(doc));
        }
        if (batch.docs.empty()) {
            break;
        }
        pending.emplace_back(first, std::async(std::launch::async, [b = std::move(batch), &analyzer,
                                                                    &sources, positions]() mutable {
                                 analyze_batch(b, analyzer, sources, positions);
                                 b.docs = {};
                                 return std::move(b);
                             }));
        progress.set(docs.bytes_consumed());
        while (pending.size() > options.threads) {
            consume();
        }
    }
    while (!pending.empty()) {
        consume();
    }
    progress.finish();
    return spills;
}

}  // namespace

namespace {

/// Sizes of the index files in `out` (all, and postings only).
void measure(const fs::path& out, BuildSummary& summary) {
    for (const auto& entry : fs::directory_iterator(out)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        summary.index_bytes += entry.file_size();
        if (entry.path().extension() == ".postings") {
            summary.postings_bytes += entry.file_size();
        }
    }
}

}  // namespace

BuildSummary build_pretokenized_index(PretokenizedSource& docs, const fs::path& dir,
                                      const PretokenizedBuildOptions& options) {
    auto start = std::chrono::steady_clock::now();
    AtomicDirectory staging(dir);
    const fs::path out = staging.staging();
    const fs::path spill_dir = options.temp_dir.empty() ? out / "spill" : options.temp_dir;
    fs::create_directories(spill_dir);
    const std::string spill_prefix = "cascade-spill-" + std::to_string(::getpid()) + ".pre";

    std::vector<FieldState> fields(1);
    fields[0].name = options.field;
    fields[0].inverter = std::make_unique<Inverter>(false, spill_dir, spill_prefix);
    Inverter& inverter = *fields[0].inverter;
    IdMapWriter ids(options.source);
    DocStoreWriter store(out);
    BuildSummary summary;
    Progress progress("index", docs.total(), "bytes", options.progress);

    PretokenizedDoc doc;
    Document stored;
    const std::size_t batch = std::max<std::size_t>(1, options.batch_docs);
    while (docs.next(doc)) {
        CASCADE_ASSERT(doc.terms.size() == doc.freqs.size());
        const std::uint32_t docid = ids.add(doc.id, [&docs] { return docs.location(); });
        stored.id = doc.id;
        store.add(stored);
        std::uint64_t length = 0;
        for (std::size_t i = 0; i < doc.terms.size(); ++i) {
            CASCADE_ASSERT(doc.freqs[i] >= 1);
            inverter.add(docid, doc.terms[i], term_hash(doc.terms[i]), doc.freqs[i], nullptr);
            length += doc.freqs[i];
        }
        fields[0].lengths.push_back(
            static_cast<std::uint32_t>(std::min<std::uint64_t>(length, UINT32_MAX)));
        if ((docid + 1) % batch == 0) {
            if (inverter.memory_bytes() > options.memory_budget) {
                inverter.spill();
                ++summary.spilled_runs;
            }
            progress.set(docs.consumed());
        }
    }
    progress.finish();

    const std::uint32_t num_docs = ids.size();
    std::vector<FileDigest> files;
    write_fields(out, num_docs, false, fields, files);
    files.push_back(ids.write(out));
    files.push_back(store.finish());
    write_manifest(out, num_docs, options.analyzer, false, fields, files);
    if (options.temp_dir.empty()) {
        fs::remove_all(spill_dir);
    }
    if (options.before_commit) {
        options.before_commit(out);
    }
    summary.num_docs = num_docs;
    summary.num_terms = fields[0].stats.num_terms;
    summary.num_postings = fields[0].stats.num_postings;
    measure(out, summary);
    staging.commit();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
}

BuildSummary build_index(DocumentReader& docs, const text::Analyzer& analyzer, const fs::path& dir,
                         const BuildOptions& options) {
    auto start = std::chrono::steady_clock::now();
    if (options.threads < 1) {
        throw UsageError("--threads must be at least 1");
    }
    validate(options.shard);
    std::vector<std::string> names;
    const std::vector<FieldSource> sources = field_sources(options, names);
    const bool positions = options.positions;

    AtomicDirectory staging(dir);
    const fs::path out = staging.staging();
    const fs::path spill_dir = options.temp_dir.empty() ? out / "spill" : options.temp_dir;
    fs::create_directories(spill_dir);
    const std::string spill_prefix = "cascade-spill-" + std::to_string(::getpid());

    std::vector<FieldState> fields(names.size());
    for (std::size_t f = 0; f < names.size(); ++f) {
        fields[f].name = names[f];
        fields[f].inverter = std::make_unique<Inverter>(positions, spill_dir,
                                                        spill_prefix + ".f" + std::to_string(f));
    }
    IdMapWriter ids(options.source);
    DocStoreWriter store(out);
    BuildSummary summary;
    std::unique_ptr<GlobalStatsCounter> global;
    if (options.shard.sharded()) {
        const bool own_only = static_cast<bool>(options.combine_stats);
        global = std::make_unique<GlobalStatsCounter>(names.size(), options.shard.count,
                                                      own_only ? options.shard.shard : 0,
                                                      own_only ? options.shard.count : 1);
    }
    summary.spilled_runs =
        ingest(docs, analyzer, sources, options, fields, ids, store, global.get());
    if (global && options.combine_stats) {
        options.combine_stats(*global);
    }

    const std::uint32_t num_docs = ids.size();
    std::vector<FileDigest> files;
    std::vector<GlobalFieldStats> global_fields;
    write_fields(out, num_docs, positions, fields, files, global.get(), &global_fields);
    files.push_back(ids.write(out));
    files.push_back(store.finish());
    if (global) {
        std::string salt = std::to_string(options.shard.count) + '\n' + analyzer.name() + '\n' +
                           (positions ? "positions" : "") + '\n';
        for (const std::string& name : names) {
            salt += name + '\n';
        }
        files.push_back(write_global_stats(out, options.shard, global->fingerprint(salt),
                                           global->num_docs(), global_fields));
        global.reset();
    }
    write_manifest(out, num_docs, analyzer.name(), positions, fields, files, options.shard);
    if (options.temp_dir.empty()) {
        fs::remove_all(spill_dir);
    }

    summary.num_docs = num_docs;
    for (const FieldState& f : fields) {
        summary.num_terms += f.stats.num_terms;
        summary.num_postings += f.stats.num_postings;
    }
    for (const auto& entry : fs::directory_iterator(out)) {
        summary.index_bytes += entry.file_size();
        if (entry.path().extension() == ".postings") {
            summary.postings_bytes += entry.file_size();
        }
    }
    staging.commit();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
}

}  // namespace cascade::index
