#include "index/field_writer.hpp"

#include "index/block_codec.hpp"
#include "index/small_float.hpp"
#include "util/error.hpp"

namespace cascade::index {

std::string field_file(std::size_t field, std::string_view suffix) {
    return "f" + std::to_string(field) + "." + std::string(suffix);
}

FieldWriter::FieldWriter(const std::filesystem::path& dir, std::size_t field, bool positions,
                         std::span<const std::uint8_t> norms, double k1, double b, double avgdl)
    : m_terms(std::make_unique<FileWriter>(dir / field_file(field, "terms"), kTermsMagic)),
      m_lexicon(std::make_unique<FileWriter>(dir / field_file(field, "lex"), kLexiconMagic)),
      m_postings(std::make_unique<FileWriter>(dir / field_file(field, "postings"), kPostingsMagic)),
      m_norms(norms),
      m_k1(k1),
      m_b(b),
      m_avgdl(avgdl > 0 ? avgdl : 1.0) {
    if (positions) {
        m_positions =
            std::make_unique<FileWriter>(dir / field_file(field, "positions"), kPositionsMagic);
    }
    m_term_offsets.push_back(0);
}

FieldWriter::~FieldWriter() = default;

void FieldWriter::encode_block(std::span<const std::uint32_t> docids,
                               std::span<const std::uint32_t> freqs, std::uint32_t& next_expected,
                               bool only_block, BlockSummary& entry) {
    const std::size_t n = docids.size();
    alignas(64) std::uint32_t gaps[kBlockSize];
    alignas(64) std::uint32_t fm1[kBlockSize];
    entry = BlockSummary{};
    double best = -1.0;
    for (std::size_t i = 0; i < n; ++i) {
        CASCADE_ASSERT(docids[i] >= next_expected && freqs[i] >= 1);
        gaps[i] = docids[i] - next_expected;
        next_expected = docids[i] + 1;
        fm1[i] = freqs[i] - 1;
        std::uint8_t norm = m_norms[docids[i]];
        entry.max_freq = std::max(entry.max_freq, freqs[i]);
        entry.min_norm = std::min(entry.min_norm, norm);
        double s = bm25_tf_factor(freqs[i], norm, m_k1, m_b, m_avgdl);
        if (s > best) {
            best = s;
            entry.best_freq = freqs[i];
            entry.best_norm = norm;
        }
    }
    entry.last_docid = docids[n - 1];
    if (n == kBlockSize) {
        // Gaps, then freqs-1, each a patched section (block_codec.hpp).
        std::uint8_t sections[2 * kMaxPatchedBytes];
        std::size_t bytes = encode_patched128(gaps, sections);
        bytes += encode_patched128(fm1, sections + bytes);
        m_data.insert(m_data.end(), sections, sections + bytes);
    } else if (only_block) {
        // A short list: its docids Elias-Fano coded below num_docs, then (unless every freq
        // is 1, which the term's max_freq says) the freqs-1 at the width of max_freq - 1.
        std::uint8_t code[elias_fano_max_bytes(kBlockSize) + std::size_t{kBlockSize} * 4];
        const auto universe = static_cast<std::uint32_t>(m_norms.size());
        std::size_t bytes = elias_fano_encode(docids.data(), n, universe, code);
        if (entry.max_freq > 1) {
            bytes += pack_bits(fm1, n, bit_width_of(entry.max_freq - 1), code + bytes);
        }
        m_data.insert(m_data.end(), code, code + bytes);
    } else {
        // A tail block: bit-packed or varints, whichever is smaller (the first byte says).
        std::uint8_t varints[kBlockSize * 10 + 1];
        std::uint8_t* p = varints;
        *p++ = kTailVarint;
        for (std::size_t i = 0; i < n; ++i) {
            p = vbyte_encode(gaps[i], p);
        }
        for (std::size_t i = 0; i < n; ++i) {
            p = vbyte_encode(fm1[i], p);
        }
        // Packed: the first gap as a varint, then the others at one width.
        const std::uint32_t wd = max_bit_width(gaps + 1, n - 1);
        const std::uint32_t wf = max_bit_width(fm1, n);
        std::uint8_t packed[2 + 5 + 2 * kBlockSize * 4];
        std::uint8_t* q = packed;
        *q++ = static_cast<std::uint8_t>(wd | (wf == 0 ? kTailFreqsAllOne : 0));
        if (wf != 0) {
            *q++ = static_cast<std::uint8_t>(wf);
        }
        q = vbyte_encode(gaps[0], q);
        q += pack_bits(gaps + 1, n - 1, wd, q);
        if (wf != 0) {
            q += pack_bits(fm1, n, wf, q);
        }
        if (q - packed < p - varints) {
            m_data.insert(m_data.end(), packed, q);
        } else {
            m_data.insert(m_data.end(), varints, p);
        }
    }
    CASCADE_ASSERT(m_data.size() <= UINT32_MAX);
    entry.data_end = static_cast<std::uint32_t>(m_data.size());
}

void FieldWriter::add_term(std::string_view term, std::span<const std::uint32_t> docids,
                           std::span<const std::uint32_t> freqs,
                           std::span<const std::uint32_t> positions) {
    CASCADE_ASSERT(!docids.empty() && docids.size() == freqs.size());
    CASCADE_ASSERT(m_num_terms == 0 || m_last_term < term);
    m_last_term.assign(term);
    if (m_on_term) {
        m_on_term(term);
    }
    const auto df = static_cast<std::uint32_t>(docids.size());
    const std::uint32_t num_blocks = (df + kBlockSize - 1) / kBlockSize;
    m_data.clear();
    m_blocks.resize(num_blocks);
    std::uint32_t next_expected = 0;
    TermEntry entry{};
    entry.doc_freq = df;
    entry.min_norm = 0xff;
    double best = -1.0;
    for (std::uint32_t b = 0; b < num_blocks; ++b) {
        std::size_t begin = std::size_t{b} * kBlockSize;
        std::size_t n = std::min<std::size_t>(kBlockSize, df - begin);
        BlockSummary& block = m_blocks[b];
        encode_block(docids.subspan(begin, n), freqs.subspan(begin, n), next_expected,
                     num_blocks == 1, block);
        entry.max_freq = std::max(entry.max_freq, block.max_freq);
        entry.min_norm = std::min(entry.min_norm, block.min_norm);
        double s = bm25_tf_factor(block.best_freq, block.best_norm, m_k1, m_b, m_avgdl);
        if (s > best) {
            best = s;
            entry.best_freq = block.best_freq;
            entry.best_norm = block.best_norm;
        }
    }
    for (std::uint32_t f : freqs) {
        entry.total_term_freq += f;
    }
    entry.postings_offset = m_postings->size();
    if (num_blocks > 1) {
        // Narrow the summaries; a freq that does not fit 16 bits leaves the list's own value
        // (an upper bound of the block's) to the reader.
        m_table.resize(std::size_t{num_blocks} * kBlockEntrySize);
        auto narrow = [](std::uint32_t freq) {
            return static_cast<std::uint16_t>(std::min<std::uint32_t>(freq, kSaturatedFreq));
        };
        for (std::uint32_t b = 0; b < num_blocks; ++b) {
            const BlockSummary& s = m_blocks[b];
            store_block_entry(BlockEntry{s.last_docid, s.data_end, narrow(s.max_freq),
                                         narrow(s.best_freq), s.best_norm, s.min_norm},
                              m_table.data() + std::size_t{b} * kBlockEntrySize);
        }
        m_postings->write(m_table.data(), m_table.size());
    }
    m_postings->write(m_data.data(), m_data.size());
    if (m_positions) {
        CASCADE_ASSERT(positions.size() == entry.total_term_freq);
        write_positions(freqs, positions, entry);
    }
    m_terms->put(entry);
    m_lexicon->write(term.data(), term.size());
    m_term_offsets.push_back(m_term_offsets.back() + term.size());
    ++m_num_terms;
    m_num_postings += df;
}

void FieldWriter::write_positions(std::span<const std::uint32_t> freqs,
                                  std::span<const std::uint32_t> positions, TermEntry& entry) {
    entry.positions_offset = m_positions->size();
    const std::size_t df = freqs.size();
    const std::size_t num_blocks = (df + kBlockSize - 1) / kBlockSize;
    m_data.clear();
    std::vector<std::uint64_t> block_starts;
    std::size_t at = 0;
    std::uint8_t buf[5];
    for (std::size_t i = 0; i < df; ++i) {
        if (i % kBlockSize == 0) {
            block_starts.push_back(m_data.size());
        }
        std::uint32_t prev = 0;
        for (std::uint32_t k = 0; k < freqs[i]; ++k, ++at) {
            CASCADE_ASSERT(k == 0 || positions[at] > prev);
            std::uint8_t* end = vbyte_encode(positions[at] - prev, buf);
            m_data.insert(m_data.end(), buf, end);
            prev = positions[at];
        }
    }
    if (num_blocks > 1) {
        m_positions->write(block_starts.data(), block_starts.size() * sizeof(std::uint64_t));
    }
    m_positions->write(m_data.data(), m_data.size());
}

std::vector<FileDigest> FieldWriter::finish() {
    m_terms->put<std::uint64_t>(m_num_terms);
    m_lexicon->write(m_term_offsets.data(), m_term_offsets.size() * sizeof(std::uint64_t));
    m_lexicon->put<std::uint64_t>(m_num_terms);
    std::vector<FileDigest> out;
    out.push_back(m_terms->finish());
    out.push_back(m_lexicon->finish());
    // Zero bytes after the last list, so decoders may read whole 8-byte words past any code.
    const std::uint8_t padding[kReadPadding] = {};
    m_postings->write(padding, sizeof(padding));
    out.push_back(m_postings->finish());
    if (m_positions) {
        out.push_back(m_positions->finish());
    }
    return out;
}

FileDigest write_norms(const std::filesystem::path& dir, std::size_t field,
                       std::span<const std::uint32_t> lengths) {
    FileWriter out(dir / field_file(field, "norms"), kNormsMagic);
    std::vector<std::uint8_t> norms(lengths.size());
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        norms[i] = int_to_byte4(lengths[i]);
    }
    out.write(norms.data(), norms.size());
    out.pad_to(4);
    out.write(lengths.data(), lengths.size() * sizeof(std::uint32_t));
    return out.finish();
}

}  // namespace cascade::index
