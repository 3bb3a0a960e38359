#include "text/stop_words.hpp"

#include <algorithm>

namespace cascade::text {

bool is_english_stop_word(std::string_view term) {
    if (term.empty() || term.size() > 5) return false;  // the longest stop word has 5 letters
    return std::binary_search(kEnglishStopWords.begin(), kEnglishStopWords.end(), term);
}

}  // namespace cascade::text
