#pragma once
/// Error types shared by every layer.
///
/// Bugs abort through CASCADE_ASSERT with the condition, file and line. Problems a user can fix
/// (bad options, malformed input, corrupted files) are thrown as cascade::Error subclasses and
/// turned into exit codes at the CLI boundary and 4xx responses at the HTTP boundary.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cascade {

/// Base of all user-facing errors. what() is the message shown to the user.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Wrong command-line usage or option values (CLI exit code 2).
class UsageError : public Error {
public:
    using Error::Error;
};

/// Malformed content in an input file; the message reads `path:line: what`.
class InputError : public Error {
public:
    InputError(std::string_view path, std::size_t line, std::string_view what);
    InputError(std::string_view path, std::string_view what);
};

/// An on-disk structure (index, model file) that is truncated, corrupted or of another version.
class CorruptionError : public Error {
public:
    using Error::Error;
};

/// Failure of the operating system: open, read, write, rename, mmap.
class IoError : public Error {
public:
    using Error::Error;
    /// Builds "what: path: strerror(errno)" from the current errno.
    static IoError from_errno(std::string_view what, std::string_view path);
};

namespace detail {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);
}  // namespace detail

}  // namespace cascade

/// Aborts with the condition, file and line when an internal invariant does not hold.
/// Active in every build type: these guard against bugs, not user input.
#define CASCADE_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::cascade::detail::assertion_failed(#cond, __FILE__, __LINE__))
