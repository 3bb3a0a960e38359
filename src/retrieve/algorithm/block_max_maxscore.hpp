#pragma once
/// Block-Max MaxScore: MaxScore whose candidates are first checked against the block maxima of
/// the non-essential lists before those lists are probed. Chakrabarti, Chaudhuri & Ganti,
/// "Interval-based pruning for top-k processing over compressed lists", ICDE 2011; in the
/// form of PISA's block_max_maxscore_query (Mallia, Siedlaczek & Suel, "An Experimental Study
/// of Index Compression and DAAT Query Processing Methods", ECIR 2019).

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

template <BlockMaxCursor Cursor, class Queue>
void block_max_maxscore_query(std::span<Cursor> cursors, Queue& queue) {
    const std::size_t n = cursors.size();
    if (n == 0) {
        return;
    }
    const std::uint32_t sentinel = cursors[0].sentinel();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return cursors[a].max_score() < cursors[b].max_score();
    });
    std::vector<double> prefix(n);  // list bounds of order[0..i], summed ascending
    double acc = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        acc += static_cast<double>(cursors[order[i]].max_score());
        prefix[i] = acc;
    }
    std::vector<double> block_prefix(n);  // block bounds around the candidate, same order
    std::vector<float> scratch(n);
    const bool order_free = order_free_sums(cursors);  // as in maxscore_query
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
        current = std::min<std::uint32_t>(current, cursors[order[i]].docid());
    }
    while (current < sentinel && first_essential < n) {
        double partial = 0.0;
        std::uint32_t next_doc = sentinel;
        for (std::size_t i = first_essential; i < n; ++i) {
            Cursor& c = cursors[order[i]];
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
        // The list bounds first, as MaxScore does: most candidates fall to them without a
        // block being looked at.
        if (first_essential > 0 &&
            queue.can_prune(static_cast<float>(partial + prefix[first_essential - 1]))) {
            if (!order_free) {
                sum.clear();
            }
            current = next_doc;
            continue;
        }
        double block_acc = 0.0;
        for (std::size_t i = 0; i < first_essential; ++i) {
            Cursor& c = cursors[order[i]];
            c.shallow_next_geq(current);
            block_acc += static_cast<double>(c.block_max_score());
            block_prefix[i] = block_acc;
        }
        bool pruned = false;
        for (std::size_t i = first_essential; i-- > 0;) {
            if (queue.can_prune(static_cast<float>(partial + block_prefix[i]))) {
                pruned = true;
                break;
            }
            Cursor& c = cursors[order[i]];
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
    }
}

}  // namespace cascade::retrieve
