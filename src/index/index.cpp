#include "index/index.hpp"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <map>

#include "index/field_writer.hpp"
#include "index/file_io.hpp"
#include "index/format.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace fs = std::filesystem;

// ---- FieldIndex ------------------------------------------------------------------------------

std::string_view FieldIndex::term_at(std::uint64_t ordinal) const {
    auto begin = load<std::uint64_t>(m_term_offsets + ordinal * 8);
    auto end = load<std::uint64_t>(m_term_offsets + (ordinal + 1) * 8);
    return {m_term_bytes + begin, end - begin};
}

TermInfo FieldIndex::term_info_at(std::uint64_t ordinal) const {
    TermEntry e = load<TermEntry>(m_term_entries + ordinal * kTermEntrySize);
    TermInfo info;
    info.doc_freq = e.doc_freq;
    info.total_term_freq = e.total_term_freq;
    info.max_freq = e.max_freq;
    info.best_freq = e.best_freq;
    info.best_norm = e.best_norm;
    info.min_norm = e.min_norm;
    info.ordinal = ordinal;
    info.postings_offset = e.postings_offset;
    info.positions_offset = e.positions_offset;
    return info;
}

namespace {
/// The first 8 bytes of `text` as a big-endian integer, zero-padded: a < b as bytes implies
/// prefix_key(a) <= prefix_key(b), and prefix_key(a) < prefix_key(b) implies a < b.
std::uint64_t prefix_key(std::string_view text) {
    std::uint64_t key = 0;
    const std::size_t n = std::min<std::size_t>(8, text.size());
    for (std::size_t i = 0; i < n; ++i) {
        key |= std::uint64_t{static_cast<unsigned char>(text[i])} << (56 - 8 * i);
    }
    return key;
}
}  // namespace

void FieldIndex::narrow(std::string_view term, std::uint64_t& lo, std::uint64_t& hi) const {
    const std::uint64_t n = m_stats.num_terms;
    lo = 0;
    hi = n;
    TermSample& sample = *m_sample;
    if (n > 4 * kTermSampleStride && !sample.ready.load(std::memory_order_acquire) &&
        sample.lookups.fetch_add(1, std::memory_order_relaxed) + 1 >= kTermSampleAfter) {
        std::call_once(sample.built, [&] {
            sample.keys.resize((n + kTermSampleStride - 1) / kTermSampleStride);
            for (std::uint64_t i = 0; i < sample.keys.size(); ++i) {
                sample.keys[i] = prefix_key(term_at(i * kTermSampleStride));
            }
            sample.ready.store(true, std::memory_order_release);
        });
    }
    if (sample.ready.load(std::memory_order_acquire)) {
        // Narrow [lo, hi) with the sample: a contiguous array whose upper levels stay cached,
        // where a plain binary search over a million terms misses twice a step (offset, bytes)
        // for its last ten or so steps. The term dictionary is sorted by bytes, so a sampled
        // term with a smaller key is a smaller term, and one with a larger key a larger term.
        const std::uint64_t key = prefix_key(term);
        const auto first = sample.keys.begin();
        const auto below = std::lower_bound(first, sample.keys.end(), key);  // keys < key before
        const auto above = std::upper_bound(below, sample.keys.end(), key);  // keys > key from
        if (below != first) {
            lo = static_cast<std::uint64_t>(below - first - 1) * kTermSampleStride + 1;
        }
        hi = std::min(n, static_cast<std::uint64_t>(above - first) * kTermSampleStride);
    }
}

std::optional<TermInfo> FieldIndex::term(std::string_view term) const {
    std::optional<TermInfo> info;
    terms(std::span<const std::string_view>(&term, 1),
          std::span<std::optional<TermInfo>>(&info, 1));
    return info;
}

void FieldIndex::terms(std::span<const std::string_view> texts,
                       std::span<std::optional<TermInfo>> out) const {
    CASCADE_ASSERT(out.size() == texts.size());
    const std::uint64_t n = m_stats.num_terms;
    constexpr std::size_t kBatch = 16;
    std::array<std::uint64_t, kBatch> lo{};
    std::array<std::uint64_t, kBatch> hi{};
    for (std::size_t start = 0; start < texts.size(); start += kBatch) {
        const std::size_t count = std::min(kBatch, texts.size() - start);
        const std::string_view* text = texts.data() + start;
        for (std::size_t i = 0; i < count; ++i) {
            narrow(text[i], lo[i], hi[i]);
        }
        // The binary searches a step at a time, all of them: first every probe's offset is
        // requested, then its bytes, then each search compares.
        bool searching = true;
        while (searching) {
            searching = false;
            for (std::size_t i = 0; i < count; ++i) {
                if (lo[i] < hi[i]) {
                    __builtin_prefetch(m_term_offsets + (lo[i] + (hi[i] - lo[i]) / 2) * 8);
                }
            }
            for (std::size_t i = 0; i < count; ++i) {
                if (lo[i] < hi[i]) {
                    __builtin_prefetch(term_at(lo[i] + (hi[i] - lo[i]) / 2).data());
                }
            }
            for (std::size_t i = 0; i < count; ++i) {
                if (lo[i] < hi[i]) {
                    const std::uint64_t mid = lo[i] + (hi[i] - lo[i]) / 2;
                    if (term_at(mid) < text[i]) {
                        lo[i] = mid + 1;
                    } else {
                        hi[i] = mid;
                    }
                    searching = searching || lo[i] < hi[i];
                }
            }
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (lo[i] < n && term_at(lo[i]) == text[i]) {
                const std::uint8_t* entry = m_term_entries + lo[i] * kTermEntrySize;
                __builtin_prefetch(entry);
                __builtin_prefetch(entry + kTermEntrySize - 1);
            } else {
                lo[i] = n;  // not found
            }
        }
        for (std::size_t i = 0; i < count; ++i) {
            out[start + i] =
                lo[i] < n ? std::optional<TermInfo>(term_info_at(lo[i])) : std::nullopt;
        }
    }
}

