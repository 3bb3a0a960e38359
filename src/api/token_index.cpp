/// cascade::add_colbert_part / add_tilde_part: the stored documents through the model runtime
/// into index::MultiVectorWriter / index::TildeWriter.
#include <cascade/token_index.hpp>

#include <cascade/progress.hpp>

#include <chrono>

#include "index/dense_index.hpp"
#include "index/index.hpp"
#include "index/token_store.hpp"
#include "runtime/embedder_id.hpp"
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
                                     "token vectors of " + options.model.dir.string()});
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
    const index::Index idx = index::Index::open(dir);
    ModelPool pool(ModelPoolOptions::for_command(std::max<std::size_t>(1, options.threads)));
    const TildeEncoder encoder = pool.tilde_encoder(options.model);
    TokenIndexReport report;
    report.model = runtime::embedder_id_for_model(options.model.dir);
    index::TildeWriter writer(index::tilde_dir(dir),
                              {report.model, index::docid_fingerprint(idx),
                               "TILDE weights of " + options.model.dir.string()});
    std::vector<std::pair<std::uint32_t, float>> pairs;
    for_each_chunk(idx, options.progress, "tilde", [&](const std::vector<std::string>& texts) {
        for (const auto& doc : encoder.document_weights(texts)) {
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
