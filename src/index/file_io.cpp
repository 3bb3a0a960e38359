#include "index/file_io.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "index/format.hpp"
#include "util/error.hpp"

namespace cascade::index {

namespace {
constexpr std::size_t kWriteBuffer = 1 << 20;

std::uint32_t crc_update(std::uint32_t crc, const std::uint8_t* p, std::uint64_t n) {
    while (n > 0) {
        auto chunk = static_cast<uInt>(std::min<std::uint64_t>(n, 1U << 30));
        crc = static_cast<std::uint32_t>(::crc32(crc, p, chunk));
        p += chunk;
        n -= chunk;
    }
    return crc;
}
}  // namespace

FileWriter::FileWriter(const std::filesystem::path& path, std::string_view magic) : m_path(path) {
    m_file = std::fopen(path.c_str(), "wb");
    if (m_file == nullptr) {
        throw IoError::from_errno("cannot create", path.string());
    }
    m_buffer.reserve(kWriteBuffer);
    m_crc = static_cast<std::uint32_t>(::crc32(0L, Z_NULL, 0));
    CASCADE_ASSERT(magic.size() == 8);
    write(magic.data(), magic.size());
    put<std::uint32_t>(format_version_of(magic));
    put<std::uint32_t>(0);
}

FileWriter::~FileWriter() {
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

void FileWriter::write(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    m_size += n;
    if (m_buffer.size() + n > kWriteBuffer) {
        flush_buffer();
        if (n >= kWriteBuffer) {
            m_crc = crc_update(m_crc, p, n);
            if (std::fwrite(p, 1, n, m_file) != n) {
                throw IoError::from_errno("cannot write", m_path.string());
            }
            return;
        }
    }
    m_buffer.insert(m_buffer.end(), p, p + n);
}

void FileWriter::put_string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    write(s.data(), s.size());
}

void FileWriter::pad_to(std::size_t alignment) {
    static constexpr std::uint8_t kZeros[64] = {};
    while (m_size % alignment != 0) {
        write(kZeros, std::min<std::size_t>(alignment - m_size % alignment, sizeof(kZeros)));
    }
}

void FileWriter::put_checksum() {
    flush_buffer();
    put<std::uint32_t>(m_crc);
}

void FileWriter::flush_buffer() {
    if (m_buffer.empty()) {
        return;
    }
    m_crc = crc_update(m_crc, m_buffer.data(), m_buffer.size());
    if (std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file) != m_buffer.size()) {
        throw IoError::from_errno("cannot write", m_path.string());
    }
    m_buffer.clear();
}

FileDigest FileWriter::finish() {
    flush_buffer();
    int rc = std::fclose(m_file);
    m_file = nullptr;
    if (rc != 0) {
        throw IoError::from_errno("cannot write", m_path.string());
    }
    return {m_path.filename().string(), m_size, m_crc};
}

MappedFile::MappedFile(const std::filesystem::path& path) : m_name(path.string()) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw IoError::from_errno("cannot open index file", m_name);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw IoError::from_errno("cannot stat", m_name);
    }
    m_size = static_cast<std::uint64_t>(st.st_size);
    if (m_size > 0) {
        void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            ::close(fd);
            throw IoError::from_errno("cannot mmap", m_name);
        }
        m_data = static_cast<const std::uint8_t*>(p);
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (m_data != nullptr) {
        ::munmap(const_cast<std::uint8_t*>(m_data), m_size);
    }
}

void MappedFile::check_header(std::string_view magic) const {
    if (m_size < kFileHeaderSize) {
        throw CorruptionError(m_name + ": truncated (" + std::to_string(m_size) +
                              " bytes, shorter than the file header)");
    }
    if (std::string_view(reinterpret_cast<const char*>(m_data), 8) != magic) {
        throw CorruptionError(m_name + ": not a cascade index file (expected magic '" +
                              std::string(magic) + "')");
    }
    auto version = load<std::uint32_t>(m_data + 8);
    const std::uint32_t newest = format_version_of(magic);
    const std::uint32_t oldest = oldest_readable_version_of(magic);
    if (version < oldest || version > newest) {
        const std::string readable = oldest == newest ? "version " + std::to_string(newest)
                                                      : "versions " + std::to_string(oldest) +
                                                            " to " + std::to_string(newest);
        throw CorruptionError(m_name + ": index format version " + std::to_string(version) +
                              ", this build reads " + readable + "; rebuild the index");
    }
}

