#pragma once
/// Block-Max WAND: Ding & Suel, "Faster Top-k Document Retrieval Using Block-Max Indexes",
/// SIGIR 2011. After WAND picks a pivot with list upper bounds, the cursors up to the pivot
/// are shallowly moved to the pivot's block and the tighter sum of block maxima decides: when
/// even that cannot compete, every document up to the end of the shortest of those blocks is
/// skipped.

#include <algorithm>
#include <span>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

namespace detail {
/// Block-max WAND over `cursors`; `Terms` is their count when known at compile time (0
/// otherwise), so that the loops over them unroll for the common short queries.
template <std::size_t Terms, BlockMaxCursor Cursor, class Queue>
void block_max_wand(std::span<Cursor> cursors, Queue& queue) {
    const std::size_t n = Terms != 0 ? Terms : cursors.size();
    const std::uint32_t sentinel = cursors[0].sentinel();
    // The cursors as pointers, kept sorted by docid (a cursor is large, so indexing the span
    // by position costs a multiplication per access in these loops).
    std::vector<Cursor*> sorted(n);
    for (std::size_t i = 0; i < n; ++i) {
        sorted[i] = &cursors[i];
    }
    auto term_of = [&](const Cursor* c) { return static_cast<std::size_t>(c - cursors.data()); };
    std::vector<float> scratch(n);
    TermScoreSum sum(scratch, order_free_sums(cursors));
    for (std::size_t i = 1; i < n; ++i) {  // insertion sort, once
        Cursor* v = sorted[i];
        const std::uint32_t d = v->docid();
        std::size_t j = i;
        while (j > 0 && sorted[j - 1]->docid() > d) {
            sorted[j] = sorted[j - 1];
            --j;
        }
        sorted[j] = v;
    }
    // After a cursor at position i moved forward (and everything after i is in order), moves
    // it back into place: only the cursors moved in a step are ever out of order (PISA's
    // block_max_wand_query keeps its list the same way).
    auto settle = [&](std::size_t i) {
        Cursor* v = sorted[i];
        const std::uint32_t d = v->docid();
        while (i + 1 < n && sorted[i + 1]->docid() < d) {
            sorted[i] = sorted[i + 1];
            ++i;
        }
        sorted[i] = v;
    };
    while (true) {
        // Pivot: the first cursor at which the list bounds could reach the k-th score.
        std::size_t pivot = n;
        double bound = 0.0;
        for (std::size_t p = 0; p < n; ++p) {
            const Cursor& c = *sorted[p];
            if (c.docid() >= sentinel) {
                break;
            }
            bound += static_cast<double>(c.max_score());
            if (!queue.can_prune(static_cast<float>(bound))) {
                pivot = p;
                break;
            }
        }
        if (pivot == n) {
            return;
        }
        const std::uint32_t pivot_doc = sorted[pivot]->docid();
        prefetch_candidate(*sorted[pivot], queue, pivot_doc);
        while (pivot + 1 < n && sorted[pivot + 1]->docid() == pivot_doc) {
            ++pivot;
        }
        double block_bound = 0.0;
        for (std::size_t p = 0; p <= pivot; ++p) {
            Cursor& c = *sorted[p];
            c.shallow_next_geq(pivot_doc);
            block_bound += static_cast<double>(c.block_max_score());
        }
        if (!queue.can_prune(static_cast<float>(block_bound))) {
            if (sorted[0]->docid() == pivot_doc) {
                for (std::size_t p = 0; p <= pivot; ++p) {
                    Cursor& c = *sorted[p];
                    sum.set(term_of(&c), c.score());
                    c.next();
                }
                queue.insert(pivot_doc, sum.take());
                for (std::size_t p = pivot + 1; p-- > 0;) {
                    settle(p);
                }
            } else {
                // Documents before pivot_doc only occur in lists whose bounds cannot compete:
                // move the last list short of the pivot there (PISA's block_max_wand_query).
                std::size_t lagging = pivot;
                while (sorted[lagging]->docid() == pivot_doc) {
                    --lagging;
                }
                sorted[lagging]->next_geq(pivot_doc);
                settle(lagging);
            }
            continue;
        }
        // No document in [pivot_doc, end of the shortest block] can compete: the lists past
        // the pivot start later, and every list up to it is bounded by its block maximum. Move
        // the list with the largest bound among those up to the pivot past that range.
        std::uint32_t next = sentinel;
        std::size_t mover = pivot;
        for (std::size_t p = 0; p <= pivot; ++p) {
            const Cursor& c = *sorted[p];
            std::uint32_t last = c.block_max_docid();
            next = std::min<std::uint32_t>(next, last >= sentinel ? sentinel : last + 1);
            if (c.max_score() > sorted[mover]->max_score()) {
                mover = p;
            }
        }
        if (pivot + 1 < n) {
            next = std::min<std::uint32_t>(next, sorted[pivot + 1]->docid());
        }
        next = std::max<std::uint32_t>(next, pivot_doc + 1);
        sorted[mover]->next_geq(next);
        settle(mover);
    }
}
}  // namespace detail

template <BlockMaxCursor Cursor, class Queue>
void block_max_wand_query(std::span<Cursor> cursors, Queue& queue) {
    switch (cursors.size()) {
        case 0:
            return;
        case 2:
            detail::block_max_wand<2>(cursors, queue);
            return;
        case 3:
            detail::block_max_wand<3>(cursors, queue);
            return;
        case 4:
            detail::block_max_wand<4>(cursors, queue);
            return;
        case 5:
            detail::block_max_wand<5>(cursors, queue);
            return;
        case 6:
            detail::block_max_wand<6>(cursors, queue);
            return;
        case 7:
            detail::block_max_wand<7>(cursors, queue);
            return;
        case 8:
            detail::block_max_wand<8>(cursors, queue);
            return;
        default:
            detail::block_max_wand<0>(cursors, queue);
            return;
    }
}

}  // namespace cascade::retrieve
