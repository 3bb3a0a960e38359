#pragma once
/// Crash-safe output: write to a temporary sibling, then rename over the target.

#include <filesystem>
#include <fstream>
#include <string>

namespace cascade {

/// An output file that appears at `path` only when commit() succeeds. Until then the data
/// goes to `path.tmp-<pid>`; the destructor removes that file if commit() was never reached,
/// so a failure or crash never leaves a half-written file under the final name, and an
/// existing file at `path` stays untouched.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    std::ofstream& stream() { return m_stream; }
    /// Flushes, fsyncs and renames the temporary file to the final path.
    void commit();

private:
    std::filesystem::path m_path;
    std::filesystem::path m_tmp;
    std::ofstream m_stream;
    bool m_committed = false;
};

/// A directory built under a temporary sibling and renamed into place on commit(); an
/// existing directory at the target is replaced only after the new one is complete.
class AtomicDirectory {
public:
    explicit AtomicDirectory(std::filesystem::path path);
    ~AtomicDirectory();
    AtomicDirectory(const AtomicDirectory&) = delete;
    AtomicDirectory& operator=(const AtomicDirectory&) = delete;

    /// Where to write the directory's files before commit().
    [[nodiscard]] const std::filesystem::path& staging() const { return m_tmp; }
    void commit();

private:
    std::filesystem::path m_path;
    std::filesystem::path m_tmp;
    bool m_committed = false;
};

/// fsyncs a file or directory by path (best effort on directories).
void fsync_path(const std::filesystem::path& path);

}  // namespace cascade
