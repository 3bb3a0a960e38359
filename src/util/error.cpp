#include "util/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace cascade {

InputError::InputError(std::string_view path, std::size_t line, std::string_view what)
    : Error(fmt::format("{}:{}: {}", path, line, what)) {}

InputError::InputError(std::string_view path, std::string_view what)
    : Error(fmt::format("{}: {}", path, what)) {}

IoError IoError::from_errno(std::string_view what, std::string_view path) {
    return IoError(fmt::format("{}: {}: {}", what, path, std::strerror(errno)));
}

namespace detail {
void assertion_failed(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "cascade: internal error: assertion '%s' failed at %s:%d\n", condition,
                 file, line);
    std::abort();
}
}  // namespace detail

}  // namespace cascade
