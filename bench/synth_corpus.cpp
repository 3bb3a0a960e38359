/// Deterministic synthetic collection for first-stage benchmarks, shaped like MS MARCO passages.
///
///   synth_corpus --docs 1000000 --queries 10000 --out DIR
///
/// writes DIR/corpus.jsonl (`{"id": "...", "contents": "..."}` per line) and DIR/queries.tsv
/// (`qid<TAB>text`). The same options give byte-identical files on every machine: all
/// randomness comes from det_random.hpp.
///
/// - Vocabulary: `--vocab` pronounceable lowercase ASCII pseudo-words built from syllables.
///   Every word is a fixed point of Snowball's Porter stemmer (libstemmer, the stemmer cascade
///   uses) and none is in Lucene's English stop set, so cascade's default analyzer and an
///   unstemmed analyzer (Xapian's TermGenerator) index the same terms. Shorter words get the
///   more frequent ranks, as in natural language.
/// - Term frequencies: Zipf-Mandelbrot p(r) ~ 1 / (r + 10) (exponent 1, Zipf 1949;
///   Mandelbrot's offset flattens the head as stop-word removal does in real indexes).
/// - Document lengths: log-normal, mean 56 words, sigma 0.45 (MS MARCO v1 passages average
///   about 56 words with a long right tail), clamped to [2, 400].
/// - Queries: MS MARCO-like length histogram (mean about 6 words, mostly 2-10). Each query
///   has a source document; a term is drawn from that document's words with probability 0.85,
///   otherwise uniformly from the rare tail of the vocabulary (ranks above 1000). Documents
///   do not depend on the number of queries (separate random streams).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include <libstemmer.h>
#include <CLI/CLI.hpp>

#include "det_random.hpp"

namespace cascade::bench {
namespace {

constexpr const char* kOnsets[] = {"b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",
                                   "n",  "p",  "r",  "s",  "t",  "v",  "w",  "z",  "bl", "br",
                                   "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "kl", "pl",
                                   "pr", "sh", "sk", "sl", "sn", "sp", "st", "tr", "th", "qu"};
constexpr const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "oa", "oo", "ei"};
constexpr const char* kMedialCodas[] = {"n", "r", "l", "m"};
constexpr const char* kFinalCodas[] = {
    "b",  "d",  "f",  "g",  "k",  "l",  "m",  "n",  "p",  "r",  "t",  "x",  "ck", "ft", "lk", "lp",
    "mp", "nd", "nk", "nt", "rb", "rd", "rk", "rm", "rn", "rp", "rt", "sk", "sp", "st", "th"};

/// Lucene's default English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET).
const std::unordered_set<std::string> kStopWords = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

template <std::size_t N>
const char* pick(Rng& rng, const char* const (&items)[N]) {
    return items[rng.below(N)];
}

std::string make_candidate(Rng& rng) {
    static const DiscreteSampler syllables({0.0, 0.08, 0.42, 0.38, 0.12});
    const std::size_t count = syllables(rng);
    std::string word;
    for (std::size_t i = 0; i < count; ++i) {
        word += pick(rng, kOnsets);
        word += pick(rng, kVowels);
        if (i + 1 < count && rng.below(10) < 3)
            word += pick(rng, kMedialCodas);
    }
    word += pick(rng, kFinalCodas);
    return word;
}

/// `size` distinct Porter-stable, non-stop words, shortest first (rank 0 is the most frequent).
std::vector<std::string> make_vocabulary(std::size_t size, std::uint64_t seed) {
    sb_stemmer* stemmer = sb_stemmer_new("porter", "UTF_8");
    if (stemmer == nullptr)
        throw std::runtime_error("libstemmer has no 'porter' stemmer");
    Rng rng(seed);
    std::unordered_set<std::string> seen;
    std::vector<std::string> words;
    words.reserve(size);
    while (words.size() < size) {
        std::string word = make_candidate(rng);
        if (kStopWords.count(word) != 0 || seen.count(word) != 0)
            continue;
        const auto* stem = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                           static_cast<int>(word.size()));
        const std::string_view stemmed(reinterpret_cast<const char*>(stem),
                                       static_cast<std::size_t>(sb_stemmer_length(stemmer)));
        if (stemmed != word)
            continue;
        seen.insert(word);
        words.push_back(std::move(word));
    }
    sb_stemmer_delete(stemmer);
    std::stable_sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
        return a.size() < b.size();
    });
    return words;
}

