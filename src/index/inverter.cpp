#include "index/inverter.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>

#include "index/field_writer.hpp"
#include "index/spill_run.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace {
constexpr std::size_t kInitialTable = 1 << 16;
// Per-term overhead beyond its text: the Term record plus two table slots (load <= 1/2).
constexpr std::uint64_t kTermOverhead = sizeof(std::uint64_t) * 2 + 64;
}  // namespace

namespace {

std::uint64_t load64(const char* p) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    return w;
}

std::uint64_t load32(const char* p) {
    std::uint32_t w = 0;
    std::memcpy(&w, p, 4);
    return w;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

}  // namespace

std::uint64_t term_hash(std::string_view term) {
    // Eight bytes a step, the tail (and terms under 8 bytes) read as two overlapping loads,
    // each step a 128-bit multiply folded to 64 bits (as wyhash does); terms average ~7 bytes,
    // where a byte-at-a-time FNV-1a took ~30 instructions. Only in-memory tables use it.
    constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t k1 = 0xe7037ed1a0b428dbULL;
    const char* p = term.data();
    std::size_t n = term.size();
    std::uint64_t h = k0 ^ (n * k1);
    for (; n > 8; n -= 8, p += 8) {
        h = mix(h ^ load64(p), k1);
    }
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n >= 4) {
        a = load32(p);
        b = load32(p + n - 4);
    } else if (n > 0) {
        const auto byte = [p](std::size_t i) {
            return std::uint64_t{static_cast<std::uint8_t>(p[i])};
        };
        a = (byte(0) << 16) | (byte(n / 2) << 8) | byte(n - 1);
    }
    return mix(h ^ a ^ k1, (b << 32 | b >> 32) ^ k0);
}

std::uint64_t sort_prefix(std::string_view term) {
    std::uint64_t key = 0;
    const std::size_t n = std::min<std::size_t>(term.size(), 8);
    for (std::size_t i = 0; i < n; ++i) {
        key |= std::uint64_t{static_cast<std::uint8_t>(term[i])} << (56 - 8 * i);
    }
    return key;
}

Inverter::Inverter(bool positions, std::filesystem::path spill_dir, std::string prefix)
    : m_positions(positions), m_spill_dir(std::move(spill_dir)), m_prefix(std::move(prefix)) {
    clear();
}

Inverter::~Inverter() {
    for (const auto& run : m_runs) {
        std::error_code ec;
        std::filesystem::remove(run, ec);
    }
}

void Inverter::clear() {
    m_arena.clear();
    m_arena.shrink_to_fit();
    m_terms.clear();
    m_terms.shrink_to_fit();
    m_term_positions.clear();
    m_term_positions.shrink_to_fit();
    m_table.assign(kInitialTable, Slot{0, 0});
    m_mask = kInitialTable - 1;
    m_bytes = kInitialTable * sizeof(Slot);
}

void Inverter::grow_table() {
    std::vector<Slot> old;
    old.swap(m_table);
    m_table.assign(old.size() * 2, Slot{0, 0});
    m_mask = m_table.size() - 1;
    for (const Slot& s : old) {
        if (s.term_plus_one == 0) {
            continue;
        }
        const Term& t = m_terms[s.term_plus_one - 1];
        std::uint64_t i = term_hash(term_text(t)) & m_mask;
        while (m_table[i].term_plus_one != 0) {
            i = (i + 1) & m_mask;
        }
        m_table[i] = s;
    }
    m_bytes += old.size() * sizeof(Slot);
}

std::uint32_t Inverter::intern(std::string_view term, std::uint64_t hash) {
    const auto low = static_cast<std::uint32_t>(hash >> 32);
    std::uint64_t i = hash & m_mask;
    while (true) {
        Slot& s = m_table[i];
        if (s.term_plus_one == 0) {
            break;
        }
        if (s.hash_low == low && term_text(m_terms[s.term_plus_one - 1]) == term) {
            return s.term_plus_one - 1;
        }
        i = (i + 1) & m_mask;
    }
    CASCADE_ASSERT(m_terms.size() < UINT32_MAX - 1);
    auto id = static_cast<std::uint32_t>(m_terms.size());
    Term& t = m_terms.emplace_back();
    t.length = static_cast<std::uint32_t>(term.size());
    if (term.size() <= kInlineTerm) {
        std::memcpy(t.inline_text, term.data(), term.size());
    } else {
        t.offset = m_arena.size();
        m_arena.append(term);
    }
    if (m_positions) {
        m_term_positions.emplace_back();
    }
    m_table[i] = Slot{id + 1, low};
    m_bytes += term.size() + kTermOverhead;
    if (m_terms.size() * 2 > m_table.size()) {
        grow_table();
    }
    return id;
}

