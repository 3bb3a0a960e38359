#include "index/spill_run.hpp"

#include <cstring>

#include "index/block_codec.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace {
constexpr std::size_t kRunBuffer = 1 << 20;
}

RunWriter::RunWriter(const std::filesystem::path& path) : m_path(path) {
    m_file = std::fopen(path.c_str(), "wb");
    if (m_file == nullptr) {
        throw IoError::from_errno("cannot create spill file", path.string());
    }
    m_buffer.reserve(kRunBuffer + 64);
}

RunWriter::~RunWriter() {
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

void RunWriter::flush() {
    if (!m_buffer.empty() &&
        std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file) != m_buffer.size()) {
        throw IoError::from_errno("cannot write spill file", m_path.string());
    }
    m_buffer.clear();
}

void RunWriter::put_u32(std::uint32_t v) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
    m_buffer.insert(m_buffer.end(), p, p + 4);
}

void RunWriter::put_vbyte(std::uint32_t v) {
    std::uint8_t buf[5];
    m_buffer.insert(m_buffer.end(), buf, vbyte_encode(v, buf));
    if (m_buffer.size() >= kRunBuffer) {
        flush();
    }
}

void RunWriter::add(std::string_view term, std::span<const std::uint32_t> postings,
                    std::span<const std::uint32_t> positions) {
    put_u32(static_cast<std::uint32_t>(term.size()));
    m_buffer.insert(m_buffer.end(), term.begin(), term.end());
    put_u32(static_cast<std::uint32_t>(postings.size() / 2));
    std::uint32_t prev = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < postings.size(); i += 2) {
        put_vbyte(postings[i] - prev);
        prev = postings[i];
        put_vbyte(postings[i + 1]);
        if (!positions.empty()) {
            std::uint32_t prev_pos = 0;
            for (std::uint32_t k = 0; k < postings[i + 1]; ++k, ++at) {
                put_vbyte(positions[at] - prev_pos);
                prev_pos = positions[at];
            }
        }
    }
    if (m_buffer.size() >= kRunBuffer) {
        flush();
    }
}

void RunWriter::finish() {
    flush();
    int rc = std::fclose(m_file);
    m_file = nullptr;
    if (rc != 0) {
        throw IoError::from_errno("cannot write spill file", m_path.string());
    }
}

RunReader::RunReader(const std::filesystem::path& path, bool positions)
    : m_path(path), m_positions(positions) {
    m_file = std::fopen(path.c_str(), "rb");
    if (m_file == nullptr) {
        throw IoError::from_errno("cannot open spill file", path.string());
    }
    m_buffer.resize(kRunBuffer);
}

RunReader::~RunReader() {
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

bool RunReader::fill(std::size_t need) {
    if (m_end - m_pos >= need) {
        return true;
    }
    std::memmove(m_buffer.data(), m_buffer.data() + m_pos, m_end - m_pos);
    m_end -= m_pos;
    m_pos = 0;
    if (m_buffer.size() < need) {
        m_buffer.resize(need);
    }
    m_end += std::fread(m_buffer.data() + m_end, 1, m_buffer.size() - m_end, m_file);
    return m_end - m_pos >= need;
}

std::uint32_t RunReader::get_u32() {
    if (!fill(4)) {
        throw IoError("spill file " + m_path.string() + " ended early");
    }
    std::uint32_t v;
    std::memcpy(&v, m_buffer.data() + m_pos, 4);
    m_pos += 4;
    return v;
}

std::uint32_t RunReader::get_vbyte() {
    fill(5);
    std::uint32_t v = 0;
    const std::uint8_t* p = m_buffer.data() + m_pos;
    const std::uint8_t* end = vbyte_decode(p, m_buffer.data() + m_end, v);
    if (end == nullptr) {
        throw IoError("spill file " + m_path.string() + " is damaged");
    }
    m_pos += static_cast<std::size_t>(end - p);
    return v;
}

bool RunReader::next_term() {
    if (!fill(1)) {
        return false;
    }
    std::uint32_t len = get_u32();
    if (!fill(len)) {
        throw IoError("spill file " + m_path.string() + " ended early");
    }
    m_term.assign(reinterpret_cast<const char*>(m_buffer.data() + m_pos), len);
    m_pos += len;
    m_doc_freq = get_u32();
    return true;
}

void RunReader::read_postings(std::vector<std::uint32_t>& docids, std::vector<std::uint32_t>& freqs,
                              std::vector<std::uint32_t>& positions) {
    std::uint32_t prev = 0;
    for (std::uint32_t i = 0; i < m_doc_freq; ++i) {
        prev += get_vbyte();
        docids.push_back(prev);
        std::uint32_t freq = get_vbyte();
        freqs.push_back(freq);
        if (m_positions) {
            std::uint32_t pos = 0;
            for (std::uint32_t k = 0; k < freq; ++k) {
                pos += get_vbyte();
                positions.push_back(pos);
            }
        }
    }
}

}  // namespace cascade::index
