#pragma once
/// Temporary sorted runs of the bounded-memory inverter. Private to one build; not a
/// persistent format (no version): records of
///   u32 term_len, term bytes, u32 doc_freq, then doc_freq x (vbyte docid gap, vbyte freq,
///   [freq x vbyte position gap])
/// with terms in ascending byte order.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::index {

class RunWriter {
public:
    explicit RunWriter(const std::filesystem::path& path);
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;

    /// Writes one term; `postings` interleaves (docid, freq); `positions` holds the positions
    /// of all postings in order (empty when the index has none).
    void add(std::string_view term, std::span<const std::uint32_t> postings,
             std::span<const std::uint32_t> positions);
    void finish();

private:
    void put_u32(std::uint32_t v);
    void put_vbyte(std::uint32_t v);
    void flush();

    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
    std::vector<std::uint8_t> m_buffer;
};

class RunReader {
public:
    RunReader(const std::filesystem::path& path, bool positions);
    ~RunReader();
    RunReader(const RunReader&) = delete;
    RunReader& operator=(const RunReader&) = delete;

    /// Moves to the next term; false at the end of the run.
    bool next_term();
    [[nodiscard]] const std::string& term() const { return m_term; }
    /// Appends the current term's postings; call once per term, after next_term().
    void read_postings(std::vector<std::uint32_t>& docids, std::vector<std::uint32_t>& freqs,
                       std::vector<std::uint32_t>& positions);

private:
    bool fill(std::size_t need);
    std::uint32_t get_u32();
    std::uint32_t get_vbyte();

    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
    bool m_positions;
    std::vector<std::uint8_t> m_buffer;
    std::size_t m_pos = 0;
    std::size_t m_end = 0;
    std::string m_term;
    std::uint32_t m_doc_freq = 0;
};

}  // namespace cascade::index