void Inverter::add(std::uint32_t docid, std::string_view term, std::uint64_t hash,
                   std::uint32_t freq, const std::uint32_t* positions) {
    const std::uint32_t id = intern(term, hash);
    Term& t = m_terms[id];
    std::size_t cap = t.postings.capacity();
    t.postings.push_back(docid);
    t.postings.push_back(freq);
    m_bytes += (t.postings.capacity() - cap) * sizeof(std::uint32_t);
    if (m_positions) {
        auto& list = m_term_positions[id];
        cap = list.capacity();
        list.insert(list.end(), positions, positions + freq);
        m_bytes += (list.capacity() - cap) * sizeof(std::uint32_t);
    }
}

std::vector<std::uint32_t> Inverter::sorted_terms() const {
    // Sorted by the first 8 bytes packed big-endian (zero-padded) and the id, which orders as
    // the texts do whenever the keys differ; only equal keys compare the texts (a string
    // compare per step of the sort was 4 % of a build's instructions).
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(m_terms.size());
    for (std::uint32_t i = 0; i < keyed.size(); ++i) {
        keyed[i] = {sort_prefix(term_text(m_terms[i])), i};
    }
    std::sort(keyed.begin(), keyed.end(), [this](const auto& a, const auto& b) {
        if (a.first != b.first) {
            return a.first < b.first;
        }
        return term_text(m_terms[a.second]) < term_text(m_terms[b.second]);
    });
    std::vector<std::uint32_t> order(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        order[i] = keyed[i].second;
    }
    return order;
}

void Inverter::spill() {
    if (m_terms.empty()) {
        return;
    }
    auto path = m_spill_dir / (m_prefix + ".run" + std::to_string(m_runs.size()));
    m_runs.push_back(path);
    RunWriter run(path);
    for (std::uint32_t id : sorted_terms()) {
        const Term& t = m_terms[id];
        run.add(term_text(t), t.postings,
                m_positions ? std::span<const std::uint32_t>(m_term_positions[id])
                            : std::span<const std::uint32_t>());
    }
    run.finish();
    clear();
}

void Inverter::write(FieldWriter& out) {
    if (!m_runs.empty()) {
        spill();
        merge_runs(out);
        return;
    }
    std::vector<std::uint32_t> docids;
    std::vector<std::uint32_t> freqs;
    for (std::uint32_t id : sorted_terms()) {
        const Term& t = m_terms[id];
        docids.clear();
        freqs.clear();
        for (std::size_t i = 0; i < t.postings.size(); i += 2) {
            docids.push_back(t.postings[i]);
            freqs.push_back(t.postings[i + 1]);
        }
        out.add_term(term_text(t), docids, freqs,
                     m_positions ? std::span<const std::uint32_t>(m_term_positions[id])
                                 : std::span<const std::uint32_t>());
    }
}

void Inverter::merge_runs(FieldWriter& out) {
    // Runs hold consecutive docid ranges in run order, so a term's postings are the
    // concatenation of its lists in run order. Few runs: a linear scan finds the next term.
    std::vector<std::unique_ptr<RunReader>> readers;
    std::vector<bool> live;
    for (const auto& path : m_runs) {
        readers.push_back(std::make_unique<RunReader>(path, m_positions));
        live.push_back(readers.back()->next_term());
    }
    std::vector<std::uint32_t> docids;
    std::vector<std::uint32_t> freqs;
    std::vector<std::uint32_t> positions;
    std::string current;
    while (true) {
        const std::string* smallest = nullptr;
        for (std::size_t r = 0; r < readers.size(); ++r) {
            if (live[r] && (smallest == nullptr || readers[r]->term() < *smallest)) {
                smallest = &readers[r]->term();
            }
        }
        if (smallest == nullptr) {
            break;
        }
        current = *smallest;
        docids.clear();
        freqs.clear();
        positions.clear();
        for (std::size_t r = 0; r < readers.size(); ++r) {
            if (live[r] && readers[r]->term() == current) {
                readers[r]->read_postings(docids, freqs, positions);
                live[r] = readers[r]->next_term();
            }
        }
        out.add_term(current, docids, freqs, positions);
    }
}

}  // namespace cascade::index
