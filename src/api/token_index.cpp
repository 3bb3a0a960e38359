/// cascade::add_colbert_part / add_tilde_part: the stored documents through the model runtime
/// into index::MultiVectorWriter / index::TildeWriter.
#include <cascade/token_index.hpp>

#include <cascade/progress.hpp>

#include <chrono>
#include <fstream>
#include <limits>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "index/dense_index.hpp"
#include "index/index.hpp"
#include "index/token_store.hpp"
#include "runtime/embedder_id.hpp"
#include "runtime/token_family.hpp"
#include "util/error.hpp"

namespace cascade {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kChunk = 256;

/// Calls `encode(texts, first docid)` for every chunk of the index's documents, in order.
template <class Encode>
void for_each_chunk(const index::Index& idx, bool progress_on, const char* label, Encode&& encode) {
    Progress progress(label, idx.num_docs(), "docs", progress_on);
    for (std::uint32_t start = 0; start < idx.num_docs(); start += kChunk) {
        const std::uint32_t end = std::min(idx.num_docs(), start + kChunk);
        std::vector<std::string> texts;
        texts.reserve(end - start);
        for (std::uint32_t d = start; d < end; ++d) {
            Document doc = idx.document(d);
            texts.push_back(doc.title.empty() ? doc.text : doc.title + " " + doc.text);
        }
        encode(texts);
        progress.set(end);
    }
    progress.finish();
}

/// The expansion model's vocabulary must be TILDEv2's: its ids are fed to TILDEv2 unchanged.
void check_vocabulary(const runtime::TildeExpansion& expansion, const TildeEncoder& encoder,
                      const TokenIndexOptions& options) {
    const std::size_t n = expansion.tokenizer_size();
    bool same = true;
    for (std::size_t id = 0; same && id < n; ++id)
        same = expansion.term(static_cast<std::int32_t>(id)) ==
               encoder.term(static_cast<std::int32_t>(id));
    same = same && encoder.term(static_cast<std::int32_t>(n)).empty();
    if (!same)
        throw UsageError(fmt::format(
            "{}: the expansion model's vocabulary ({} entries) is not the TILDEv2 folder's ({}); "
            "expansion ids go to TILDEv2 as they are, so both need the same tokenizer",
            options.expansion.dir.string(), n, options.model.dir.string()));
}

/// ielab/TILDE expansion.py's output: per line {"pid": id, "psg": [token ids]}, the id a
/// string or an integer.
std::unordered_map<std::string, std::vector<std::int32_t>> read_expansions(
    const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in)
        throw IoError::from_errno("cannot open", path.string());
    std::unordered_map<std::string, std::vector<std::int32_t>> out;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw InputError(path.string(), number, "not a JSON object");
        if (!j.contains("pid") || !(j["pid"].is_string() || j["pid"].is_number_integer()))
            throw InputError(path.string(), number,
                             "field \"pid\" (the document id) must be a string or an integer");
        const std::string id = j["pid"].is_string() ? j["pid"].get<std::string>() : j["pid"].dump();
        if (!j.contains("psg") || !j["psg"].is_array())
            throw InputError(path.string(), number,
                             "field \"psg\" must be an array of token ids (expansion.py without "
                             "--store_raw)");
        std::vector<std::int32_t> ids;
        ids.reserve(j["psg"].size());
        for (const auto& v : j["psg"]) {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
                v.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())
                throw InputError(path.string(), number,
                                 fmt::format("field \"psg\": {} is not a token id", v.dump()));
            ids.push_back(v.get<std::int32_t>());
        }
        if (!out.emplace(id, std::move(ids)).second)
            throw InputError(path.string(), number,
                             fmt::format("document \"{}\" listed twice", id));
    }
    return out;
}

}  // namespace

