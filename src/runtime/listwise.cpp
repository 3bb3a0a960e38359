#include "runtime/listwise.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::runtime {

std::vector<Window> sliding_windows(std::size_t n, std::size_t window, std::size_t stride) {
    if (window == 0 || stride == 0 || stride > window)
        throw UsageError(fmt::format(
            "listwise windows need window >= 1 and 1 <= stride <= window (got {} and {})", window,
            stride));
    std::vector<Window> out;
    if (n == 0)
        return out;
    std::size_t end = n;
    for (;;) {
        const std::size_t begin = end > window ? end - window : 0;
        out.push_back({begin, end});
        if (begin == 0)
            break;
        end -= stride;  // begin > 0, so end = begin + window > stride
    }
    return out;
}

std::string identifier(std::size_t i, Identifiers ids) {
    if (ids == Identifiers::Letters) {
        CASCADE_ASSERT(i < 26);
        return std::string(1, static_cast<char>('A' + i));
    }
    return std::to_string(i + 1);
}

std::vector<std::size_t> parse_permutation(std::string_view text, std::size_t count,
                                           Identifiers ids) {
    std::vector<std::size_t> order;
    std::vector<bool> seen(count, false);
    auto take = [&](std::size_t index) {
        if (index < count && !seen[index]) {
            seen[index] = true;
            order.push_back(index);
        }
    };
    auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (ids == Identifiers::Numbers && c >= '0' && c <= '9') {
            std::size_t j = i;
            std::size_t value = 0;
            while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
                value = std::min<std::size_t>(value * 10 + static_cast<std::size_t>(text[j] - '0'),
                                              1U << 20U);
                ++j;
            }
            if (value >= 1)
                take(value - 1);
            i = j;
        } else if (ids == Identifiers::Letters && c >= 'A' && c <= 'Z' &&
                   (i == 0 || !is_alpha(text[i - 1])) &&
                   (i + 1 == text.size() || !is_alpha(text[i + 1]))) {
            take(static_cast<std::size_t>(c - 'A'));
            ++i;
        } else {
            ++i;
        }
    }
    for (std::size_t i = 0; i < count; ++i)
        if (!seen[i])
            order.push_back(i);
    return order;
}

std::vector<std::size_t> order_by_logits(std::span<const float> logits) {
    std::vector<std::size_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
    return order;
}

ListwisePrompt::ListwisePrompt(const DecoderLm& lm, ListwiseMode mode, Identifiers ids,
                               std::size_t passage_tokens)
    : m_lm(&lm), m_mode(mode), m_ids(ids), m_passage_tokens(passage_tokens) {}

std::vector<std::int32_t> ListwisePrompt::build(std::string_view query,
                                                std::span<const std::string> passages) const {
    const std::size_t n = passages.size();
    if (m_ids == Identifiers::Letters && n > 26)
        throw UsageError(fmt::format("a window of {} passages needs more than 26 letters", n));
    std::vector<std::int32_t> out = m_lm->chat().open("user");
    auto append = [&out](const std::vector<std::int32_t>& ids) {
        out.insert(out.end(), ids.begin(), ids.end());
    };
    append(
        m_lm->ids(fmt::format("I will give you {} passages, each with an identifier in "
                              "brackets. Rank them by relevance to the search query: {}\n\n",
                              n, query)));
    for (std::size_t i = 0; i < n; ++i) {
        append(m_lm->ids(fmt::format("[{}]", identifier(i, m_ids))));
        append(m_lm->ids(" " + passages[i], m_passage_tokens));
        append(m_lm->ids("\n"));
    }
    const std::string example =
        n >= 2 ? fmt::format("[{}] > [{}]", identifier(1, m_ids), identifier(0, m_ids))
               : fmt::format("[{}]", identifier(0, m_ids));
    append(
        m_lm->ids(fmt::format("\nSearch query: {}\nList the identifiers of all {} passages "
                              "from the most to the least relevant, as {} > …, and write "
                              "nothing else.",
                              query, n, example)));
    append(m_lm->chat().close());
    append(m_lm->chat().assistant());
    if (m_mode == ListwiseMode::First)
        append(m_lm->ids("["));
    return out;
}

std::vector<std::int32_t> ListwisePrompt::identifier_tokens(std::size_t n) const {
    std::vector<std::int32_t> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(m_lm->single_token(identifier(i, m_ids), "the passage identifier"));
    return out;
}

}  // namespace cascade::runtime
