#pragma once
/// Encodes one field's sorted terms and posting lists into the terms, lexicon, postings,
/// positions and norms files (docs/formats/index.md).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/file_io.hpp"
#include "index/format.hpp"

namespace cascade::index {

/// File names of field `i`'s files inside an index directory.
std::string field_file(std::size_t field, std::string_view suffix);

/// Streams terms in ascending byte order into a field's files. Norms must be final before
/// the first term: they choose the per-block (freq, norm) pair that maximizes BM25(k1, b).
class FieldWriter {
public:
    FieldWriter(const std::filesystem::path& dir, std::size_t field, bool positions,
                std::span<const std::uint8_t> norms, double k1, double b, double avgdl);
    ~FieldWriter();

    /// Adds one term. `docids` strictly ascending, `freqs[i] >= 1`; with positions,
    /// `positions` holds freqs[i] ascending positions per posting, concatenated.
    void add_term(std::string_view term, std::span<const std::uint32_t> docids,
                  std::span<const std::uint32_t> freqs, std::span<const std::uint32_t> positions);
    /// Calls `observer` with every term add_term() writes, in order (a shard build records
    /// each term's collection-wide doc_freq this way).
    void on_term(std::function<void(std::string_view)> observer) {
        m_on_term = std::move(observer);
    }
    /// Writes trailers and closes; returns the files' digests.
    std::vector<FileDigest> finish();

    [[nodiscard]] std::uint64_t num_terms() const { return m_num_terms; }
    [[nodiscard]] std::uint64_t num_postings() const { return m_num_postings; }

private:
    /// A block's summary before it is narrowed to a BlockEntry.
    struct BlockSummary {
        std::uint32_t last_docid = 0;
        std::uint32_t data_end = 0;
        std::uint32_t max_freq = 0;
        std::uint32_t best_freq = 0;
        std::uint8_t best_norm = 0;
        std::uint8_t min_norm = 0xff;
    };
    void encode_block(std::span<const std::uint32_t> docids, std::span<const std::uint32_t> freqs,
                      std::uint32_t& next_expected, bool only_block, BlockSummary& entry);
    void write_positions(std::span<const std::uint32_t> freqs,
                         std::span<const std::uint32_t> positions, TermEntry& entry);

    std::unique_ptr<FileWriter> m_terms;
    std::unique_ptr<FileWriter> m_lexicon;
    std::unique_ptr<FileWriter> m_postings;
    std::unique_ptr<FileWriter> m_positions;
    std::span<const std::uint8_t> m_norms;
    double m_k1;
    double m_b;
    double m_avgdl;
    std::vector<std::uint64_t> m_term_offsets;
    std::string m_last_term;
    std::uint64_t m_num_terms = 0;
    std::uint64_t m_num_postings = 0;
    std::vector<std::uint8_t> m_data;    // scratch: one list's block data
    std::vector<BlockSummary> m_blocks;  // scratch: one list's block summaries
    std::vector<std::uint8_t> m_table;   // scratch: one list's block table as written
    std::function<void(std::string_view)> m_on_term;
};

/// Writes field `field`'s norms file: one norm byte per document, then exact lengths.
FileDigest write_norms(const std::filesystem::path& dir, std::size_t field,
                       std::span<const std::uint32_t> lengths);

}  // namespace cascade::index
