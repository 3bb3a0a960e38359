#include "retrieve/bm25_retriever.hpp"
#include "retrieve/algorithm/run_top_k.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "retrieve/index_cursor.hpp"
#include "util/error.hpp"

namespace cascade::retrieve {

namespace {
std::size_t field_position(const index::Index& index, std::string_view name) {
    for (std::size_t i = 0; i < index.num_fields(); ++i) {
        if (index.field(i).name() == name) {
            return i;
        }
    }
    return index.num_fields();
}

std::string field_names(const index::Index& index) {
    std::string names;
    for (std::size_t i = 0; i < index.num_fields(); ++i) {
        names += (i == 0 ? "" : ", ") + index.field(i).name();
    }
    return names;
}
}  // namespace

Algorithm parse_algorithm(std::string_view name) {
    if (name == "exhaustive") {
        return Algorithm::exhaustive;
    }
    if (name == "maxscore") {
        return Algorithm::maxscore;
    }
    if (name == "wand") {
        return Algorithm::wand;
    }
    if (name == "bmw" || name == "block-max-wand") {
        return Algorithm::block_max_wand;
    }
    if (name == "bmm" || name == "block-max-maxscore") {
        return Algorithm::block_max_maxscore;
    }
    throw UsageError("unknown algorithm '" + std::string(name) +
                     "': expected exhaustive, maxscore, wand, bmw or bmm");
}

std::string_view algorithm_name(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::exhaustive:
            return "exhaustive";
        case Algorithm::maxscore:
            return "maxscore";
        case Algorithm::wand:
            return "wand";
        case Algorithm::block_max_wand:
            return "bmw";
        case Algorithm::block_max_maxscore:
            return "bmm";
    }
    return "?";
}

Bm25Retriever::Bm25Retriever(const index::Index& index, Bm25Options options)
    : m_index(&index), m_options(std::move(options)) {
    validate(m_options.params);
    if (m_options.fields.empty()) {
        for (std::size_t i = 0; i < index.num_fields(); ++i) {
            m_options.fields.push_back({index.field(i).name(), 1.0F});
        }
    }
    for (const FieldWeight& fw : m_options.fields) {
        if (field_position(index, fw.name) == index.num_fields()) {
            throw UsageError("the index has no field '" + fw.name + "' (it has " +
                             field_names(index) + ")");
        }
    }
    m_analyzer = text::make_analyzer(index.analyzer_name());
    for (std::size_t i = 0; i < index.num_fields(); ++i) {
        // A shard scores with the whole collection's statistics (index::Index::shard()).
        const index::FieldStats& stats = index.field(i).collection_stats();
        m_field_scorers.emplace_back(m_options.params,
                                     lucene_avgdl(stats.sum_total_term_freq, stats.doc_count));
    }
    m_stored_pairs_apply = static_cast<float>(index.k1()) == m_options.params.k1 &&
                           static_cast<float>(index.b()) == m_options.params.b;
}

std::string_view Bm25Retriever::external_id(std::uint32_t docid) const {
    return m_index->external_id(docid);
}

std::string Bm25Retriever::name() const {
    return fmt::format("bm25(k1={},b={})", m_options.params.k1, m_options.params.b);
}

std::vector<WeightedTerm> Bm25Retriever::parse(std::string_view text) const {
    return bag_of_words(*m_analyzer, text, m_options.fields);
}

std::vector<Hit> Bm25Retriever::search_terms(std::span<const WeightedTerm> terms,
                                             std::size_t k) const {
    return search_terms(terms, k, m_options.algorithm);
}

