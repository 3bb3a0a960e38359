#include "text/stop_words.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace cascade::text {
namespace {

/// Packs a word of up to 8 bytes into an integer, first byte most significant, so that the
/// integers sort as the words do and one comparison replaces a string comparison.
constexpr std::uint64_t pack(std::string_view w) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        key = (key << 8) | (i < w.size() ? static_cast<unsigned char>(w[i]) : 0u);
    }
    return key;
}

constexpr auto kPackedStopWords = [] {
    std::array<std::uint64_t, kEnglishStopWords.size()> keys{};
    for (std::size_t i = 0; i < keys.size(); ++i)
        keys[i] = pack(kEnglishStopWords[i]);
    return keys;
}();

static_assert(std::is_sorted(kPackedStopWords.begin(), kPackedStopWords.end()));

}  // namespace

bool is_english_stop_word(std::string_view term) {
    if (term.empty() || term.size() > 5)
        return false;  // the longest stop word has 5 letters
    // A NUL byte would pack like a shorter word; no stop word contains one.
    if (term.find('\0') != std::string_view::npos)
        return false;
    return std::binary_search(kPackedStopWords.begin(), kPackedStopWords.end(), pack(term));
}

}  // namespace cascade::text
