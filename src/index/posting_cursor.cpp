#include "index/posting_cursor.hpp"

#include "index/block_codec.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cascade::index {

namespace {
/// m_freq_width of a varint tail block (packed widths are at most 32).
constexpr std::uint32_t kTailVarintFreqs = 0xff;

// Varint decoding on data whose checksum open() verified; at most 5 bytes per value.
inline const std::uint8_t* decode_varint(const std::uint8_t* p, std::uint32_t& v) {
    std::uint32_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
        const std::uint8_t byte = *p++;
        result |= static_cast<std::uint32_t>(byte & 0x7fU) << shift;
        if ((byte & 0x80U) == 0 || shift >= 28) {
            break;
        }
    }
    v = result;
    return p;
}

/// Adds 1 to each of a full block's values (freqs are stored minus one).
inline void add_one(std::uint32_t* values) {
#if defined(__SSE2__)
    const __m128i one = _mm_set1_epi32(1);
    for (std::uint32_t i = 0; i < kBlockSize; i += 4) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): SSE2 load, 16-aligned.
        auto* lane = reinterpret_cast<__m128i*>(values + i);
        _mm_store_si128(lane, _mm_add_epi32(_mm_load_si128(lane), one));
    }
#else
    for (std::uint32_t i = 0; i < kBlockSize; ++i) {
        values[i] += 1;
    }
#endif
}
}  // namespace

PostingCursor::PostingCursor(const TermInfo& info, const std::uint8_t* postings,
                             const std::uint8_t* positions, std::uint32_t sentinel)
    : m_info(info), m_size(info.doc_freq), m_sentinel(sentinel) {
    m_num_blocks = (m_size + kBlockSize - 1) / kBlockSize;
    const std::uint8_t* list = postings + info.postings_offset;
    if (m_num_blocks > 1) {
        m_blocks = list;
        m_data = list + std::size_t{m_num_blocks} * kBlockEntrySize;
    } else {
        m_data = list;
    }
    if (positions != nullptr) {
        m_positions = positions + info.positions_offset;
    }
    if (m_num_blocks == 0) {
        m_docid = m_sentinel;
        return;
    }
    enter_block(0);
}

void PostingCursor::prefetch(const TermInfo& info, const std::uint8_t* postings) {
    const std::uint8_t* list = postings + info.postings_offset;
    const std::uint32_t blocks = (info.doc_freq + kBlockSize - 1) / kBlockSize;
    __builtin_prefetch(list);
    if (blocks > 1) {
        // As in the constructor: the data follows the block table; two lines hold most of the
        // first block.
        const std::uint8_t* data = list + std::size_t{blocks} * kBlockEntrySize;
        __builtin_prefetch(data);
        __builtin_prefetch(data + 64);
    }
}

void PostingCursor::enter_block(std::uint32_t block) {
    const std::uint32_t start = block == 0 ? 0 : block_entry(block - 1).data_end;
    std::uint32_t expected = block == 0 ? 0 : block_last_docid(block - 1) + 1;
    const std::uint8_t* p = m_data + start;
    m_block_len = block + 1 < m_num_blocks ? kBlockSize : m_size - block * kBlockSize;
    if (m_block_len == kBlockSize) {
        m_freq_data = decode_patched128(p, m_docs);
        gaps_to_docids128(m_docs, expected);
    } else if (m_blocks == nullptr) {
        // A list's only block, shorter than a full one: Elias-Fano docids, then freqs-1 at
        // the width of the list's max_freq - 1 (none when every freq is 1).
        m_freq_data = elias_fano_decode(p, m_block_len, m_sentinel, m_docs);
        m_freq_width = m_info.max_freq > 1 ? bit_width_of(m_info.max_freq - 1) : 0;
    } else {
        const std::uint8_t head = *p++;
        if ((head & kTailVarint) != 0) {
            m_freq_width = kTailVarintFreqs;
            for (std::uint32_t i = 0; i < m_block_len; ++i) {
                std::uint32_t gap;
                p = decode_varint(p, gap);
                m_docs[i] = gap;
            }
        } else {
            m_freq_width = 0;
            if ((head & kTailFreqsAllOne) == 0) {
                m_freq_width = *p++;
            }
            p = decode_varint(p, m_docs[0]);
            p = unpack_bits_padded(p, m_block_len - 1, head & kTailWidthMask, m_docs + 1);
        }
        for (std::uint32_t i = 0; i < m_block_len; ++i) {
            expected += m_docs[i];
            m_docs[i] = expected;
            ++expected;
        }
        m_freq_data = p;
    }
    m_block = block;
    m_decoded_block = block;
    m_pos = 0;
    m_docid = m_docs[0];
    m_freqs_decoded = false;
}

