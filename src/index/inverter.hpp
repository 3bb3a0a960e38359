#pragma once
/// In-memory inversion of one field with spilling of sorted runs: the core of the
/// bounded-memory builder. Terms are interned in an arena and found through an
/// open-addressing hash table keyed by a precomputed 64-bit hash, so adding a posting costs
/// no allocation beyond amortized vector growth.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::index {

class FieldWriter;

/// A 64-bit hash of a term for in-memory tables (never stored); computed by the analysis
/// workers, reused by the inverter.
[[nodiscard]] std::uint64_t term_hash(std::string_view term);
/// The term's first 8 bytes big-endian, zero-padded: a < b as integers implies a < b as texts.
[[nodiscard]] std::uint64_t sort_prefix(std::string_view term);

class Inverter {
public:
    /// Spill runs go to `spill_dir/<prefix>.run<N>`.
    Inverter(bool positions, std::filesystem::path spill_dir, std::string prefix);
    ~Inverter();
    Inverter(const Inverter&) = delete;
    Inverter& operator=(const Inverter&) = delete;

    /// Adds one posting; docids must be added in non-decreasing order, each (term, docid) once.
    /// `positions` points to `freq` ascending positions when the index stores positions.
    void add(std::uint32_t docid, std::string_view term, std::uint64_t hash, std::uint32_t freq,
             const std::uint32_t* positions);
    /// Hints the cache to load the table slot of `hash` (call some postings ahead of add()).
    void prefetch(std::uint64_t hash) const { __builtin_prefetch(&m_table[hash & m_mask]); }
    /// Estimated bytes held by the in-memory postings, terms and table.
    [[nodiscard]] std::uint64_t memory_bytes() const { return m_bytes; }
    /// Writes the in-memory postings as a sorted run and empties memory.
    void spill();
    [[nodiscard]] std::uint32_t num_runs() const {
        return static_cast<std::uint32_t>(m_runs.size());
    }
    /// Streams every term in byte order to `out`, merging spilled runs when there are any.
    void write(FieldWriter& out);

private:
    /// Terms up to kInlineTerm bytes live inside the record, on the cache line add() touches
    /// anyway; longer ones in m_arena.
    static constexpr std::size_t kInlineTerm = 24;
    struct Term {
        std::vector<std::uint32_t> postings;  // (docid, freq) interleaved
        std::uint32_t length;
        union {
            char inline_text[kInlineTerm];
            std::uint64_t offset;  // into m_arena when length > kInlineTerm
        };
    };
    struct Slot {
        std::uint32_t term_plus_one;  // 0 = empty
        std::uint32_t hash_low;
    };

    [[nodiscard]] std::string_view term_text(const Term& t) const {
        return t.length <= kInlineTerm ? std::string_view(t.inline_text, t.length)
                                       : std::string_view(m_arena.data() + t.offset, t.length);
    }
    std::uint32_t intern(std::string_view term, std::uint64_t hash);
    void grow_table();
    [[nodiscard]] std::vector<std::uint32_t> sorted_terms() const;
    void clear();
    void merge_runs(FieldWriter& out);

    bool m_positions;
    std::filesystem::path m_spill_dir;
    std::string m_prefix;
    std::string m_arena;
    std::vector<Term> m_terms;
    std::vector<std::vector<std::uint32_t>> m_term_positions;  // by term id, when enabled
    std::vector<Slot> m_table;
    std::uint64_t m_mask = 0;
    std::uint64_t m_bytes = 0;
    std::vector<std::filesystem::path> m_runs;
};

}  // namespace cascade::index