std::uint32_t MappedFile::version() const {
    return load<std::uint32_t>(m_data + 8);
}

std::uint32_t crc32_of(const std::uint8_t* data, std::uint64_t n) {
    return crc_update(static_cast<std::uint32_t>(::crc32(0L, Z_NULL, 0)), data, n);
}

std::uint32_t MappedFile::crc32() const {
    return crc32_of(m_data, m_size);
}

namespace verified_stamp {
namespace {
constexpr std::string_view kStampMagic = "CSCD-VFY";

struct FileState {
    std::uint64_t size = 0;
    std::uint64_t inode = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
};

std::int64_t ns(const struct timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

bool state_of(const std::filesystem::path& path, FileState& out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return false;
    out.size = static_cast<std::uint64_t>(st.st_size);
    out.inode = static_cast<std::uint64_t>(st.st_ino);
    out.mtime_ns = ns(st.st_mtim);
    out.ctime_ns = ns(st.st_ctim);
    return true;
}
}  // namespace

bool holds(const std::filesystem::path& dir, std::uint32_t manifest_crc,
           const std::vector<std::string>& files) {
    const std::filesystem::path path = dir / kFileName;
    FileState stamp;
    if (!state_of(path, stamp))
        return false;
    try {
        MappedFile m(path);
        if (m.size() < kFileHeaderSize + 8)
            return false;
        const std::uint64_t body = m.size() - 4;
        if (std::string_view(reinterpret_cast<const char*>(m.data()), 8) != kStampMagic ||
            load<std::uint32_t>(m.data() + 8) != kFormatVersion ||
            load<std::uint32_t>(m.data() + body) != crc32_of(m.data(), body))
            return false;
        ByteReader r(m.data() + kFileHeaderSize, m.data() + body, m.name());
        if (r.get<std::uint32_t>() != manifest_crc)
            return false;
        const auto n = r.get<std::uint32_t>();
        if (n != files.size())
            return false;
        for (const std::string& name : files) {
            if (r.get_string() != name)
                return false;
            FileState recorded;
            recorded.size = r.get<std::uint64_t>();
            recorded.inode = r.get<std::uint64_t>();
            recorded.mtime_ns = r.get<std::int64_t>();
            recorded.ctime_ns = r.get<std::int64_t>();
            FileState now;
            if (!state_of(dir / name, now) || now.size != recorded.size ||
                now.inode != recorded.inode || now.mtime_ns != recorded.mtime_ns ||
                now.ctime_ns != recorded.ctime_ns || now.ctime_ns >= stamp.ctime_ns)
                return false;
        }
        return r.remaining() == 0;
    } catch (const Error&) {
        return false;  // an unreadable or damaged stamp vouches for nothing
    }
}

void record(const std::filesystem::path& dir, std::uint32_t manifest_crc,
            const std::vector<std::string>& files) {
    const std::filesystem::path tmp =
        dir / (std::string(".") + kFileName + ".tmp." + std::to_string(::getpid()));
    try {
        {
            FileWriter w(tmp, kStampMagic);
            w.put<std::uint32_t>(manifest_crc);
            w.put<std::uint32_t>(static_cast<std::uint32_t>(files.size()));
            for (const std::string& name : files) {
                FileState st;
                if (!state_of(dir / name, st)) {
                    std::filesystem::remove(tmp);
                    return;
                }
                w.put_string(name);
                w.put<std::uint64_t>(st.size);
                w.put<std::uint64_t>(st.inode);
                w.put<std::int64_t>(st.mtime_ns);
                w.put<std::int64_t>(st.ctime_ns);
            }
            w.put_checksum();
            (void)w.finish();
        }
        std::filesystem::rename(tmp, dir / kFileName);
    } catch (const std::exception&) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
    }
}
}  // namespace verified_stamp

std::string ByteReader::get_string() {
    auto n = get<std::uint32_t>();
    const auto* p = skip(n);
    return {reinterpret_cast<const char*>(p), n};
}

void ByteReader::fail(std::string_view what) const {
    throw CorruptionError(m_file + ": " + std::string(what) + " at byte " +
                          std::to_string(offset()));
}

}  // namespace cascade::index
