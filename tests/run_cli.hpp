#pragma once
/// Test helper: runs the built `cascade` binary and captures exit code, stdout and stderr.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cascade::testing {

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Runs `cascade <args>` through the shell; `args` is pasted verbatim (quote as needed).
inline CliResult run_cli(const std::string& args) {
    static int counter = 0;
    auto dir = std::filesystem::temp_directory_path();
    auto tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    auto out = dir / ("cascade_cli_out_" + tag);
    auto err = dir / ("cascade_cli_err_" + tag);
    std::string cmd = std::string(CASCADE_BINARY_PATH) + " " + args + " >" + out.string() + " 2>" +
                      err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return r;
}

/// A fresh temporary directory removed at scope exit.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        m_path = std::filesystem::temp_directory_path() /
                 ("cascade_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return m_path / name;
    }

private:
    std::filesystem::path m_path;
};

inline void write_file(const std::filesystem::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary);
    out << content;
}

/// The shared collections folder, or empty when absent (tests then GTEST_SKIP).
inline std::filesystem::path shared_dir() {
    std::filesystem::path p(CASCADE_SHARED_DIR);
    return std::filesystem::exists(p / "data") ? p : std::filesystem::path();
}

}  // namespace cascade::testing
