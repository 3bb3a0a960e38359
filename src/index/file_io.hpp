#pragma once
/// Low-level file plumbing of the index: checksummed buffered writers, read-only memory
/// maps, and a bounds-checked reader that turns every overrun into a CorruptionError.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::index {

/// CRC32 (zlib) of n bytes.
[[nodiscard]] std::uint32_t crc32_of(const std::uint8_t* data, std::uint64_t n);

/// Size and CRC32 (zlib polynomial) of a finished file, recorded in the manifest.
struct FileDigest {
    std::string name;
    std::uint64_t size = 0;
    std::uint32_t crc32 = 0;
};

/// Sequential writer that starts the file with magic + version and checksums everything.
class FileWriter {
public:
    FileWriter(const std::filesystem::path& path, std::string_view magic);
    ~FileWriter();
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;

    void write(const void* data, std::size_t n);
    template <class T>
    void put(T v) {
        write(&v, sizeof(T));
    }
    void put_string(std::string_view s);
    /// Zero bytes up to the next multiple of `alignment` (relative to the file start).
    void pad_to(std::size_t alignment);
    /// Appends the CRC32 of every byte written so far (a self-checksummed trailer).
    void put_checksum();
    /// Bytes written so far, header included.
    [[nodiscard]] std::uint64_t size() const { return m_size; }
    /// Flushes and closes; throws IoError on any write failure.
    FileDigest finish();

private:
    void flush_buffer();

    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
    std::vector<std::uint8_t> m_buffer;
    std::uint64_t m_size = 0;
    std::uint32_t m_crc = 0;
};

/// A read-only memory map of a whole file (empty files map to nothing).
class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    [[nodiscard]] const std::uint8_t* data() const { return m_data; }
    [[nodiscard]] std::uint64_t size() const { return m_size; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    /// Checks the 16-byte header (magic, a version this build reads); throws CorruptionError
    /// naming the file.
    void check_header(std::string_view magic) const;
    /// The header's format version (after check_header).
    [[nodiscard]] std::uint32_t version() const;
    [[nodiscard]] std::uint32_t crc32() const;

private:
    std::string m_name;
    const std::uint8_t* m_data = nullptr;
    std::uint64_t m_size = 0;
};

/// The record that a folder's files were verified ("checked once and recorded"): the stamp
/// file `verified` in the folder lists, per file, its size, inode, mtime and ctime (ns) as they
/// were when every checksum matched, and the manifest's CRC it vouches for. A later open may
/// skip the checksums while every file still matches its record and was last changed strictly
/// before the stamp was written (ctime cannot be set back by a user, and the kernel's coarse
/// clock makes "same tick" count as "maybe after"). Any rewrite, rename-over, truncation or
/// chmod of a file voids the stamp; silent media corruption does not (verify_checksums with
/// trust_verified_stamp = false checks everything). Layout: docs/formats/index.md.
namespace verified_stamp {
/// Whether `dir`'s stamp vouches for `files` (names relative to dir) under `manifest_crc`.
[[nodiscard]] bool holds(const std::filesystem::path& dir, std::uint32_t manifest_crc,
                         const std::vector<std::string>& files);
/// Writes the stamp for `files` (just verified) atomically; best effort: a read-only folder
/// or any other failure leaves no stamp and is not an error.
void record(const std::filesystem::path& dir, std::uint32_t manifest_crc,
            const std::vector<std::string>& files);
/// The stamp's file name.
inline constexpr const char* kFileName = "verified";
}  // namespace verified_stamp

/// Reads little-endian values from a byte range; any read past the end throws
/// CorruptionError("<file>: truncated ...").
class ByteReader {
public:
    ByteReader(const std::uint8_t* begin, const std::uint8_t* end, std::string file)
        : m_p(begin), m_begin(begin), m_end(end), m_file(std::move(file)) {}

    template <class T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, m_p, sizeof(T));
        m_p += sizeof(T);
        return v;
    }
    std::string get_string();
    const std::uint8_t* skip(std::uint64_t n) {
        need(n);
        const std::uint8_t* p = m_p;
        m_p += n;
        return p;
    }
    [[nodiscard]] std::uint64_t offset() const { return static_cast<std::uint64_t>(m_p - m_begin); }
    [[nodiscard]] std::uint64_t remaining() const {
        return static_cast<std::uint64_t>(m_end - m_p);
    }
    [[noreturn]] void fail(std::string_view what) const;

private:
    void need(std::uint64_t n) const {
        if (n > remaining()) {
            fail("truncated");
        }
    }
    const std::uint8_t* m_p;
    const std::uint8_t* m_begin;
    const std::uint8_t* m_end;
    std::string m_file;
};

}  // namespace cascade::index