void PostingCursor::decode_freqs() {
    if (m_block_len == kBlockSize) {
        (void)decode_patched128(m_freq_data, m_freqs);
        add_one(m_freqs);
    } else if (m_freq_width == kTailVarintFreqs) {
        const std::uint8_t* p = m_freq_data;
        for (std::uint32_t i = 0; i < m_block_len; ++i) {
            p = decode_varint(p, m_freqs[i]);
            m_freqs[i] += 1;
        }
    } else {
        if (m_freq_width == 0) {
            std::fill(m_freqs, m_freqs + m_block_len, 0U);
        } else {
            (void)unpack_bits_padded(m_freq_data, m_block_len, m_freq_width, m_freqs);
        }
        for (std::uint32_t i = 0; i < m_block_len; ++i) {
            m_freqs[i] += 1;
        }
    }
    m_freqs_decoded = true;
}

void PostingCursor::next_block() {
    if (m_docid == m_sentinel) {  // exhausted (or default-constructed): stay at the end
        m_pos = m_block_len == 0 ? 0 : m_block_len - 1;
        return;
    }
    if (m_decoded_block + 1 < m_num_blocks) {
        enter_block(m_decoded_block + 1);
        return;
    }
    m_pos = m_block_len - 1;
    m_block = m_num_blocks;
    m_docid = m_sentinel;
}

std::uint32_t PostingCursor::find_block(std::uint32_t from, std::uint32_t target) const {
    if (m_blocks == nullptr) {
        return from == 0 && m_docs[m_block_len - 1] >= target ? 0 : m_num_blocks;
    }
    // Gallop from `from`, then binary search: cheap for short skips, O(log n) for long ones.
    std::uint32_t lo = from;
    std::uint32_t step = 1;
    std::uint32_t hi = from;
    while (hi < m_num_blocks && block_last_docid(hi) < target) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    hi = std::min(hi, m_num_blocks);
    while (lo < hi) {
        std::uint32_t mid = lo + (hi - lo) / 2;
        if (block_last_docid(mid) < target) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void PostingCursor::next_geq(std::uint32_t target) {
    if (target <= m_docid || m_docid == m_sentinel) {
        return;
    }
    if (m_docs[m_block_len - 1] < target) {
        std::uint32_t block = find_block(m_decoded_block + 1, target);
        if (block >= m_num_blocks) {
            m_pos = m_block_len - 1;
            m_block = m_num_blocks;
            m_docid = m_sentinel;
            return;
        }
        enter_block(block);
    }
    if (m_docs[m_pos] < target) {  // most probes land on the current posting
        m_pos = scan_to(m_pos + 1, target);
    }
    m_docid = m_docs[m_pos];
}

std::uint32_t PostingCursor::scan_to(std::uint32_t pos, std::uint32_t target) const {
    // The first docid >= target at or after pos; one exists in the block (its last docid is
    // >= target). Short skips (block-max WAND's are mostly one or two postings) go one by one.
    for (int step = 0; step < 2; ++step, ++pos) {
        if (m_docs[pos] >= target) {
            return pos;
        }
    }
#if defined(__SSE2__)
    // Four at a time: docids compared as unsigned (biased to signed), the first lane >= target
    // is the count of trailing "less" lanes. Lanes past the block's length in a short block
    // hold stale values, but a lane >= target always comes first.
    const __m128i bias = _mm_set1_epi32(INT32_MIN);
    const __m128i key = _mm_set1_epi32(static_cast<int>(target ^ 0x80000000U));
    for (; pos + 4 <= kBlockSize; pos += 4) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): SSE2 unaligned load.
        const __m128i docs = _mm_loadu_si128(reinterpret_cast<const __m128i*>(m_docs + pos));
        const __m128i less = _mm_cmplt_epi32(_mm_xor_si128(docs, bias), key);
        const auto mask = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(less)));
        if (mask != 0xfU) {
            return pos + static_cast<std::uint32_t>(std::countr_one(mask));
        }
    }
