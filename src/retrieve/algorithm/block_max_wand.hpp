#pragma once
/// Block-Max WAND: Ding & Suel, "Faster Top-k Document Retrieval Using Block-Max Indexes",
/// SIGIR 2011. After WAND picks a pivot with list upper bounds, the cursors up to the pivot
/// are shallowly moved to the pivot's block and the tighter sum of block maxima decides: when
/// even that cannot compete, every document up to the end of the shortest of those blocks is
/// skipped.

#include <algorithm>
#include <span>
#include <vector>

#include "retrieve/algorithm/wand.hpp"
#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

template <BlockMaxCursor Cursor, class Queue>
void block_max_wand_query(std::span<Cursor> cursors, Queue& queue) {
    const std::size_t n = cursors.size();
    if (n == 0) {
        return;
    }
    const std::uint32_t sentinel = cursors[0].sentinel();
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
    }
    std::vector<float> scratch(n);
    TermScoreSum sum(scratch, order_free_sums(cursors));
    while (true) {
        detail::sort_by_docid(cursors, order);
        std::size_t pivot = detail::find_pivot(cursors, order, queue);
        if (pivot == n) {
            return;
        }
        const std::uint32_t pivot_doc = cursors[order[pivot]].docid();
        prefetch_candidate(cursors[order[pivot]], queue, pivot_doc);
        while (pivot + 1 < n && cursors[order[pivot + 1]].docid() == pivot_doc) {
            ++pivot;
        }
        double block_bound = 0.0;
        for (std::size_t p = 0; p <= pivot; ++p) {
            Cursor& c = cursors[order[p]];
            c.shallow_next_geq(pivot_doc);
            block_bound += static_cast<double>(c.block_max_score());
        }
        if (!queue.can_prune(static_cast<float>(block_bound))) {
            if (cursors[order[0]].docid() == pivot_doc) {
                for (std::size_t p = 0; p <= pivot; ++p) {
                    Cursor& c = cursors[order[p]];
                    sum.set(order[p], c.score());
                    c.next();
                }
                queue.insert(pivot_doc, sum.take());
            } else {
                // Documents before pivot_doc only occur in lists whose bounds cannot compete:
                // move the last list short of the pivot there (PISA's block_max_wand_query).
                std::size_t lagging = pivot;
                while (cursors[order[lagging]].docid() == pivot_doc) {
                    --lagging;
                }
                cursors[order[lagging]].next_geq(pivot_doc);
            }
            continue;
        }
        // No document in [pivot_doc, end of the shortest block] can compete: the lists past
        // the pivot start later, and every list up to it is bounded by its block maximum. Move
        // the list with the largest bound among those up to the pivot past that range.
        std::uint32_t next = sentinel;
        std::size_t mover = pivot;
        for (std::size_t p = 0; p <= pivot; ++p) {
            const Cursor& c = cursors[order[p]];
            std::uint32_t last = c.block_max_docid();
            next = std::min<std::uint32_t>(next, last >= sentinel ? sentinel : last + 1);
            if (c.max_score() > cursors[order[mover]].max_score()) {
                mover = p;
            }
        }
        if (pivot + 1 < n) {
            next = std::min<std::uint32_t>(next, cursors[order[pivot + 1]].docid());
        }
        next = std::max<std::uint32_t>(next, pivot_doc + 1);
        cursors[order[mover]].next_geq(next);
    }
}

}  // namespace cascade::retrieve