TokenIndexReport add_colbert_part(const std::filesystem::path& dir,
                                  const TokenIndexOptions& options) {
    const auto start = Clock::now();
    const index::TokenCodec codec = index::parse_token_codec(options.codec);
    const index::Index idx = index::Index::open(dir);
    ModelPool pool(ModelPoolOptions::for_command(std::max<std::size_t>(1, options.threads)));
    const TokenEncoder encoder = pool.token_encoder(options.model);
    TokenIndexReport report;
    report.model = runtime::embedder_id_for_model(options.model.dir);
    report.dim = static_cast<std::uint32_t>(encoder.dim());
    index::MultiVectorWriter writer(index::multivector_dir(dir), report.dim, codec,
                                    {report.model, index::docid_fingerprint(idx),
                                     "token vectors of " + options.model.dir.string(), ""});
    for_each_chunk(idx, options.progress, "colbert", [&](const std::vector<std::string>& texts) {
        for (const std::vector<float>& doc : encoder.encode_documents(texts)) {
            writer.add(doc);
            report.tokens += doc.size() / report.dim;
        }
    });
    writer.finish();
    const auto store = index::MultiVectorStore::open(index::multivector_dir(dir));
    report.num_docs = store.size();
    report.bytes = store.total_bytes();
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

TokenIndexReport add_tilde_part(const std::filesystem::path& dir,
                                const TokenIndexOptions& options) {
    const auto start = Clock::now();
    const bool by_model = !options.expansion.dir.empty();
    const bool by_file = !options.expansion_file.empty();
    if (by_model && by_file)
        throw UsageError(
            "give a TILDE expansion model or a file of expansions made elsewhere, not both");
    const index::Index idx = index::Index::open(dir);
    ModelPool pool(ModelPoolOptions::for_command(std::max<std::size_t>(1, options.threads)));
    const TildeEncoder encoder = pool.tilde_encoder(options.model);
    TokenIndexReport report;
    report.model = runtime::embedder_id_for_model(options.model.dir);
    std::unique_ptr<runtime::TildeExpansion> expansion;
    std::unordered_map<std::string, std::vector<std::int32_t>> expanded;
    if (by_model) {
        expansion = std::make_unique<runtime::TildeExpansion>(options.expansion, options.threads,
                                                              options.expansion_terms);
        check_vocabulary(*expansion, encoder, options);
        report.expansion = fmt::format("tilde m={} {}", options.expansion_terms,
                                       runtime::embedder_id_for_model(options.expansion.dir));
    } else if (by_file) {
        expanded = read_expansions(options.expansion_file);
        report.expansion = "file " + options.expansion_file.string();
    }
    index::TokenPartOptions part{report.model, index::docid_fingerprint(idx),
                                 "TILDE weights of " + options.model.dir.string(),
                                 report.expansion};
    index::TildeWriter writer(index::tilde_dir(dir), std::move(part));
    std::vector<std::pair<std::uint32_t, float>> pairs;
    std::uint32_t next = 0;  // docid of the chunk's first document
    for_each_chunk(idx, options.progress, "tilde", [&](const std::vector<std::string>& texts) {
        std::vector<std::vector<WeightedToken>> docs;
        if (expansion) {
            docs = encoder.document_weights_of_ids(expansion->expand(texts));
        } else if (by_file) {
            std::vector<std::vector<std::int32_t>> contents;
            contents.reserve(texts.size());
            for (std::uint32_t d = next; d < next + texts.size(); ++d) {
                const std::string id = idx.document(d).id;
                auto it = expanded.find(id);
                if (it == expanded.end())
                    throw InputError(options.expansion_file.string(),
                                     fmt::format("no expansion for document \"{}\" of the index "
                                                 "(every document needs a line)",
                                                 id));
                contents.push_back(std::move(it->second));
            }
            docs = encoder.document_weights_of_ids(contents);
        } else {
            docs = encoder.document_weights(texts);
        }
        next += static_cast<std::uint32_t>(texts.size());
        for (const auto& doc : docs) {
            pairs.clear();
            for (const WeightedToken& t : doc)
                pairs.emplace_back(static_cast<std::uint32_t>(t.id), t.weight);
            writer.add(pairs);
            report.tokens += pairs.size();
        }
    });
    writer.finish();
    const auto store = index::TildeStore::open(index::tilde_dir(dir));
    report.num_docs = store.size();
    report.bytes = store.total_bytes();
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

}  // namespace cascade
