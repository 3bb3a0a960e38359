#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "util/error.hpp"

namespace cascade {

namespace fs = std::filesystem;

namespace {
fs::path temp_sibling(const fs::path& path) {
    return fs::path(path.string() + ".tmp-" + std::to_string(::getpid()));
}
}  // namespace

void fsync_path(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

AtomicFile::AtomicFile(fs::path path) : m_path(std::move(path)), m_tmp(temp_sibling(m_path)) {
    m_stream.open(m_tmp, std::ios::binary | std::ios::trunc);
    if (!m_stream) {
        throw IoError::from_errno("cannot create", m_tmp.string());
    }
}

AtomicFile::~AtomicFile() {
    if (!m_committed) {
        m_stream.close();
        std::error_code ec;
        fs::remove(m_tmp, ec);
    }
}

void AtomicFile::commit() {
    m_stream.flush();
    if (!m_stream) {
        throw IoError::from_errno("cannot write", m_tmp.string());
    }
    m_stream.close();
    fsync_path(m_tmp);
    std::error_code ec;
    fs::rename(m_tmp, m_path, ec);
    if (ec) {
        throw IoError("cannot rename " + m_tmp.string() + " to " + m_path.string() + ": " +
                      ec.message());
    }
    m_committed = true;
}

AtomicDirectory::AtomicDirectory(fs::path path)
    : m_path(std::move(path)), m_tmp(temp_sibling(m_path)) {
    std::error_code ec;
    fs::remove_all(m_tmp, ec);
    fs::create_directories(m_tmp, ec);
    if (ec) {
        throw IoError("cannot create " + m_tmp.string() + ": " + ec.message());
    }
}

AtomicDirectory::~AtomicDirectory() {
    if (!m_committed) {
        std::error_code ec;
        fs::remove_all(m_tmp, ec);
    }
}

void AtomicDirectory::commit() {
    for (const auto& entry : fs::directory_iterator(m_tmp)) {
        if (entry.is_regular_file()) {
            fsync_path(entry.path());
        }
    }
    fsync_path(m_tmp);
    std::error_code ec;
    fs::path old;
    if (fs::exists(m_path)) {
        old = fs::path(m_path.string() + ".old-" + std::to_string(::getpid()));
        fs::rename(m_path, old, ec);
        if (ec) {
            throw IoError("cannot move aside " + m_path.string() + ": " + ec.message());
        }
    }
    fs::rename(m_tmp, m_path, ec);
    if (ec) {
        if (!old.empty()) {
            std::error_code restore;
            fs::rename(old, m_path, restore);
        }
        throw IoError("cannot rename " + m_tmp.string() + " to " + m_path.string() + ": " +
                      ec.message());
    }
    m_committed = true;
    if (!old.empty()) {
        fs::remove_all(old, ec);
    }
}

}  // namespace cascade
