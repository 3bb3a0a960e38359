#pragma once
/// On-disk records shared by the index writer and reader. Byte-level layouts are specified in
/// docs/formats/index.md; all integers are little-endian, read with memcpy (no alignment).

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cascade::index {

/// Postings per compressed block; the last block of a list may be shorter (the "tail").
inline constexpr std::uint32_t kBlockSize = 128;

/// Format version written by this build; readers refuse any other.
inline constexpr std::uint32_t kFormatVersion = 2;

/// Magic numbers (8 ASCII bytes) that open every index file.
inline constexpr std::string_view kManifestMagic = "CSCD-MAN";
inline constexpr std::string_view kTermsMagic = "CSCD-TRM";
inline constexpr std::string_view kLexiconMagic = "CSCD-LEX";
inline constexpr std::string_view kPostingsMagic = "CSCD-PST";
inline constexpr std::string_view kPositionsMagic = "CSCD-POS";
inline constexpr std::string_view kNormsMagic = "CSCD-NRM";
inline constexpr std::string_view kDocIdsMagic = "CSCD-IDS";
inline constexpr std::string_view kDocStoreMagic = "CSCD-DOC";

/// Every file starts with magic (8 bytes) + version (u32) + reserved (u32).
inline constexpr std::size_t kFileHeaderSize = 16;

/// First byte of a tail block (fewer than 128 postings): kTailVarint, then LEB128 gaps and
/// freqs-1; otherwise the gaps' bit width (0..32) with kTailFreqsAllOne set when every freq is 1
/// (no freq data follows), else a second byte with the freqs-1 bit width; then the first gap
/// as a LEB128 varint, the other gaps bit-packed at the width and the freqs-1 bit-packed
/// (block_codec.hpp pack_bits). The width covers gaps 2..n only: a list's first gap is its
/// first docid.
inline constexpr std::uint8_t kTailVarint = 0x80;
inline constexpr std::uint8_t kTailFreqsAllOne = 0x40;
inline constexpr std::uint8_t kTailWidthMask = 0x3f;

/// Per-block summary stored before the block data of lists with more than one block
/// (single-block lists use the term's own summary). 20 bytes on disk.
struct BlockEntry {
    std::uint32_t last_docid;  ///< largest docid in the block
    std::uint32_t data_end;    ///< end of the block's bytes, relative to the list's data start
    std::uint32_t max_freq;    ///< largest term frequency in the block
    std::uint32_t best_freq;   ///< freq of the posting maximizing BM25(k1, b) in the block
    std::uint8_t best_norm;    ///< norm byte of that posting
    std::uint8_t min_norm;     ///< smallest norm byte (shortest document) in the block
    std::uint16_t reserved;
};
inline constexpr std::size_t kBlockEntrySize = 20;
static_assert(sizeof(BlockEntry) == kBlockEntrySize);

/// Per-term record in the terms file, 40 bytes on disk, in the same order as the sorted terms.
struct TermEntry {
    std::uint64_t postings_offset;   ///< byte offset of the list in the postings file
    std::uint64_t positions_offset;  ///< byte offset in the positions file (0 without positions)
    std::uint64_t total_term_freq;   ///< sum of freqs over the list
    std::uint32_t doc_freq;          ///< number of postings
    std::uint32_t max_freq;
    std::uint32_t best_freq;
    std::uint8_t best_norm;
    std::uint8_t min_norm;
    std::uint16_t reserved;
};
inline constexpr std::size_t kTermEntrySize = 40;
static_assert(sizeof(TermEntry) == kTermEntrySize);

template <class T>
inline T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

}  // namespace cascade::index
