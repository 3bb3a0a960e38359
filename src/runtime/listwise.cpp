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
    std::vector<std::int32_t> out = m_lm->chat().begin();
    const auto user = m_lm->chat().open("user");
    out.insert(out.end(), user.begin(), user.end());
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

namespace {

std::size_t generation_limit(const ListwiseSettings& s, std::size_t n) {
    // "[12] > " is at most 6 tokens; a little room for a closing token.
    return s.max_new_tokens > 0 ? s.max_new_tokens : 6 * n + 8;
}

}  // namespace

std::vector<std::vector<std::size_t>> rank_listwise(
    const DecoderLm& lm, const ListwiseSettings& settings, std::span<const std::string> queries,
    std::span<const std::vector<std::string>> passages, std::span<const std::string> labels) {
    CASCADE_ASSERT(queries.size() == passages.size() && labels.size() == queries.size());
    if (settings.ids == Identifiers::Letters && settings.window > 26)
        throw UsageError(
            fmt::format("window {} needs more than 26 letter identifiers", settings.window));
    const ListwisePrompt prompt(lm, settings.mode, settings.ids, settings.passage_tokens);
    std::vector<std::int32_t> identifier_ids;
    if (settings.mode == ListwiseMode::First)
        identifier_ids = prompt.identifier_tokens(settings.window);
    // order[q][i]: the passage at list position i; texts follow the order.
    std::vector<std::vector<std::size_t>> order(queries.size());
    std::vector<std::vector<Window>> windows(queries.size());
    std::size_t passes = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
        order[q].resize(passages[q].size());
        std::iota(order[q].begin(), order[q].end(), 0);
        windows[q] = sliding_windows(passages[q].size(), settings.window, settings.stride);
        passes = std::max(passes, windows[q].size());
    }
    for (std::size_t pass = 0; pass < passes; ++pass) {
        std::vector<std::size_t> who;
        std::vector<std::vector<std::int32_t>> prompts;
        std::size_t longest = 0;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            if (pass >= windows[q].size())
                continue;
            const Window w = windows[q][pass];
            std::vector<std::string> texts;
            for (std::size_t i = w.begin; i < w.end; ++i)
                texts.push_back(passages[q][order[q][i]]);
            prompts.push_back(prompt.build(queries[q], texts));
            const std::size_t n = w.end - w.begin;
            longest = std::max(longest, n);
            lm.check_fits(
                prompts.back().size(),
                settings.mode == ListwiseMode::First ? 0 : generation_limit(settings, n),
                fmt::format("query {}: the listwise prompt of {} passages", labels[q], n));
            who.push_back(q);
        }
        std::vector<std::vector<std::size_t>> best(who.size());
        if (settings.mode == ListwiseMode::First) {
            const auto logits = lm.last_logits(prompts, identifier_ids);
            for (std::size_t i = 0; i < who.size(); ++i) {
                const Window w = windows[who[i]][pass];
                best[i] = order_by_logits(std::span<const float>(logits[i]).first(w.end - w.begin));
            }
        } else {
            model::GenerationOptions options;
            options.max_new_tokens = generation_limit(settings, longest);
            options.stop_tokens = lm.stop_tokens();
            const auto results = lm.generate(prompts, options);
            for (std::size_t i = 0; i < who.size(); ++i) {
                const Window w = windows[who[i]][pass];
                best[i] = parse_permutation(lm.tokenizer().decode(results[i].tokens),
                                            w.end - w.begin, settings.ids);
            }
        }
        for (std::size_t i = 0; i < who.size(); ++i) {
            const Window w = windows[who[i]][pass];
            auto& o = order[who[i]];
            std::vector<std::size_t> moved;
            for (std::size_t j : best[i])
                moved.push_back(o[w.begin + j]);
            std::copy(moved.begin(), moved.end(), o.begin() + static_cast<std::ptrdiff_t>(w.begin));
        }
    }
    return order;
}

}  // namespace cascade::runtime
