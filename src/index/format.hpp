#pragma once
/// On-disk records shared by the index writer and reader. Byte-level layouts are specified in
/// docs/formats/index.md; all integers are little-endian, read with memcpy (no alignment).

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cascade::index {

/// Postings per compressed block; the last block of a list may be shorter (the "tail").
inline constexpr std::uint32_t kBlockSize = 128;

/// Format version written by this build into every file but the postings; readers refuse any
/// other.
inline constexpr std::uint32_t kFormatVersion = 2;
/// The postings file's version: 3 since its codec changed (patched blocks, Elias-Fano short
/// lists, 14-byte block entries). Kept apart so that the other parts of an index, a dense part
/// above all (hours of embedding), stay readable across a postings change.
inline constexpr std::uint32_t kPostingsFormatVersion = 3;

/// The docids file's version: 3 since it stores the id ranks (the inverse of its sorted order)
/// at build time instead of every process inverting that order at its first search. Readers
/// still take version 2, whose ranks they compute, so an index's other parts (a dense part
/// above all) stay usable without a rebuild.
inline constexpr std::uint32_t kDocIdsFormatVersion = 3;
inline constexpr std::uint32_t kDocIdsOldestReadableVersion = 2;

/// Magic numbers (8 ASCII bytes) that open every index file.
inline constexpr std::string_view kManifestMagic = "CSCD-MAN";
inline constexpr std::string_view kTermsMagic = "CSCD-TRM";
inline constexpr std::string_view kLexiconMagic = "CSCD-LEX";
inline constexpr std::string_view kPostingsMagic = "CSCD-PST";
inline constexpr std::string_view kPositionsMagic = "CSCD-POS";
inline constexpr std::string_view kNormsMagic = "CSCD-NRM";
inline constexpr std::string_view kDocIdsMagic = "CSCD-IDS";
inline constexpr std::string_view kDocStoreMagic = "CSCD-DOC";

/// The version a file with `magic` is written with, and the newest a reader takes.
constexpr std::uint32_t format_version_of(std::string_view magic) {
    if (magic == kPostingsMagic)
        return kPostingsFormatVersion;
    return magic == kDocIdsMagic ? kDocIdsFormatVersion : kFormatVersion;
}

/// The oldest version of a file with `magic` a reader still takes.
constexpr std::uint32_t oldest_readable_version_of(std::string_view magic) {
    return magic == kDocIdsMagic ? kDocIdsOldestReadableVersion : format_version_of(magic);
}

/// Every file starts with magic (8 bytes) + version (u32) + reserved (u32).
inline constexpr std::size_t kFileHeaderSize = 16;

/// First byte of a tail block (the last block of a list of more than one block, when it holds
/// fewer than 128 postings): kTailVarint, then LEB128 gaps and freqs-1; otherwise the gaps'
/// bit width (0..32) with kTailFreqsAllOne set when every freq is 1 (no freq data follows),
/// else a second byte with the freqs-1 bit width; then the first gap as a LEB128 varint, the
/// other gaps bit-packed at the width and the freqs-1 bit-packed (block_codec.hpp pack_bits).
/// A list whose only block holds fewer than 128 postings is Elias-Fano coded instead
/// (docs/formats/index.md).
inline constexpr std::uint8_t kTailVarint = 0x80;
inline constexpr std::uint8_t kTailFreqsAllOne = 0x40;
inline constexpr std::uint8_t kTailWidthMask = 0x3f;

/// Per-block summary stored before the block data of lists with more than one block
/// (single-block lists use the term's own summary). 14 bytes on disk, in this order: u32
/// last_docid, u32 data_end, u16 max_freq, u16 best_freq, u8 best_norm, u8 min_norm
/// (store_block_entry / load_block_entry). The freq fields hold values up to 65534;
/// kSaturatedFreq stands for 65535 or more, and readers then use the list's own max_freq, or
/// (best_freq, best_norm) pair, which bound the block's from above.
struct BlockEntry {
    std::uint32_t last_docid;  ///< largest docid in the block
    std::uint32_t data_end;    ///< end of the block's bytes, relative to the list's data start
    std::uint16_t max_freq;    ///< largest term frequency in the block (or kSaturatedFreq)
    std::uint16_t best_freq;   ///< freq of the posting maximizing BM25(k1, b) in the block
    std::uint8_t best_norm;    ///< norm byte of that posting
    std::uint8_t min_norm;     ///< smallest norm byte (shortest document) in the block
};
inline constexpr std::size_t kBlockEntrySize = 14;
inline constexpr std::uint16_t kSaturatedFreq = 0xffff;

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

/// Writes `e` as its kBlockEntrySize on-disk bytes at `out`.
inline void store_block_entry(const BlockEntry& e, std::uint8_t* out) {
    std::memcpy(out, &e.last_docid, 4);
    std::memcpy(out + 4, &e.data_end, 4);
    std::memcpy(out + 8, &e.max_freq, 2);
    std::memcpy(out + 10, &e.best_freq, 2);
    out[12] = e.best_norm;
    out[13] = e.min_norm;
}
/// Reads the on-disk block entry at `in`.
inline BlockEntry load_block_entry(const std::uint8_t* in) {
    return BlockEntry{load<std::uint32_t>(in),
                      load<std::uint32_t>(in + 4),
                      load<std::uint16_t>(in + 8),
                      load<std::uint16_t>(in + 10),
                      in[12],
                      in[13]};
}

}  // namespace cascade::index
