#pragma once
/// Writers for the external-id map and the zstd-compressed document store.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collection/types.hpp"
#include "index/file_io.hpp"

typedef struct ZSTD_CCtx_s ZSTD_CCtx;  // NOLINT(modernize-use-using): as <zstd.h> declares it

namespace cascade::index {

/// Uncompressed bytes gathered before a document-store block is compressed.
inline constexpr std::size_t kDocBlockBytes = std::size_t{32} * 1024;
/// zstd level of document-store blocks (zstd's default level).
inline constexpr int kDocStoreZstdLevel = 3;

/// Collects external ids in docid order, rejecting duplicates, and writes the `docids` file.
class IdMapWriter {
public:
    /// `source` names the collection in error messages.
    explicit IdMapWriter(std::string source) : m_source(std::move(source)) {}

    /// Registers the next document's id; returns its docid. Throws InputError on a duplicate
    /// ("LOCATION: duplicate document id 'X' (document #N, first seen as document #M)"), where
    /// LOCATION is what `location` returns (the reader's "path:line"; called only on a
    /// duplicate) or, when that is empty or not given, the source.
    std::uint32_t add(std::string_view id, const std::function<std::string()>& location = {});
    [[nodiscard]] std::uint32_t size() const { return static_cast<std::uint32_t>(m_ids.size()); }
    FileDigest write(const std::filesystem::path& dir) const;

private:
    std::string_view store(std::string_view id);

    std::string m_source;
    std::vector<std::unique_ptr<char[]>> m_chunks;
    std::size_t m_chunk_used = 0;
    std::size_t m_chunk_size = 0;
    std::vector<std::string_view> m_ids;
    std::unordered_map<std::string_view, std::uint32_t> m_lookup;
};

/// Appends documents (title and text) in docid order into zstd blocks.
class DocStoreWriter {
public:
    explicit DocStoreWriter(const std::filesystem::path& dir);
    ~DocStoreWriter();
    void add(const Document& doc);
    FileDigest finish();

private:
    void flush_block();

    /// Frees a zstd compression context.
    struct FreeContext {
        void operator()(ZSTD_CCtx* context) const;
    };

    std::unique_ptr<FileWriter> m_file;
    /// One compression context for every block: ZSTD_compress would set up (and clear the
    /// tables of) a fresh one per 32 KiB block.
    std::unique_ptr<ZSTD_CCtx, FreeContext> m_context;
    std::string m_raw;
    std::vector<char> m_compressed;
    std::vector<std::uint32_t> m_block_first;
    std::vector<std::uint64_t> m_block_offsets;
    std::uint32_t m_num_docs = 0;
    std::uint32_t m_block_docs = 0;
};

}  // namespace cascade::index
