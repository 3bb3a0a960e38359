#include "text/stop_words.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace cascade::text {
namespace {

/// A word of up to 5 bytes as an integer: its bytes from the most significant down, its length
/// in the lowest byte (so a word with a NUL byte never packs like a shorter one).
constexpr std::uint64_t pack(std::string_view w) {
    std::uint64_t key = w.size();
    for (std::size_t i = 0; i < w.size(); ++i) {
        key |= std::uint64_t{static_cast<unsigned char>(w[i])} << (56 - 8 * i);
    }
    return key;
}

constexpr std::size_t kSlotBits = 7;  // 128 slots for 33 words

constexpr std::size_t slot_of(std::uint64_t key, std::uint64_t multiplier) {
    return static_cast<std::size_t>((key * multiplier) >> (64 - kSlotBits));
}

/// A multiplier that sends every stop word to its own slot (a perfect hash), found when
/// compiling: the first of a fixed odd sequence that works.
constexpr std::uint64_t kMultiplier = [] {
    std::array<std::uint64_t, kEnglishStopWords.size()> keys{};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        keys[i] = pack(kEnglishStopWords[i]);
    }
    std::uint64_t m = 0x9e3779b97f4a7c15ULL;
    while (true) {
        std::array<bool, std::size_t{1} << kSlotBits> used{};
        bool clash = false;
        for (const std::uint64_t key : keys) {
            const std::size_t s = slot_of(key, m);
            clash = clash || used[s];
            used[s] = true;
        }
        if (!clash) {
            return m;
        }
        m += 0x632be59bd9b4e019ULL * 2;  // stays odd
    }
}();

/// Slot -> the stop word's packed key there, 0 for none (no key is 0: lengths are >= 1).
constexpr auto kSlots = [] {
    std::array<std::uint64_t, std::size_t{1} << kSlotBits> slots{};
    for (std::string_view w : kEnglishStopWords) {
        slots[slot_of(pack(w), kMultiplier)] = pack(w);
    }
    return slots;
}();

}  // namespace

bool is_english_stop_word(std::string_view term) {
    if (term.empty() || term.size() > 5) {
        return false;  // the longest stop word has 5 letters
    }
    const std::uint64_t key = pack(term);
    return kSlots[slot_of(key, kMultiplier)] == key;
}

}  // namespace cascade::text
