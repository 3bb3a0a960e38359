#pragma once
/// Splitting a string into pieces by a pattern, with the delimiter behaviours of Hugging Face
/// `tokenizers` (`SplitDelimiterBehavior` in tokenizers/src/tokenizer/normalizer.rs).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class RegexPattern;
U_NAMESPACE_END

namespace cascade::model::tok {

/// A byte range of the input and whether it is a pattern match.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool is_match = false;
};

/// What to do with the matched delimiters when splitting.
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

/// Parses "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous".
SplitBehavior parse_split_behavior(const std::string& name);

/// A regular expression in the Oniguruma dialect that `tokenizers` uses, run by ICU. `\s`, `\S`,
/// `\w`, `\W` are rewritten to Oniguruma's Unicode definitions (White_Space; L, M, Nd, Pc), so
/// GPT-2 / Qwen / Llama-3 pre-tokenizer patterns with `\p{L}`, `\p{N}`, `(?i:...)` and the
/// lookahead `\s+(?!\S)` behave as in Hugging Face. Thread-safe: each call makes its matcher.
class Regex {
public:
    /// Compiles `pattern`; `literal` treats it as a plain string. Throws Error when invalid.
    explicit Regex(std::string_view pattern, bool literal = false);
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    /// Covers `text` with alternating spans, matches flagged (HF `Pattern::find_matches`).
    void find_spans(std::string_view text, std::vector<Span>& spans) const;

private:
    std::unique_ptr<icu::RegexPattern> m_pattern;
};

/// Spans where every code point satisfying `pred` is its own match (HF's `Fn(char)` pattern).
void find_char_spans(std::string_view text, const std::function<bool(char32_t)>& pred,
                     std::vector<Span>& spans);

/// Turns spans into piece ranges according to `behavior`; `invert` swaps matches and gaps
/// first. Empty pieces are dropped.
std::vector<std::pair<std::size_t, std::size_t>> apply_behavior(std::vector<Span> spans,
                                                                SplitBehavior behavior,
                                                                bool invert);

}  // namespace cascade::model::tok