DiscreteSampler zipf_sampler(std::size_t vocab) {
    std::vector<double> weights(vocab);
    for (std::size_t r = 0; r < vocab; ++r)
        weights[r] = 1.0 / (static_cast<double>(r) + 11.0);
    return DiscreteSampler(weights);
}

/// Index i holds the weight of length i (0 and 1 get none).
std::vector<double> doc_length_weights() {
    constexpr double kMean = 56.0;
    constexpr double kSigma = 0.45;
    const double mu = det_log(kMean) - kSigma * kSigma / 2.0;
    std::vector<double> weights(401, 0.0);
    for (std::size_t len = 2; len < weights.size(); ++len) {
        const double z = (det_log(static_cast<double>(len)) - mu) / kSigma;
        weights[len] = det_exp(-z * z / 2.0) / static_cast<double>(len);
    }
    return weights;
}

/// MS MARCO-like query lengths in words, index = length, in parts per thousand.
std::vector<double> query_length_weights() {
    return {0, 5, 35, 110, 170, 180, 155, 115, 80, 55, 35, 22, 15, 10, 7, 4, 2, 2, 1, 1, 1};
}

double mean_of(const std::vector<double>& weights) {
    double total = 0.0;
    double sum = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        total += weights[i];
        sum += weights[i] * static_cast<double>(i);
    }
    return sum / total;
}

struct Options {
    std::size_t docs = 1'000'000;
    std::size_t queries = 10'000;
    std::size_t vocab = 1'000'000;
    std::uint64_t seed = 20261125;
    std::string out;
};

class Writer {
public:
    explicit Writer(std::filesystem::path path) : m_path(std::move(path)) {
        m_tmp = m_path;
        m_tmp += ".tmp";
        m_file = std::fopen(m_tmp.c_str(), "wb");
        if (m_file == nullptr)
            throw std::runtime_error("cannot write " + m_tmp.string());
        std::setvbuf(m_file, nullptr, _IOFBF, 1 << 20);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer() {
        if (m_file != nullptr)
            std::fclose(m_file);
    }
    void write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), m_file); }
    void commit() {
        const bool failed = std::ferror(m_file) != 0;
        if (std::fclose(m_file) != 0 || failed) {
            m_file = nullptr;
            throw std::runtime_error("write failed: " + m_tmp.string());
        }
        m_file = nullptr;
        std::filesystem::rename(m_tmp, m_path);
    }

private:
    std::filesystem::path m_path;
    std::filesystem::path m_tmp;
    std::FILE* m_file = nullptr;
};

struct QuerySource {
    std::size_t doc;
    std::size_t qid;
};

std::string make_query(Rng& rng, const std::vector<std::uint32_t>& doc_terms,
                       const std::vector<std::string>& vocab, const DiscreteSampler& lengths) {
    const std::size_t length = lengths(rng);
    std::vector<std::uint32_t> chosen;
    for (std::size_t i = 0; i < length; ++i) {
        std::uint32_t term = 0;
        for (int attempt = 0; attempt < 8; ++attempt) {
            if (rng.below(100) < 85) {
                term = doc_terms[rng.below(doc_terms.size())];
            } else {
                term = static_cast<std::uint32_t>(1000 + rng.below(vocab.size() - 1000));
            }
            if (std::find(chosen.begin(), chosen.end(), term) == chosen.end())
                break;
        }
        chosen.push_back(term);
    }
    std::string text;
    for (const auto term : chosen) {
        if (!text.empty())
            text += ' ';
        text += vocab[term];
    }
    return text;
}

