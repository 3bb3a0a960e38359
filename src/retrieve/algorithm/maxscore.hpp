#pragma once
/// MaxScore dynamic pruning, document at a time: Turtle & Flood, "Query Evaluation: Strategies
/// and Optimizations", IP&M 1995; in the DAAT form of PISA's maxscore_query. Terms are ordered
/// by their list upper bound; the lowest-bound terms whose bounds together cannot reach the
/// k-th score are "non-essential": candidates come only from the essential lists, and the
/// non-essential ones are probed with next_geq while the remaining bound still lets the
/// candidate compete.

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

template <ScoredCursor Cursor, class Queue>
void maxscore_query(std::span<Cursor> cursors, Queue& queue) {
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
    while (current < sentinel && first_essential < n) {
        const std::size_t first = first_essential;
        switch (n - first) {
            case 1:
                while (current < sentinel && first_essential == first) {
                    candidate.template operator()<1>(first);
                }
                break;
            case 2:
                while (current < sentinel && first_essential == first) {
                    candidate.template operator()<2>(first);
                }
                break;
            case 3:
                while (current < sentinel && first_essential == first) {
                    candidate.template operator()<3>(first);
                }
                break;
            case 4:
                while (current < sentinel && first_essential == first) {
                    candidate.template operator()<4>(first);
                }
                break;
            default:
                while (current < sentinel && first_essential == first) {
                    candidate.template operator()<0>(first);
                }
                break;
        }
    }
}

}  // namespace cascade::retrieve
