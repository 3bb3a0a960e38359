#pragma once
/// WAND: Broder, Carmel, Herscovici, Soffer & Zien, "Efficient Query Evaluation using a
/// Two-Level Retrieval Process", CIKM 2003. Cursors are kept sorted by current docid; the pivot
/// is the first cursor at which the running sum of list upper bounds could reach the k-th
/// score. Documents before the pivot's docid cannot compete, so the lagging cursors jump to it.

#include <algorithm>
#include <span>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

namespace detail {
/// Sorts cursor indices by current docid (insertion sort: lists are short and mostly sorted).
template <class Cursor>
void sort_by_docid(std::span<Cursor> cursors, std::vector<std::size_t>& order) {
    for (std::size_t i = 1; i < order.size(); ++i) {
        std::size_t v = order[i];
        std::uint32_t d = cursors[v].docid();
        std::size_t j = i;
        while (j > 0 && cursors[order[j - 1]].docid() > d) {
            order[j] = order[j - 1];
            --j;
        }
        order[j] = v;
    }
}

/// Index in `order` of the pivot, or order.size() when no document can still compete.
template <class Cursor, class Queue>
std::size_t find_pivot(std::span<Cursor> cursors, const std::vector<std::size_t>& order,
                       const Queue& queue) {
    const std::uint32_t sentinel = cursors[0].sentinel();
    double bound = 0.0;
    for (std::size_t p = 0; p < order.size(); ++p) {
        const Cursor& c = cursors[order[p]];
        if (c.docid() >= sentinel) {
            break;
        }
        bound += static_cast<double>(c.max_score());
        if (!queue.can_prune(static_cast<float>(bound))) {
            return p;
        }
    }
    return order.size();
}
}  // namespace detail

template <ScoredCursor Cursor, class Queue>
void wand_query(std::span<Cursor> cursors, Queue& queue) {
    const std::size_t n = cursors.size();
    if (n == 0) {
        return;
    }
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
        if (cursors[order[0]].docid() == pivot_doc) {
            // Every cursor up to the pivot sits on pivot_doc: score it.
            for (std::size_t p = 0; p < n && cursors[order[p]].docid() == pivot_doc; ++p) {
                Cursor& c = cursors[order[p]];
                sum.set(order[p], c.score());
                c.next();
            }
            queue.insert(pivot_doc, sum.take());
        } else {
            for (std::size_t p = 0; p < pivot; ++p) {
                Cursor& c = cursors[order[p]];
                if (c.docid() < pivot_doc) {
                    c.next_geq(pivot_doc);
                }
            }
        }
    }
}

}  // namespace cascade::retrieve
