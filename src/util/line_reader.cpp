#include "util/line_reader.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <cstring>

namespace cascade {

namespace {
constexpr std::size_t kChunk = 1 << 18;
}

LineReader::LineReader(std::string path) : m_path(std::move(path)) {
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0) {
        throw IoError::from_errno("cannot open", m_path);
    }
    if (S_ISDIR(st.st_mode)) {
        throw InputError(m_path, "is a directory, expected a file");
    }
    m_file_size = static_cast<std::uint64_t>(st.st_size);
    gzFile gz = gzopen(m_path.c_str(), "rb");
    if (gz == nullptr) {
        throw IoError::from_errno("cannot open", m_path);
    }
    gzbuffer(gz, kChunk);
    m_gz = gz;
}

LineReader::~LineReader() {
    if (m_gz != nullptr) {
        gzclose(static_cast<gzFile>(m_gz));
    }
}

std::uint64_t LineReader::bytes_consumed() const {
    auto offset = gzoffset(static_cast<gzFile>(m_gz));
    return offset < 0 ? 0 : static_cast<std::uint64_t>(offset);
}

bool LineReader::fill() {
    if (m_eof) {
        return false;
    }
    m_buffer.erase(0, m_pos);
    m_pos = 0;
    std::size_t old = m_buffer.size();
    m_buffer.resize(old + kChunk);
    int n = gzread(static_cast<gzFile>(m_gz), m_buffer.data() + old, kChunk);
    if (n < 0) {
        int errnum = 0;
        const char* msg = gzerror(static_cast<gzFile>(m_gz), &errnum);
        throw InputError(m_path, m_line_number + 1, std::string("read error: ") + msg);
    }
    m_buffer.resize(old + static_cast<std::size_t>(n));
    if (n == 0) {
        m_eof = true;
    }
    return n > 0;
}

bool LineReader::next(std::string& line) {
    // Bytes after m_pos already searched for '\n', so a line longer than one chunk is scanned
    // once rather than once per refill.
    std::size_t scanned = 0;
    for (;;) {
        const char* begin = m_buffer.data() + m_pos;
        const auto* nl = static_cast<const char*>(
            // A false positive: memchr searches raw bytes; there is no C string to terminate.
            // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
            std::memchr(begin + scanned, '\n', m_buffer.size() - m_pos - scanned));
        if (nl != nullptr) {
            std::size_t len = static_cast<std::size_t>(nl - begin);
            line.assign(begin, len);
            m_pos += len + 1;
            break;
        }
        scanned = m_buffer.size() - m_pos;
        if (!fill()) {
            if (m_pos >= m_buffer.size()) {
                return false;
            }
            line.assign(m_buffer.data() + m_pos, m_buffer.size() - m_pos);
            m_pos = m_buffer.size();
            break;
        }
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    ++m_line_number;
    return true;
}

}  // namespace cascade
