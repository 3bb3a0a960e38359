#pragma once
/// The errors cascade throws for problems a user can fix.
///
/// Every such problem (bad options, malformed input, an unreadable or corrupted file) is a
/// cascade::Error whose what() says what to fix and where. The `cascade` binary maps UsageError
/// to exit code 2 and every other Error to exit code 1; `cascade serve` maps them to HTTP 4xx.
/// Bugs are not errors: they abort with the condition, file and line.

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

}  // namespace cascade
