#pragma once
/// FNV-1a, 64 bits (Fowler, Noll, Vo): a fast, stable hash for fingerprints written to disk
/// (dense parts record their index's ids and their embedder's files with it).

#include <cstdint>
#include <string_view>

namespace cascade {

inline constexpr std::uint64_t kFnv1aBasis = 0xcbf29ce484222325ULL;

/// Continues hash `h` over `bytes`; start from kFnv1aBasis.
[[nodiscard]] inline std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
    for (const char c : bytes) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace cascade