#endif
    while (m_docs[pos] < target) {
        ++pos;
    }
    return pos;
}

std::uint32_t PostingCursor::block_max_freq() const {
    if (m_block >= m_num_blocks) {
        return 0;
    }
    const std::uint32_t stored = block_max_freq_of(m_block);
    return stored == 0 ? m_info.max_freq : stored;  // saturated: the list's bounds the block's
}

std::pair<std::uint32_t, std::uint8_t> PostingCursor::block_max_freq_norm() const {
    if (m_block >= m_num_blocks) {
        return {0, 0};
    }
    const auto best = block_best_posting(m_block);
    return best.first == 0
               ? std::pair<std::uint32_t, std::uint8_t>{m_info.best_freq, m_info.best_norm}
               : best;
}

std::pair<std::uint32_t, std::uint8_t> PostingCursor::block_best_posting(
    std::uint32_t block) const {
    if (block >= m_num_blocks) {
        return {0, 0};
    }
    if (m_blocks == nullptr) {
        return {m_info.best_freq, m_info.best_norm};
    }
    const BlockEntry e = block_entry(block);
    if (e.best_freq == kSaturatedFreq) {
        return {0, 0};
    }
    return {e.best_freq, e.best_norm};
}

std::uint32_t PostingCursor::block_max_freq_of(std::uint32_t block) const {
    if (block >= m_num_blocks) {
        return 0;
    }
    if (m_blocks == nullptr) {
        return m_info.max_freq;
    }
    const std::uint16_t stored = block_entry(block).max_freq;
    return stored == kSaturatedFreq ? 0 : stored;
}

std::uint8_t PostingCursor::block_min_norm() const {
    if (m_block >= m_num_blocks) {
        return 0xff;
    }
    return m_blocks == nullptr ? m_info.min_norm : block_entry(m_block).min_norm;
}

std::span<const std::uint32_t> PostingCursor::positions() {
    if (m_positions == nullptr || m_docid == m_sentinel) {
        return {};
    }
    if (!m_freqs_decoded) {
        decode_freqs();
    }
    if (m_pos_block != m_decoded_block || m_pos_index > m_pos) {
        m_pos_block = m_decoded_block;
        m_pos_index = 0;
        const std::uint8_t* data = m_positions;
        if (m_num_blocks > 1) {
            data += std::size_t{m_num_blocks} * sizeof(std::uint64_t);
            data += load<std::uint64_t>(m_positions +
                                        std::size_t{m_decoded_block} * sizeof(std::uint64_t));
        }
        m_pos_ptr = data;
    }
    for (; m_pos_index < m_pos; ++m_pos_index) {
        for (std::uint32_t k = 0; k < m_freqs[m_pos_index]; ++k) {
            while ((*m_pos_ptr++ & 0x80U) != 0) {
            }
        }
    }
    m_position_buffer.resize(m_freqs[m_pos]);
    std::uint32_t pos = 0;
    for (std::uint32_t k = 0; k < m_freqs[m_pos]; ++k) {
        std::uint32_t gap;
        m_pos_ptr = decode_varint(m_pos_ptr, gap);
        pos += gap;
        m_position_buffer[k] = pos;
    }
    ++m_pos_index;
    return m_position_buffer;
}

}  // namespace cascade::index
