#pragma once
/// Error types shared by every layer: the public ones (cascade/error.hpp), so that the library
/// and its callers throw and catch the same types, plus CASCADE_ASSERT for bugs.
///
/// Bugs abort through CASCADE_ASSERT with the condition, file and line. Problems a user can fix
/// (bad options, malformed input, corrupted files) are thrown as cascade::Error subclasses and
/// turned into exit codes at the CLI boundary and 4xx responses at the HTTP boundary.

#include <cascade/error.hpp>

namespace cascade::detail {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);
}  // namespace cascade::detail

/// Aborts with the condition, file and line when an internal invariant does not hold.
/// Active in every build type: these guard against bugs, not user input.
#define CASCADE_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::cascade::detail::assertion_failed(#cond, __FILE__, __LINE__))