std::vector<Hit> Bm25Retriever::search_terms(std::span<const WeightedTerm> terms, std::size_t k,
                                             Algorithm algorithm) const {
    if (k == 0) {
        return {};
    }
    // The query's terms are looked up together, field by field (FieldIndex::terms overlaps
    // their searches), and each list's first reads are started before any list is opened.
    const std::size_t num_fields = m_index->num_fields();
    std::vector<std::size_t> field_of(terms.size(), num_fields);  // num_fields: skipped
    for (std::size_t i = 0; i < terms.size(); ++i) {
        if (terms[i].boost > 0.0F) {
            field_of[i] = field_position(*m_index, terms[i].field);
        }
    }
    std::vector<std::optional<index::TermInfo>> infos(terms.size());
    std::vector<std::string_view> texts;
    std::vector<std::optional<index::TermInfo>> field_infos;
    for (std::size_t f = 0; f < num_fields; ++f) {
        texts.clear();
        for (std::size_t i = 0; i < terms.size(); ++i) {
            if (field_of[i] == f) {
                texts.push_back(terms[i].term);
            }
        }
        if (texts.empty()) {
            continue;
        }
        field_infos.assign(texts.size(), std::nullopt);
        m_index->field(f).terms(texts, field_infos);
        std::size_t next = 0;
        for (std::size_t i = 0; i < terms.size(); ++i) {
            if (field_of[i] == f) {
                infos[i] = field_infos[next++];
            }
        }
    }
    struct Found {
        std::size_t field;
        index::TermInfo info;
        float weight;
    };
    std::vector<Found> found;
    found.reserve(terms.size());
    for (std::size_t i = 0; i < terms.size(); ++i) {
        const std::optional<index::TermInfo>& info = infos[i];
        if (field_of[i] == num_fields || !info || info->doc_freq == 0) {
            continue;
        }
        const index::FieldIndex& field = m_index->field(field_of[i]);
        field.prefetch_postings(*info);
        float weight = term_weight(terms[i].boost, lucene_idf(field.collection_doc_freq(*info),
                                                              field.collection_stats().doc_count));
        found.push_back({field_of[i], *info, weight});
    }
    std::vector<Bm25IndexCursor> cursors;
    cursors.reserve(found.size());
    for (const Found& x : found) {
        cursors.emplace_back(m_index->field(x.field), x.info, m_field_scorers[x.field], x.weight,
                             m_stored_pairs_apply);
    }
    return run_top_k(std::span<Bm25IndexCursor>(cursors), k, m_index->id_ranks().data(), algorithm);
}

std::vector<std::vector<Hit>> Bm25Retriever::search(std::span<const Query> queries,
                                                    std::size_t k) const {
    std::vector<std::vector<Hit>> results(queries.size());
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
        try {
            for (std::size_t i = next++; i < queries.size(); i = next++) {
                std::vector<WeightedTerm> terms = parse(queries[i].text);
                results[i] = search_terms(terms, k);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (!failure) {
                failure = std::current_exception();
            }
            next = queries.size();
        }
    };
    unsigned threads = std::max(1U, m_options.threads);
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, queries.size()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) {
        pool.emplace_back(work);
    }
    work();
    for (std::thread& t : pool) {
        t.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    return results;
}

void remove_query_hits(const Retriever& retriever, std::span<const Query> queries,
                       std::vector<std::vector<Hit>>& results) {
    CASCADE_ASSERT(queries.size() == results.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        std::erase_if(results[i], [&](const Hit& h) {
            return retriever.external_id(h.docid) == queries[i].id;
        });
    }
}

Run to_run(const Retriever& retriever, std::span<const Query> queries,
           const std::vector<std::vector<Hit>>& results, std::string tag) {
    CASCADE_ASSERT(queries.size() == results.size());
    Run run;
    run.tag = std::move(tag);
    for (std::size_t i = 0; i < queries.size(); ++i) {
        std::vector<RunEntry>& entries = run.by_query[queries[i].id];
        int rank = static_cast<int>(entries.size());
        for (const Hit& h : results[i]) {
            entries.push_back({std::string(retriever.external_id(h.docid)),
                               static_cast<double>(h.score), ++rank});
        }
    }
    return run;
}

}  // namespace cascade::retrieve