int run(const Options& opt) {
    const auto start = std::chrono::steady_clock::now();
    std::filesystem::create_directories(opt.out);
    const std::vector<std::string> vocab = make_vocabulary(opt.vocab, opt.seed);
    const DiscreteSampler zipf = zipf_sampler(vocab.size());
    const auto length_weights = doc_length_weights();
    const DiscreteSampler doc_lengths(length_weights);
    const DiscreteSampler query_lengths(query_length_weights());

    Rng doc_rng(opt.seed + 1);
    Rng query_rng(opt.seed + 2);
    std::vector<QuerySource> sources(opt.queries);
    for (std::size_t q = 0; q < opt.queries; ++q)
        sources[q] = {query_rng.below(opt.docs), q};
    std::sort(sources.begin(), sources.end(), [](const QuerySource& a, const QuerySource& b) {
        return a.doc != b.doc ? a.doc < b.doc : a.qid < b.qid;
    });
    std::vector<std::string> queries(opt.queries);

    Writer corpus(std::filesystem::path(opt.out) / "corpus.jsonl");
    std::vector<bool> used(vocab.size(), false);
    std::vector<std::uint32_t> terms;
    std::string line;
    std::uint64_t tokens = 0;
    std::size_t next_source = 0;
    for (std::size_t d = 0; d < opt.docs; ++d) {
        terms.resize(doc_lengths(doc_rng));
        for (auto& t : terms)
            t = static_cast<std::uint32_t>(zipf(doc_rng));
        line = "{\"id\": \"" + std::to_string(d) + "\", \"contents\": \"";
        for (std::size_t i = 0; i < terms.size(); ++i) {
            if (i != 0)
                line += ' ';
            line += vocab[terms[i]];
            used[terms[i]] = true;
        }
        line += "\"}\n";
        corpus.write(line);
        tokens += terms.size();
        for (; next_source < sources.size() && sources[next_source].doc == d; ++next_source) {
            queries[sources[next_source].qid] = make_query(query_rng, terms, vocab, query_lengths);
        }
    }
    corpus.commit();

    Writer query_file(std::filesystem::path(opt.out) / "queries.tsv");
    for (std::size_t q = 0; q < queries.size(); ++q) {
        query_file.write(std::to_string(q + 1) + '\t' + queries[q] + '\n');
    }
    query_file.commit();

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "synth_corpus: %zu docs, %llu tokens (mean %.2f, model %.2f), %zu distinct terms "
                 "used of %zu, %zu queries (model mean length %.2f), %.1f s\n",
                 opt.docs, static_cast<unsigned long long>(tokens),
                 static_cast<double>(tokens) / static_cast<double>(opt.docs),
                 mean_of(length_weights),
                 static_cast<std::size_t>(std::count(used.begin(), used.end(), true)), vocab.size(),
                 opt.queries, mean_of(query_length_weights()), seconds);
    return 0;
}

}  // namespace
}  // namespace cascade::bench

int main(int argc, char** argv) {
    cascade::bench::Options opt;
    CLI::App app{"Deterministic MS MARCO-shaped synthetic corpus and queries", "synth_corpus"};
    app.add_option("--docs", opt.docs, "number of documents")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32));
    app.add_option("--queries", opt.queries, "number of queries")->capture_default_str();
    app.add_option("--vocab", opt.vocab, "vocabulary size (> 1000)")
        ->capture_default_str()
        ->check(CLI::Range(1001, 100'000'000));
    app.add_option("--seed", opt.seed, "random seed")->capture_default_str();
    app.add_option("--out", opt.out, "output folder (corpus.jsonl, queries.tsv)")->required();
    CLI11_PARSE(app, argc, argv);
    try {
        return cascade::bench::run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synth_corpus: error: %s\n", e.what());
        return 1;
    }
}
