#pragma once
/// MaxScore dynamic pruning, document at a time: Turtle & Flood, "Query Evaluation: Strategies
/// and Optimizations", IP&M 1995; in the DAAT form of PISA's maxscore_query. Terms are ordered
/// by their list upper bound; the lowest-bound terms whose bounds together cannot reach the
/// k-th score are "non-essential": candidates come only from the essential lists, and the
/// non-essential ones are probed with next_geq while the remaining bound still lets the
/// candidate compete. With up to four essential lists the candidates are taken one document
/// at a time; with more, a window of docids at a time (see `window` below).

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include "retrieve/algorithm/docid_window.hpp"
#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

/// Docids per MaxScore window (see maxscore_query): its sums take 32 KiB, its bitmap 512 bytes.
/// Of 512 to 16384, 4096 ran the default query mix of the 1M synthetic corpus with the fewest
/// instructions and mispredicted branches.
inline constexpr std::uint32_t kMaxScoreWindow = 4096;

template <ScoredCursor Cursor, class Queue>
void maxscore_query(std::span<Cursor> cursors, Queue& queue,
                    std::uint32_t window_size = kMaxScoreWindow) {
    window_size = std::max<std::uint32_t>(64, window_size / 64 * 64);  // whole bitmap words
    const std::size_t n = cursors.size();
    if (n == 0) {
        return;
    }
    const std::uint32_t sentinel = cursors[0].sentinel();
    // order[i]: term index of the i-th smallest bound; prefix[i]: sum of bounds of order[0..i].
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return cursors[a].max_score() < cursors[b].max_score();
    });
    std::vector<double> prefix(n);
    double acc = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        acc += static_cast<double>(cursors[order[i]].max_score());
        prefix[i] = acc;
    }
    // The cursors in `order`, so that the loops below index no permutation.
    std::vector<Cursor*> sorted(n);
    for (std::size_t i = 0; i < n; ++i) {
        sorted[i] = &cursors[order[i]];
    }
    // Scores are summed in query-term order through `sum`, unless every sum is provably exact
    // (order_free_sums): then `partial` already is the document's score.
    const bool order_free = order_free_sums(cursors);
    std::vector<float> scratch(n);
    TermScoreSum sum(scratch);

    std::size_t first_essential = 0;
    auto update_essential = [&] {
        while (first_essential < n &&
               queue.can_prune(static_cast<float>(prefix[first_essential]))) {
            ++first_essential;
        }
    };
    update_essential();

    std::uint32_t current = sentinel;
    for (std::size_t i = first_essential; i < n; ++i) {
        current = std::min<std::uint32_t>(current, sorted[i]->docid());
    }
    // One candidate: score it on the essential lists sorted[first .. n) (advancing those on
    // it), then probe the non-essential ones while its bound still competes. `Essential` is
    // n - first when known at compile time (0 otherwise), so that the common small counts (1 to 4)
    // get their loops unrolled.
    auto candidate = [&]<std::size_t Essential>(std::size_t first) {
        std::uint32_t next_doc = sentinel;
        double partial = 0.0;
        const std::size_t count = Essential != 0 ? Essential : n - first;
        for (std::size_t j = 0; j < count; ++j) {
            const std::size_t i = first + j;
            Cursor& c = *sorted[i];
            if (c.docid() == current) {
                float s = c.score();
                if (!order_free) {
                    sum.set(order[i], s);
                }
                partial += static_cast<double>(s);
                c.next();
            }
            next_doc = std::min<std::uint32_t>(next_doc, c.docid());
        }
        prefetch_candidate(*sorted[n - 1], queue, next_doc);
        bool pruned = false;
        for (std::size_t i = first; i-- > 0;) {
            if (queue.can_prune(static_cast<float>(partial + prefix[i]))) {
                pruned = true;
                break;
            }
            Cursor& c = *sorted[i];
            c.next_geq(current);
            if (c.docid() == current) {
                float s = c.score();
                if (!order_free) {
                    sum.set(order[i], s);
                }
                partial += static_cast<double>(s);
            }
        }
        if (pruned) {
            if (!order_free) {
                sum.clear();
            }
        } else if (queue.insert(current, order_free ? static_cast<float>(partial) : sum.take())) {
            update_essential();
        }
        current = next_doc;
    };
    // Many essential lists: candidates a window of docids at a time (DocidWindow, made on
    // first use). The essential set stays fixed for the window (a list that turns
    // non-essential in it has already added its scores); the window's documents then meet the
    // non-essential lists as candidate() has them do.
    std::optional<DocidWindow> docid_window;
    auto window = [&](std::size_t first) {
        if (!docid_window) {
            docid_window.emplace(window_size, n, order_free);
        }
        const std::uint32_t base = current;
        const std::uint32_t end = sentinel - base > window_size ? base + window_size : sentinel;
        for (std::size_t i = first; i < n; ++i) {
            docid_window->add(*sorted[i], order[i], base, end);
        }
        // The probe of candidate() above, keeping term scores in the window's row: one lambda
        // for both cost 1.5-2 % more instructions.
        docid_window->drain(base, [&](std::uint32_t doc, double partial, float* row) {
            for (std::size_t i = first; i-- > 0;) {
                if (queue.can_prune(static_cast<float>(partial + prefix[i]))) {
                    return;
                }
                Cursor& c = *sorted[i];
                c.next_geq(doc);
                if (c.docid() == doc) {
                    const float s = c.score();
                    partial += static_cast<double>(s);
                    if (!order_free) {
                        row[order[i]] = s;
                    }
                }
            }
            const float score = window_score(partial, row, n, order_free);
            if (queue.insert(doc, score)) {
                update_essential();
            }
        });
        current = sentinel;
        for (std::size_t i = first_essential; i < n; ++i) {
            current = std::min<std::uint32_t>(current, sorted[i]->docid());
        }
    };
    // Runs candidates (Essential lists at a time; windows for 0) while the essential set holds.
    auto run = [&]<std::size_t Essential>(std::size_t first) {
        // NOLINTNEXTLINE(bugprone-infinite-loop): candidate() and window() advance both.
        while (current < sentinel && first_essential == first) {
            if constexpr (Essential == 0) {
                window(first);
            } else {
                candidate.template operator()<Essential>(first);
            }
        }
    };
    // NOLINTNEXTLINE(bugprone-infinite-loop): run() advances both.
    while (current < sentinel && first_essential < n) {
        const std::size_t first = first_essential;
        switch (n - first) {
            case 1:
                run.template operator()<1>(first);
                break;
            case 2:
                run.template operator()<2>(first);
                break;
            case 3:
                run.template operator()<3>(first);
                break;
            case 4:
                run.template operator()<4>(first);
                break;
            default:
                run.template operator()<0>(first);
                break;
        }
    }
}

}  // namespace cascade::retrieve
