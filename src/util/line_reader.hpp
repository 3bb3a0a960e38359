#pragma once
/// Streaming line reader over plain or gzip-compressed files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace cascade {

/// Reads a text file line by line without loading it whole. Files ending in `.gz` (or any
/// gzip stream) are decompressed transparently. Line terminators (`\n`, `\r\n`) are stripped.
/// Line numbers are 1-based and refer to the line last returned by next().
class LineReader {
public:
    explicit LineReader(std::string path);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    /// Reads the next line into `line`; returns false at end of file.
    bool next(std::string& line);

    [[nodiscard]] std::size_t line_number() const { return m_line_number; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    /// Bytes of the underlying (possibly compressed) file consumed so far, for progress.
    [[nodiscard]] std::uint64_t bytes_consumed() const;
    /// Size of the underlying file in bytes.
    [[nodiscard]] std::uint64_t file_size() const { return m_file_size; }

    /// Throws InputError located at the current line.
    [[noreturn]] void fail(std::string_view what) const {
        throw InputError(m_path, m_line_number, what);
    }

private:
    bool fill();

    std::string m_path;
    void* m_gz = nullptr;  // gzFile
    std::string m_buffer;
    std::size_t m_pos = 0;
    std::size_t m_line_number = 0;
    std::uint64_t m_file_size = 0;
    bool m_eof = false;
};

}  // namespace cascade