PostingCursor FieldIndex::postings(const TermInfo& info) const {
    return PostingCursor(info, m_postings, m_positions, m_num_docs);
}

void FieldIndex::prefetch_postings(const TermInfo& info) const {
    PostingCursor::prefetch(info, m_postings);
}

std::uint32_t FieldIndex::length(std::uint32_t docid) const {
    return load<std::uint32_t>(m_lengths + std::size_t{docid} * 4);
}

// ---- Index -----------------------------------------------------------------------------------

Index::Index() = default;
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

const FieldIndex* Index::find_field(std::string_view name) const {
    for (const FieldIndex& f : m_fields) {
        if (f.name() == name) {
            return &f;
        }
    }
    return nullptr;
}

std::string_view Index::external_id(std::uint32_t docid) const {
    auto begin = load<std::uint64_t>(m_id_offsets + std::size_t{docid} * 8);
    auto end = load<std::uint64_t>(m_id_offsets + (std::size_t{docid} + 1) * 8);
    return {m_id_bytes + begin, end - begin};
}

std::span<const std::uint32_t> Index::id_ranks() const {
    if (!m_stored_id_ranks.empty() || m_num_docs == 0)
        return m_stored_id_ranks;
    std::call_once(m_id_ranks->once, [this] {
        std::vector<std::uint32_t>& ranks = m_id_ranks->ranks;
        ranks.assign(m_num_docs, 0);
        for (std::uint32_t i = 0; i < m_num_docs; ++i) {
            ranks[load<std::uint32_t>(m_id_sorted + std::size_t{i} * 4)] = i;
        }
    });
    return m_id_ranks->ranks;
}

std::optional<std::uint32_t> Index::internal_id(std::string_view external) const {
    std::uint32_t lo = 0;
    std::uint32_t hi = m_num_docs;
    while (lo < hi) {
        std::uint32_t mid = lo + (hi - lo) / 2;
        auto docid = load<std::uint32_t>(m_id_sorted + std::size_t{mid} * 4);
        if (external_id(docid) < external) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < m_num_docs) {
        auto docid = load<std::uint32_t>(m_id_sorted + std::size_t{lo} * 4);
        if (external_id(docid) == external) {
            return docid;
        }
    }
    return std::nullopt;
}

Document Index::document(std::uint32_t docid) const {
    CASCADE_ASSERT(docid < m_num_docs);
    // Block b holds docids [first[b], first[b + 1]).
    std::uint32_t lo = 0;
    std::uint32_t hi = m_doc_num_blocks;
    while (hi - lo > 1) {
        std::uint32_t mid = lo + (hi - lo) / 2;
        if (load<std::uint32_t>(m_doc_block_first + std::size_t{mid} * 4) <= docid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    const std::uint32_t block = lo;
    auto first = load<std::uint32_t>(m_doc_block_first + std::size_t{block} * 4);
    auto begin = load<std::uint64_t>(m_doc_block_offsets + std::size_t{block} * 8);
    auto end = load<std::uint64_t>(m_doc_block_offsets + (std::size_t{block} + 1) * 8);
    const void* src = m_docstore + begin;
    unsigned long long raw_size = ZSTD_getFrameContentSize(src, end - begin);
    if (raw_size == ZSTD_CONTENTSIZE_ERROR || raw_size == ZSTD_CONTENTSIZE_UNKNOWN ||
        raw_size > (1ULL << 32)) {
        throw CorruptionError("docstore: block " + std::to_string(block) + " is damaged");
    }
    std::string raw(raw_size, '\0');
    std::size_t n = ZSTD_decompress(raw.data(), raw.size(), src, end - begin);
    if (ZSTD_isError(n) != 0 || n != raw_size) {
        throw CorruptionError("docstore: block " + std::to_string(block) + " is damaged");
    }
    ByteReader reader(reinterpret_cast<const std::uint8_t*>(raw.data()),
                      reinterpret_cast<const std::uint8_t*>(raw.data()) + raw.size(),
                      "docstore block " + std::to_string(block));
    Document doc;
    for (std::uint32_t d = first;; ++d) {
        auto title_len = reader.get<std::uint32_t>();
        auto text_len = reader.get<std::uint32_t>();
        const auto* title = reader.skip(title_len);
        const auto* text = reader.skip(text_len);
        if (d == docid) {
            doc.id = std::string(external_id(docid));
            doc.title.assign(reinterpret_cast<const char*>(title), title_len);
            doc.text.assign(reinterpret_cast<const char*>(text), text_len);
            return doc;
        }
    }
}

}  // namespace cascade::index
