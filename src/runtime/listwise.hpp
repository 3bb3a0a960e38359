#pragma once
/// Listwise LLM re-ranking: the model sees a window of numbered passages and ranks them.
///
/// - Sliding windows as RankGPT does (Sun et al., 2023, "Is ChatGPT Good at Search?"): windows
///   of `window` passages from the bottom of the list up, each `stride` higher than the last,
///   so strong passages climb through overlapping windows. For n = 100, window 20, stride 10:
///   windows start at 80, 70, …, 0, nine passes. When (n − window) is not a multiple of the
///   stride, one more pass at the top keeps every passage inside some window (RankGPT's loop
///   stops before the top in that case).
/// - Mode `generate`: the model writes a permutation such as "[2] > [3] > [1]"; parse_permutation
///   reads it robustly (missing, repeated and out-of-range identifiers never fail a query).
/// - Mode `first` (FIRST, Reddy et al., 2024): one forward pass per window, no decoding: the
///   passages are ordered by the logits of their identifiers at the first generated position.
///   The prompt ends with "[" so that position predicts an identifier; identifiers must be
///   single tokens (letters A–Z).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/decoder_lm.hpp"

namespace cascade::runtime {

enum class ListwiseMode { Generate, First };

/// Passages are labelled [1], [2], … or [A], [B], … (at most 26).
enum class Identifiers { Numbers, Letters };

struct Window {
    std::size_t begin = 0;  ///< first list position in the window
    std::size_t end = 0;    ///< one past the last
};

/// The windows a pass over `n` candidates visits, in order (bottom first). window and stride
/// must be at least 1 and stride at most window (UsageError otherwise).
[[nodiscard]] std::vector<Window> sliding_windows(std::size_t n, std::size_t window,
                                                  std::size_t stride);

/// The label of passage `i` (0-based) without brackets: "1" or "A".
[[nodiscard]] std::string identifier(std::size_t i, Identifiers ids);

/// The order a generated answer gives to `count` passages, as 0-based window positions, best
/// first. Identifiers are read in order of appearance ("[3] > [1]", "3 > 1", "C, A" all work);
/// out-of-range and repeated ones are skipped, and those never named follow in their old order.
[[nodiscard]] std::vector<std::size_t> parse_permutation(std::string_view text, std::size_t count,
                                                         Identifiers ids);

/// Builds the prompt of one window as ChatML token ids:
///   user: "I will give you {n} passages, each with an identifier in brackets. Rank them by
///          relevance to the search query: {query}\n\n[1] {passage}\n[2] {passage}\n…\n
///          Search query: {query}\nList the identifiers of all {n} passages from the most to the
///          least relevant, as [2] > [1] > …, and write nothing else."
///   assistant: (opened; in mode first followed by "[")
/// Passages are cut to `passage_tokens` tokens (0: no cut).
class ListwisePrompt {
public:
    ListwisePrompt(const DecoderLm& lm, ListwiseMode mode, Identifiers ids,
                   std::size_t passage_tokens);
    [[nodiscard]] std::vector<std::int32_t> build(std::string_view query,
                                                  std::span<const std::string> passages) const;
    /// Token ids of the identifiers of a window of `n` passages (mode first): one each.
    [[nodiscard]] std::vector<std::int32_t> identifier_tokens(std::size_t n) const;

private:
    const DecoderLm* m_lm;
    ListwiseMode m_mode;
    Identifiers m_ids;
    std::size_t m_passage_tokens;
};

/// How a listwise pass runs.
struct ListwiseSettings {
    ListwiseMode mode = ListwiseMode::Generate;
    Identifiers ids = Identifiers::Numbers;
    std::size_t window = 20;
    std::size_t stride = 10;
    std::size_t passage_tokens = 100;  ///< 0: passages whole
    std::size_t max_new_tokens = 0;    ///< generate: 0 = 6 per passage + 8
};

/// Ranks each query's passages with sliding windows; window pass p of every query runs as one
/// batch. Returns per query the new order: indices into its passages, best first. `labels`
/// name the queries in errors (e.g. a prompt too long for the model). Throws what the model
/// throws, UsageError for bad settings.
[[nodiscard]] std::vector<std::vector<std::size_t>> rank_listwise(
    const DecoderLm& lm, const ListwiseSettings& settings, std::span<const std::string> queries,
    std::span<const std::vector<std::string>> passages, std::span<const std::string> labels);

/// The order FIRST gives a window: positions by descending identifier logit (ties: the earlier
/// position first).
[[nodiscard]] std::vector<std::size_t> order_by_logits(std::span<const float> logits);

}  // namespace cascade::runtime
