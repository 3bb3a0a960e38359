#include "index/doc_store.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "index/format.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace {
constexpr std::size_t kIdChunk = 1 << 20;
}

std::string_view IdMapWriter::store(std::string_view id) {
    if (m_chunks.empty() || m_chunk_used + id.size() > m_chunk_size) {
        m_chunk_size = std::max(kIdChunk, id.size());
        m_chunks.push_back(std::make_unique<char[]>(m_chunk_size));
        m_chunk_used = 0;
    }
    char* p = m_chunks.back().get() + m_chunk_used;
    std::memcpy(p, id.data(), id.size());
    m_chunk_used += id.size();
    return {p, id.size()};
}

std::uint32_t IdMapWriter::add(std::string_view id, const std::function<std::string()>& location) {
    CASCADE_ASSERT(m_ids.size() < UINT32_MAX - 1);
    auto docid = static_cast<std::uint32_t>(m_ids.size());
    auto it = m_lookup.find(id);
    if (it != m_lookup.end()) {
        std::string where = location ? location() : std::string();
        throw InputError(where.empty() ? m_source : where,
                         "duplicate document id '" + std::string(id) + "' (document #" +
                             std::to_string(docid + 1) + ", first seen as document #" +
                             std::to_string(it->second + 1) + ")");
    }
    std::string_view stored = store(id);
    m_ids.push_back(stored);
    m_lookup.emplace(stored, docid);
    return docid;
}

FileDigest IdMapWriter::write(const std::filesystem::path& dir) const {
    FileWriter out(dir / "docids", kDocIdsMagic);
    std::vector<std::uint32_t> sorted(m_ids.size());
    std::iota(sorted.begin(), sorted.end(), 0U);
    std::sort(sorted.begin(), sorted.end(),
              [this](std::uint32_t a, std::uint32_t b) { return m_ids[a] < m_ids[b]; });
    // The ranks first, right after the 16-byte header, so that a reader can use them in place
    // (4-byte aligned in the mapping) without building them at its first search.
    std::vector<std::uint32_t> ranks(m_ids.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        ranks[sorted[i]] = static_cast<std::uint32_t>(i);
    }
    out.write(ranks.data(), ranks.size() * sizeof(std::uint32_t));
    std::vector<std::uint64_t> offsets;
    offsets.reserve(m_ids.size() + 1);
    offsets.push_back(0);
    for (std::string_view id : m_ids) {
        out.write(id.data(), id.size());
        offsets.push_back(offsets.back() + id.size());
    }
    out.write(offsets.data(), offsets.size() * sizeof(std::uint64_t));
    out.write(sorted.data(), sorted.size() * sizeof(std::uint32_t));
    out.put<std::uint64_t>(m_ids.size());
    return out.finish();
}

void DocStoreWriter::FreeContext::operator()(ZSTD_CCtx* context) const {
    ZSTD_freeCCtx(context);
}

DocStoreWriter::DocStoreWriter(const std::filesystem::path& dir)
    : m_file(std::make_unique<FileWriter>(dir / "docstore", kDocStoreMagic)),
      m_context(ZSTD_createCCtx()) {
    if (!m_context) {
        throw Error("cannot create a zstd compression context (out of memory?)");
    }
    m_raw.reserve(kDocBlockBytes * 2);
}

DocStoreWriter::~DocStoreWriter() = default;

void DocStoreWriter::add(const Document& doc) {
    if (m_block_docs == 0) {
        m_block_first.push_back(m_num_docs);
        m_block_offsets.push_back(m_file->size());
    }
    auto title_len = static_cast<std::uint32_t>(doc.title.size());
    auto text_len = static_cast<std::uint32_t>(doc.text.size());
    m_raw.append(reinterpret_cast<const char*>(&title_len), 4);
    m_raw.append(reinterpret_cast<const char*>(&text_len), 4);
    m_raw.append(doc.title);
    m_raw.append(doc.text);
    ++m_num_docs;
    ++m_block_docs;
    if (m_raw.size() >= kDocBlockBytes) {
        flush_block();
    }
}

void DocStoreWriter::flush_block() {
    if (m_block_docs == 0) {
        return;
    }
    m_compressed.resize(ZSTD_compressBound(m_raw.size()));
    std::size_t n = ZSTD_compressCCtx(m_context.get(), m_compressed.data(), m_compressed.size(),
                                      m_raw.data(), m_raw.size(), kDocStoreZstdLevel);
    CASCADE_ASSERT(!ZSTD_isError(n));
    m_file->write(m_compressed.data(), n);
    m_raw.clear();
    m_block_docs = 0;
}

FileDigest DocStoreWriter::finish() {
    flush_block();
    m_block_first.push_back(m_num_docs);
    m_block_offsets.push_back(m_file->size());
    auto num_blocks = static_cast<std::uint32_t>(m_block_first.size() - 1);
    m_file->write(m_block_first.data(), m_block_first.size() * sizeof(std::uint32_t));
    m_file->write(m_block_offsets.data(), m_block_offsets.size() * sizeof(std::uint64_t));
    m_file->put<std::uint32_t>(num_blocks);
    return m_file->finish();
}

}  // namespace cascade::index
